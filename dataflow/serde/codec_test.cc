// The batch codec refuses bad bytes with a reason instead of crashing or over-allocating.
#include "dataflow/serde/codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace eddy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(CodecTest, RoundTripsNestedTypes) {
  std::vector<std::pair<std::string, std::vector<int>>> items{{"a", {1, 2}}, {"", {}}};
  std::vector<std::pair<std::string, std::vector<int>>> back;
  ASSERT_TRUE(decode_batch(encode_batch(items), &back).ok());
  EXPECT_EQ(back, items);
}

TEST(CodecTest, AppendsToExistingElements) {
  std::vector<int> out{7};
  ASSERT_TRUE(decode_batch(encode_batch(std::vector<int>{8, 9}), &out).ok());
  EXPECT_THAT(out, ElementsAre(7, 8, 9));
}

TEST(CodecTest, RefusesTruncatedPayloads) {
  std::string bytes = encode_batch(std::vector<std::string>{"hello", "world"});
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    std::vector<std::string> out{"kept"};
    absl::Status status = decode_batch(std::string_view(bytes).substr(0, cut), &out);
    EXPECT_FALSE(status.ok()) << "cut at " << cut;
    EXPECT_THAT(out, ElementsAre("kept")) << "a failed decode must not change the output";
  }
}

TEST(CodecTest, RefusesTrailingGarbage) {
  std::string bytes = encode_batch(std::vector<int>{1}) + "xyz";
  std::vector<int> out;
  EXPECT_THAT(decode_batch(bytes, &out).message(), HasSubstr("3 bytes of trailing garbage"));
}

TEST(CodecTest, RefusesImpossibleElementCountsBeforeAllocating) {
  std::string bytes(16, '\0');
  const uint64_t huge = uint64_t{1} << 60;
  std::memcpy(bytes.data(), &huge, sizeof huge);
  std::vector<int> out;
  EXPECT_THAT(decode_batch(bytes, &out).message(), HasSubstr("claims 1152921504606846976 elements"));
}

}  // namespace
}  // namespace eddy

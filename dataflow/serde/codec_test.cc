// The batch codec refuses bad bytes with a reason instead of crashing or over-allocating.
#include "dataflow/serde/codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
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

TEST(CodecTest, RefusesANestedSizeClaimBeforeAllocatingForIt) {
  // One element: a string claiming 2^40 bytes, with 3 bytes behind it.
  std::string bytes;
  const uint64_t one = 1, huge = uint64_t{1} << 40;
  bytes.append(reinterpret_cast<const char*>(&one), 8);
  bytes.append(reinterpret_cast<const char*>(&huge), 8);
  bytes.append("abc");
  std::vector<std::string> out;
  EXPECT_THAT(decode_batch(bytes, &out).message(),
              HasSubstr("a container claims 1099511627776 elements with 3 bytes left"));
}

// Found by fuzz/wire_fuzz: an empty vector of numbers is read as zero bytes into its data(),
// which is null; memcpy(nullptr, p, 0) is undefined behaviour that UBSan reports.
TEST(CodecTest, DecodesEmptyVectorsOfNumbers) {
  std::vector<int64_t> value{1};
  ASSERT_TRUE(decode_value(encode_batch<int64_t>({}), &value).ok());
  EXPECT_THAT(value, ElementsAre());
  std::vector<std::vector<int>> out;
  ASSERT_TRUE(decode_batch(encode_batch<std::vector<int>>({{}, {3}}), &out).ok());
  EXPECT_THAT(out, ElementsAre(ElementsAre(), ElementsAre(3)));
}

// Found by fuzz/wire_fuzz: a byte other than 0 or 1 was read as a bool (undefined behaviour, which
// UBSan reports), here an optional's "empty" flag. It is refused instead.
TEST(CodecTest, RefusesABoolThatIsNeitherZeroNorOne) {
  std::optional<std::string> value;
  EXPECT_THAT(decode_value(std::string_view("\x02", 1), &value).message(),
              HasSubstr("a bool encoded as 2"));
  bool flag = false;
  EXPECT_FALSE(decode_value(std::string_view("\xff", 1), &flag).ok());
  ASSERT_TRUE(decode_value(std::string_view("\x01", 1), &flag).ok());
  EXPECT_TRUE(flag);
  std::vector<std::optional<int>> out;
  ASSERT_TRUE(decode_batch(encode_batch<std::optional<int>>({std::nullopt, 5}), &out).ok());
  EXPECT_THAT(out, ElementsAre(std::nullopt, 5));
}

TEST(CodecTest, MatchesCerealsOwnBinaryFormat) {
  // The bytes are Cereal's binary archive format: a count, then the elements.
  const std::string bytes = encode_batch(std::vector<std::pair<uint32_t, std::string>>{{7, "ab"}});
  std::string expected;
  const uint64_t count = 1, length = 2;
  const uint32_t seven = 7;
  expected.append(reinterpret_cast<const char*>(&count), 8);
  expected.append(reinterpret_cast<const char*>(&seven), 4);
  expected.append(reinterpret_cast<const char*>(&length), 8);
  expected.append("ab");
  EXPECT_EQ(bytes, expected);
}

}  // namespace
}  // namespace eddy

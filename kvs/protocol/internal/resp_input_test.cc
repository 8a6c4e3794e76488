// RespInput keeps unconsumed bytes intact across compaction; parse_resp_integer is string2ll.
#include "kvs/protocol/internal/resp_input.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace eddy::kvs::internal {
namespace {

bool parses(const std::string& text, int64_t* value) {
  return parse_resp_integer(text.data(), text.size(), value);
}

TEST(ParseRespIntegerTest, AcceptsWhatRedisString2llAccepts) {
  const struct {
    std::string text;
    int64_t value;
  } cases[] = {
      {"0", 0},
      {"7", 7},
      {"-1", -1},
      {"1234567890", 1234567890},
      {"9223372036854775807", std::numeric_limits<int64_t>::max()},
      {"-9223372036854775808", std::numeric_limits<int64_t>::min()},
  };
  for (const auto& c : cases) {
    int64_t value = 42;
    EXPECT_TRUE(parses(c.text, &value)) << c.text;
    EXPECT_EQ(value, c.value) << c.text;
  }
}

TEST(ParseRespIntegerTest, RefusesWhatRedisString2llRefuses) {
  for (const std::string text :
       {"", "-", "-0", "01", "+1", " 1", "1 ", "1a", "0x1", "9223372036854775808",
        "-9223372036854775809", "18446744073709551616", "000000000000000000001"}) {
    int64_t value = 42;
    EXPECT_FALSE(parses(text, &value)) << text;
    EXPECT_EQ(value, 42) << "a refused parse must leave the value alone: " << text;
  }
}

TEST(RespInputTest, FindsAByteThatArrivesAfterAnEarlierSearchFailed) {
  RespInput input;
  input.append("abc", 3);
  EXPECT_EQ(input.find('\n'), RespInput::kNotFound);
  input.append("de\nf", 4);
  EXPECT_EQ(input.find('\n'), 5u);
  EXPECT_EQ(input.find('\n'), 5u) << "a repeated search must find the same byte";
  EXPECT_EQ(input.find('a'), 0u) << "a search for another byte starts over";
}

TEST(RespInputTest, SearchesFromTheNewFrontAfterConsume) {
  RespInput input;
  input.append("a\nb\n", 4);
  EXPECT_EQ(input.find('\n'), 1u);
  input.consume(2);
  EXPECT_EQ(std::string(input.data(), input.size()), "b\n");
  EXPECT_EQ(input.find('\n'), 1u);
}

TEST(RespInputTest, KeepsUnconsumedBytesWhenCompacting) {
  RespInput input;
  std::string expected;
  for (int i = 0; i < 20000; ++i) {
    const std::string piece = std::to_string(i) + ",";
    input.append(piece.data(), piece.size());
    expected += piece;
    // Drop none, a third or two thirds, so the front moves past the compaction threshold with
    // both a few and many unconsumed bytes behind it.
    const size_t drop = expected.size() * (i % 3) / 3;
    input.consume(drop);
    expected.erase(0, drop);
    ASSERT_EQ(std::string(input.data(), input.size()), expected) << "after piece " << i;
  }
}

}  // namespace
}  // namespace eddy::kvs::internal

// encode() and the append_* helpers write the exact bytes a Redis server writes, never a CR or
// LF inside a simple string or error, and RespValue renders itself readably for test failures.
#include "kvs/protocol/resp.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace eddy::kvs {
namespace {

std::string encoded(const RespValue& value) {
  std::string out;
  encode(value, &out);
  return out;
}

TEST(RespEncodeTest, WritesEveryKindAsRedisDoes) {
  const struct {
    RespValue value;
    std::string bytes;
  } cases[] = {
      {RespValue::simple_string("OK"), "+OK\r\n"},
      {RespValue::error("ERR unknown command 'x'"), "-ERR unknown command 'x'\r\n"},
      {RespValue::integer(0), ":0\r\n"},
      {RespValue::integer(-42), ":-42\r\n"},
      {RespValue::integer(std::numeric_limits<int64_t>::max()), ":9223372036854775807\r\n"},
      {RespValue::integer(std::numeric_limits<int64_t>::min()), ":-9223372036854775808\r\n"},
      {RespValue::bulk_string(""), "$0\r\n\r\n"},
      {RespValue::bulk_string(std::string("a\r\n\0b", 5)), std::string("$5\r\na\r\n\0b\r\n", 11)},
      {RespValue::null_bulk_string(), "$-1\r\n"},
      {RespValue::null_array(), "*-1\r\n"},
      {RespValue::array({}), "*0\r\n"},
      {RespValue::array({RespValue::bulk_string("v"), RespValue::null_bulk_string(),
                         RespValue::array({RespValue::integer(1), RespValue::null_array()})}),
       "*3\r\n$1\r\nv\r\n$-1\r\n*2\r\n:1\r\n*-1\r\n"},
  };
  for (const auto& c : cases) EXPECT_EQ(encoded(c.value), c.bytes) << c.value.debug_string();
}

TEST(RespEncodeTest, HelpersWriteWhatEncodeWrites) {
  std::string out;
  append_array_header(&out, 7);
  append_simple(&out, "OK");
  append_error(&out, "ERR no");
  append_integer(&out, -3);
  append_bulk(&out, std::string("x\0y", 3));
  append_null_bulk(&out);
  append_null_array(&out);
  append_array_header(&out, 0);
  const RespValue value = RespValue::array(
      {RespValue::simple_string("OK"), RespValue::error("ERR no"), RespValue::integer(-3),
       RespValue::bulk_string(std::string("x\0y", 3)), RespValue::null_bulk_string(),
       RespValue::null_array(), RespValue::array({})});
  EXPECT_EQ(out, encoded(value));
}

TEST(RespEncodeTest, AppendsAfterWhatTheOutputAlreadyHolds) {
  std::string out = "+PONG\r\n";
  append_bulk(&out, "v");
  encode(RespValue::integer(5), &out);
  EXPECT_EQ(out, "+PONG\r\n$1\r\nv\r\n:5\r\n");
}

TEST(RespEncodeTest, KeepsCrAndLfOutOfErrorsAndSimpleStringsLikeRedis) {
  const struct {
    std::string text;
    std::string line;  // what goes between the type byte and the final CRLF
  } cases[] = {
      {"ERR plain", "ERR plain"},
      {"ERR a\r\nb\nc\rd", "ERR a  b c d"},
      {"\r\nERR trimmed\r\n\n", "ERR trimmed"},
      {"\r\n", ""},
  };
  for (const auto& c : cases) {
    std::string error;
    append_error(&error, c.text);
    EXPECT_EQ(error, "-" + c.line + "\r\n") << c.text;
    EXPECT_EQ(encoded(RespValue::error(c.text)), error) << c.text;
    std::string simple;
    append_simple(&simple, c.text);
    EXPECT_EQ(simple, "+" + c.line + "\r\n") << c.text;
    EXPECT_EQ(encoded(RespValue::simple_string(c.text)), simple) << c.text;
  }
}

TEST(RespValueTest, DebugStringShowsEveryKindEscaped) {
  const RespValue value = RespValue::array(
      {RespValue::simple_string("OK"), RespValue::error("ERR x"), RespValue::integer(-3),
       RespValue::bulk_string("a\r\n\""), RespValue::null_bulk_string(), RespValue::null_array(),
       RespValue::array({RespValue::integer(1)})});
  EXPECT_EQ(value.debug_string(), R"([+"OK", -"ERR x", :-3, $"a\r\n\"", $nil, *nil, [:1]])");
}

TEST(RespValueTest, ComparesKindAndContents) {
  EXPECT_EQ(RespValue::bulk_string("a"), RespValue::bulk_string("a"));
  EXPECT_NE(RespValue::bulk_string("a"), RespValue::simple_string("a"));
  EXPECT_NE(RespValue::null_bulk_string(), RespValue::bulk_string(""));
  EXPECT_NE(RespValue::null_array(), RespValue::array({}));
  EXPECT_NE(RespValue::array({RespValue::integer(1)}), RespValue::array({RespValue::integer(2)}));
}

}  // namespace
}  // namespace eddy::kvs

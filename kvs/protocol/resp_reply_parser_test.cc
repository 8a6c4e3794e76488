// RespReplyParser reads back every RespValue kind however the bytes are split, reads what a
// real Redis sends, and refuses malformed or over-limit replies without allocating claims.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "kvs/protocol/internal/test_allocations.h"
#include "kvs/protocol/resp.h"

namespace eddy::kvs {
namespace {

using ::testing::HasSubstr;

// Everything a reply parser produced from some input: its values, then its error if it failed.
struct Outcome {
  std::vector<RespValue> values;
  std::optional<std::string> error;

  bool operator==(const Outcome&) const = default;
};

void drain(RespReplyParser* parser, Outcome* outcome) {
  while (!outcome->error.has_value()) {
    absl::StatusOr<std::optional<RespValue>> next = parser->next();
    if (!next.ok()) {
      outcome->error = std::string(next.status().message());
    } else if (!next->has_value()) {
      return;
    } else {
      outcome->values.push_back(std::move(**next));
    }
  }
}

// Feeds `bytes` in pieces of `chunk` bytes, draining the parser after each piece.
Outcome parse(const std::string& bytes, size_t chunk = std::numeric_limits<size_t>::max(),
              RespLimits limits = {}) {
  RespReplyParser parser(limits);
  Outcome outcome;
  for (size_t at = 0; at < bytes.size() && !outcome.error; at += chunk) {
    parser.feed(bytes.data() + at, std::min(chunk, bytes.size() - at));
    drain(&parser, &outcome);
  }
  drain(&parser, &outcome);
  return outcome;
}

std::string error_of(const std::string& bytes, RespLimits limits = {}) {
  return parse(bytes, std::numeric_limits<size_t>::max(), limits).error.value_or("(no error)");
}

std::string encoded(const std::vector<RespValue>& values) {
  std::string out;
  for (const RespValue& value : values) encode(value, &out);
  return out;
}

std::vector<RespValue> every_kind() {
  return {
      RespValue::simple_string("OK"),
      RespValue::error("ERR wrong"),
      RespValue::integer(std::numeric_limits<int64_t>::min()),
      RespValue::bulk_string(std::string("a\r\n\0$", 5)),
      RespValue::bulk_string(""),
      RespValue::null_bulk_string(),
      RespValue::null_array(),
      RespValue::array({}),
      RespValue::array({RespValue::array({RespValue::null_array(), RespValue::array({})}),
                        RespValue::null_bulk_string(), RespValue::integer(7),
                        RespValue::array({RespValue::array({RespValue::bulk_string("deep")})})}),
  };
}

TEST(RespReplyParserTest, ReadsBackEveryKindSplitAtEveryByte) {
  const std::vector<RespValue> values = every_kind();
  const std::string bytes = encoded(values);
  const Outcome expected{values, std::nullopt};
  ASSERT_EQ(parse(bytes), expected);
  EXPECT_EQ(parse(bytes, 1), expected) << "byte at a time";
  for (size_t split = 0; split <= bytes.size(); ++split) {
    RespReplyParser parser;
    Outcome outcome;
    parser.feed(bytes.data(), split);
    drain(&parser, &outcome);
    parser.feed(bytes.data() + split, bytes.size() - split);
    drain(&parser, &outcome);
    EXPECT_EQ(outcome, expected) << "split at byte " << split;
  }
}

TEST(RespReplyParserTest, ReadsAReplyCapturedFromRedis) {
  // redis-server 7.0's reply to COMMAND INFO get.
  const std::string bytes =
      "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n"
      "+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n"
      "$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\n"
      "index\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n"
      "$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n";
  const Outcome outcome = parse(bytes);
  ASSERT_EQ(outcome.error, std::nullopt);
  ASSERT_EQ(outcome.values.size(), 1u);
  const RespValue& get = outcome.values[0].elements.at(0);
  ASSERT_EQ(get.elements.size(), 10u);
  EXPECT_EQ(get.elements[0], RespValue::bulk_string("get"));
  EXPECT_EQ(get.elements[1], RespValue::integer(2));
  EXPECT_EQ(get.elements[2], RespValue::array({RespValue::simple_string("readonly"),
                                               RespValue::simple_string("fast")}));
  EXPECT_EQ(encoded(outcome.values), bytes) << "re-encoding must give Redis's bytes back";
}

TEST(RespReplyParserTest, RefusesMalformedReplies) {
  const struct {
    std::string bytes;
    std::string error;
  } cases[] = {
      {"?x\r\n", "unknown type byte '?'"},
      {":1x\r\n", "invalid integer"},
      {":\r\n", "invalid integer"},
      {":01\r\n", "invalid integer"},
      {"$-2\r\n", "invalid bulk length"},
      {"$x\r\n", "invalid bulk length"},
      {"$3\r\nabcde", "bulk string not followed by CRLF"},
      {"*-2\r\n", "invalid array length"},
      {"*1\r\n*x\r\n", "invalid array length"},
      {"+OK\rX", "CR not followed by LF"},
      {"+O\nK\r\n", "LF inside a simple string or error"},
      {"-ERR\n\r\n", "LF inside a simple string or error"},
      {"\r\n", "empty line"},
  };
  for (const auto& c : cases) EXPECT_THAT(error_of(c.bytes), HasSubstr(c.error)) << c.bytes;
}

TEST(RespReplyParserTest, RefusesWhatExceedsConfiguredLimits) {
  const RespLimits limits{
      .max_bulk_length = 4, .max_array_elements = 2, .max_inline_length = 6, .max_reply_depth = 2};
  EXPECT_EQ(
      parse("$4\r\nabcd\r\n*2\r\n*2\r\n:1\r\n:2\r\n:3\r\n+12345\r\n", 1000, limits),
      (Outcome{{RespValue::bulk_string("abcd"),
                RespValue::array({RespValue::array({RespValue::integer(1), RespValue::integer(2)}),
                                  RespValue::integer(3)}),
                RespValue::simple_string("12345")},
               std::nullopt}));
  EXPECT_THAT(error_of("$5\r\n", limits), HasSubstr("invalid bulk length"));
  EXPECT_THAT(error_of("*3\r\n", limits), HasSubstr("invalid array length"));
  EXPECT_THAT(error_of("*1\r\n*1\r\n*1\r\n", limits), HasSubstr("nested deeper than 2"));
  EXPECT_THAT(error_of("+123456\r\n", limits), HasSubstr("line longer than 6 bytes"));
  EXPECT_THAT(error_of("+1234567", limits), HasSubstr("line longer than 6 bytes"));
}

TEST(RespReplyParserTest, ReturnsTheSameErrorForeverAfterOne) {
  RespReplyParser parser;
  parser.feed("+OK\r\n?\r\n", 8);
  absl::StatusOr<std::optional<RespValue>> first = parser.next();
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ(**first, RespValue::simple_string("OK"));
  const absl::Status error = parser.next().status();
  EXPECT_EQ(error.code(), absl::StatusCode::kInvalidArgument);
  parser.feed("+OK\r\n", 5);
  EXPECT_EQ(parser.next().status(), error);
}

TEST(RespReplyParserTest, DoesNotAllocateAClaimedBulkLengthOrElementCountUpFront) {
  for (const std::string claim : {"$536870912\r\nabc", "*1048576\r\n:1\r\n"}) {
    RespReplyParser parser;
    internal::LargestAllocation largest;
    parser.feed(claim.data(), claim.size());
    ASSERT_EQ(parser.next().value(), std::nullopt);
    EXPECT_LT(largest.bytes(), 256u * 1024) << claim;
  }
}

// A random value tree, at most `depth` arrays deep, whose text needs no sanitizing.
RespValue random_value(std::mt19937_64& rng, int depth) {
  auto text = [&rng] {
    std::string out(rng() % 6, 'x');
    for (char& c : out) c = "ab $*:+-\t\0"[rng() % 10];
    return out;
  };
  switch (rng() % (depth > 0 ? 8 : 6)) {
    case 0:
      return RespValue::simple_string(text());
    case 1:
      return RespValue::error(text());
    case 2:
      return RespValue::integer(static_cast<int64_t>(rng()));
    case 3:
      return RespValue::bulk_string(text() + "\r\n" + text());
    case 4:
      return RespValue::null_bulk_string();
    case 5:
      return RespValue::null_array();
    default: {
      std::vector<RespValue> elements(rng() % 4);
      for (RespValue& element : elements) element = random_value(rng, depth - 1);
      return RespValue::array(std::move(elements));
    }
  }
}

TEST(RespReplyParserFuzzTest, RandomValuesReadBackHoweverSplit) {
  std::mt19937_64 rng(0x5eed'0002);
  for (int round = 0; round < 500; ++round) {
    std::vector<RespValue> values(1 + rng() % 4);
    for (RespValue& value : values) value = random_value(rng, 4);
    const size_t chunk = 1 + rng() % 9;
    EXPECT_EQ(parse(encoded(values), chunk), (Outcome{values, std::nullopt}))
        << "round " << round << ", chunk " << chunk;
  }
}

// Bytes a random reply stream is made of: mostly reply syntax, so that the parser gets deep
// into its states, and now and then any byte at all.
std::string random_bytes(std::mt19937_64& rng) {
  static const std::string kAlphabet = "+-:$*\r\n0123456789-ab";
  static const std::string kFragments[] = {"+OK\r\n", "-ERR x\r\n", ":12\r\n", "$3\r\nabc\r\n",
                                           "$-1\r\n", "*-1\r\n",    "*0\r\n",  "*2\r\n"};
  std::string out;
  const size_t pieces = rng() % 16;
  for (size_t i = 0; i < pieces; ++i) {
    const uint64_t pick = rng() % 10;
    if (pick < 5) {
      out += kFragments[rng() % std::size(kFragments)];
    } else if (pick < 9) {
      out.push_back(kAlphabet[rng() % kAlphabet.size()]);
    } else {
      out.push_back(static_cast<char>(rng() % 256));
    }
  }
  return out;
}

TEST(RespReplyParserFuzzTest, RandomBytesParseTheSameHoweverSplit) {
  std::mt19937_64 rng(0x5eed'0003);
  const RespLimits limits{.max_bulk_length = 64,
                          .max_array_elements = 8,
                          .max_inline_length = 32,
                          .max_reply_depth = 4};
  int values = 0;
  int errors = 0;
  for (int round = 0; round < 3000; ++round) {
    const std::string bytes = random_bytes(rng);
    const Outcome whole = parse(bytes, bytes.size() + 1, limits);
    const size_t chunk = 1 + rng() % 5;
    ASSERT_EQ(parse(bytes, chunk, limits), whole) << "round " << round << ", chunk " << chunk;
    values += static_cast<int>(whole.values.size());
    errors += whole.error ? 1 : 0;
  }
  // The generator must reach both outcomes, or this test proves little.
  EXPECT_GT(values, 1500);
  EXPECT_GT(errors, 1000);
}

}  // namespace
}  // namespace eddy::kvs

// RespParser parses client requests as a Redis 7 server does: every form, every split, every
// protocol error with Redis's exact text, every limit, and no allocation a client only claims.
// The expected texts and behaviours were checked against a real redis-server 7.0.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "kvs/protocol/internal/test_allocations.h"
#include "kvs/protocol/resp.h"

namespace eddy::kvs {
namespace {

using Args = std::vector<std::string>;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Everything a parser produced from some input: its requests, then its error if it failed.
struct Outcome {
  std::vector<Args> requests;
  std::optional<std::string> error;

  bool operator==(const Outcome&) const = default;
};

void drain(RespParser* parser, Outcome* outcome) {
  while (!outcome->error.has_value()) {
    absl::StatusOr<std::optional<RespRequest>> next = parser->next();
    if (!next.ok()) {
      outcome->error = std::string(next.status().message());
    } else if (!next->has_value()) {
      return;
    } else {
      outcome->requests.push_back(std::move((*next)->args));
    }
  }
}

// Feeds `bytes` in pieces of `chunk` bytes, draining the parser after each piece.
Outcome parse(const std::string& bytes, size_t chunk = std::numeric_limits<size_t>::max(),
              RespLimits limits = {}) {
  RespParser parser(limits);
  Outcome outcome;
  for (size_t at = 0; at < bytes.size() && !outcome.error; at += chunk) {
    parser.feed(bytes.data() + at, std::min(chunk, bytes.size() - at));
    drain(&parser, &outcome);
  }
  drain(&parser, &outcome);
  return outcome;
}

std::optional<std::string> error_of(const std::string& bytes, RespLimits limits = {}) {
  return parse(bytes, std::numeric_limits<size_t>::max(), limits).error;
}

std::string multibulk(const Args& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string& arg : args) {
    out += "$" + std::to_string(arg.size()) + "\r\n" + arg + "\r\n";
  }
  return out;
}

TEST(RespParserTest, ParsesAMultibulkRequest) {
  EXPECT_THAT(parse("*3\r\n$3\r\nset\r\n$1\r\nk\r\n$5\r\nvalue\r\n").requests,
              ElementsAre(Args{"set", "k", "value"}));
}

TEST(RespParserTest, ParsesInlineRequestsEndingInCrlfOrLf) {
  EXPECT_THAT(parse("GET k\r\nPING\nECHO  a\t b \r\n").requests,
              ElementsAre(Args{"GET", "k"}, Args{"PING"}, Args{"ECHO", "a", "b"}));
}

TEST(RespParserTest, SkipsEmptyInlineLinesAndEmptyArraysLikeRedis) {
  const Outcome outcome = parse("\r\n\n  \t\nPING\r\n*0\r\n*-1\r\n*-5\r\nPING\r\n");
  EXPECT_THAT(outcome.requests, ElementsAre(Args{"PING"}, Args{"PING"}));
  EXPECT_EQ(outcome.error, std::nullopt);
}

TEST(RespParserTest, ReturnsNulloptUntilTheRequestIsComplete) {
  RespParser parser;
  const std::string bytes = "*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n";
  for (size_t i = 0; i + 1 < bytes.size(); ++i) {
    parser.feed(&bytes[i], 1);
    absl::StatusOr<std::optional<RespRequest>> next = parser.next();
    ASSERT_TRUE(next.ok()) << next.status();
    EXPECT_FALSE(next->has_value()) << "complete after only " << i + 1 << " bytes";
  }
  parser.feed(&bytes.back(), 1);
  absl::StatusOr<std::optional<RespRequest>> next = parser.next();
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_THAT((*next)->args, ElementsAre("ECHO", "hi"));
}

TEST(RespParserTest, ParsesTheSameWhenSplitAtEveryByte) {
  const std::string bytes = std::string("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nva\r\nl\r\n") +
                            "\r\n*0\r\nGET \"k\\x00y\" 'it\\'s'\n*-1\r\n" +
                            "*2\r\n$4\r\nECHO\r\n$0\r\n\r\nPING\r\n";
  const Outcome expected{
      {Args{"SET", "key", "va\r\nl"}, Args{"GET", std::string("k\0y", 3), "it's"}, Args{"ECHO", ""},
       Args{"PING"}},
      std::nullopt};
  ASSERT_EQ(parse(bytes), expected);
  EXPECT_EQ(parse(bytes, 1), expected) << "byte at a time";
  for (size_t split = 0; split <= bytes.size(); ++split) {
    RespParser parser;
    Outcome outcome;
    parser.feed(bytes.data(), split);
    drain(&parser, &outcome);
    parser.feed(bytes.data() + split, bytes.size() - split);
    drain(&parser, &outcome);
    EXPECT_EQ(outcome, expected) << "split at byte " << split;
  }
}

TEST(RespParserTest, ParsesManyPipelinedRequestsFromOneFeed) {
  std::string bytes;
  std::vector<Args> expected;
  for (int i = 0; i < 1000; ++i) {
    const Args args{"SET", "key:" + std::to_string(i), std::string(i % 50, 'v')};
    bytes += i % 10 == 0 ? "PING\r\n" : multibulk(args);
    expected.push_back(i % 10 == 0 ? Args{"PING"} : args);
  }
  EXPECT_EQ(parse(bytes), (Outcome{expected, std::nullopt}));
}

TEST(RespParserTest, KeepsBulkStringsBinarySafe) {
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  const Args args{"SET", std::string("a\0b", 3), "\r\n\r\n$1\r\n*", all_bytes};
  EXPECT_THAT(parse(multibulk(args)).requests, ElementsAre(args));
}

TEST(RespParserTest, SkipsTheBytesAfterCountsAndBulksUncheckedLikeRedis) {
  EXPECT_THAT(parse("*1\rX$4\rXPINGxx*1\r\n$4\r\nPING\r\n").requests,
              ElementsAre(Args{"PING"}, Args{"PING"}));
}

TEST(RespParserTest, SplitsInlineWordsWithRedisQuotingRules) {
  const struct {
    std::string line;
    Args args;
  } cases[] = {
      {R"(ECHO "a\x41\n\q" )", {"ECHO", "aA\nq"}},
      {R"(ECHO "a\"b\\c\t\b\a\r")", {"ECHO", "a\"b\\c\t\b\a\r"}},
      {R"(ECHO "\xFf\x00")", {"ECHO", std::string("\xff\0", 2)}},
      {R"(ECHO "\x4g")", {"ECHO", "x4g"}},
      {R"(ECHO 'a\'b')", {"ECHO", "a'b"}},
      {R"(ECHO 'a\nb' 'a\\b')", {"ECHO", "a\\nb", "a\\\\b"}},
      {R"(ECHO a"b c")", {"ECHO", "ab c"}},
      {R"(ECHO "" '')", {"ECHO", "", ""}},
      {"ECHO a\vb", {"ECHO", "a\vb"}},
      {"ECHO \v\fab", {"ECHO", "ab"}},
      {"ECHO \"a\"\v", {"ECHO", "a"}},
      {"ECHO a\rb\tc", {"ECHO", "a", "b", "c"}},
      {"PING\r", {"PING"}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse(c.line + "\r\n"), (Outcome{{c.args}, std::nullopt})) << c.line;
  }
}

TEST(RespParserTest, RefusesMalformedRequestsWithRedisErrorText) {
  const struct {
    std::string bytes;
    std::string error;
  } cases[] = {
      {"*x\r\n", "ERR Protocol error: invalid multibulk length"},
      {"*\r\n", "ERR Protocol error: invalid multibulk length"},
      {"*01\r\n", "ERR Protocol error: invalid multibulk length"},
      {"*-0\r\n", "ERR Protocol error: invalid multibulk length"},
      {"*+1\r\n", "ERR Protocol error: invalid multibulk length"},
      {"* 1\r\n", "ERR Protocol error: invalid multibulk length"},
      {"*99999999999999999999\r\n", "ERR Protocol error: invalid multibulk length"},
      {"*1\r\nx\r\n", "ERR Protocol error: expected '$', got 'x'"},
      {"*1\r\n\r\n", "ERR Protocol error: expected '$', got ' '"},
      {"*1\r\n\n\r\n", "ERR Protocol error: expected '$', got ' '"},
      {"*2\r\n$4\r\nECHO\r\n:1\r\n", "ERR Protocol error: expected '$', got ':'"},
      {"*1\r\n$x\r\n", "ERR Protocol error: invalid bulk length"},
      {"*1\r\n$\r\n", "ERR Protocol error: invalid bulk length"},
      {"*1\r\n$-1\r\n", "ERR Protocol error: invalid bulk length"},
      {"*1\r\n$-0\r\n", "ERR Protocol error: invalid bulk length"},
      {"*1\r\n$04\r\n", "ERR Protocol error: invalid bulk length"},
      {"*1\r\n$ 1\r\n", "ERR Protocol error: invalid bulk length"},
      {"*1\r\n$536870913\r\n", "ERR Protocol error: invalid bulk length"},
      {"ECHO \"abc\r\n", "ERR Protocol error: unbalanced quotes in request"},
      {"ECHO \"a\"b\r\n", "ERR Protocol error: unbalanced quotes in request"},
      {"ECHO 'a'b\r\n", "ERR Protocol error: unbalanced quotes in request"},
      {"ECHO 'abc\r\n", "ERR Protocol error: unbalanced quotes in request"},
      {"ECHO \"foo\\\"\r\n", "ERR Protocol error: unbalanced quotes in request"},
      {"ECHO \"a\\\r\n", "ERR Protocol error: unbalanced quotes in request"},
      {std::string(65537, 'x'), "ERR Protocol error: too big inline request"},
      {"*" + std::string(65536, '1'), "ERR Protocol error: too big mbulk count string"},
      {"*1\r\n$" + std::string(65536, '1'), "ERR Protocol error: too big bulk count string"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(error_of(c.bytes), c.error) << c.bytes.substr(0, 40);
    EXPECT_EQ(parse(c.bytes, 1).error, c.error) << "byte at a time: " << c.bytes.substr(0, 40);
  }
}

TEST(RespParserTest, AcceptsLinesAndLengthsAtTheDefaultLimits) {
  EXPECT_EQ(error_of(std::string(65536, 'x')), std::nullopt);
  EXPECT_EQ(error_of("ECHO " + std::string(65531, 'x') + "\n"), std::nullopt);
  EXPECT_EQ(error_of("*" + std::string(65535, '1')), std::nullopt);
  EXPECT_EQ(error_of("*1\r\n$536870912\r\n"), std::nullopt);
  EXPECT_EQ(error_of("*1048576\r\n"), std::nullopt);
  EXPECT_EQ(error_of("*1048577\r\n"), "ERR Protocol error: invalid multibulk length");
}

TEST(RespParserTest, RefusesWhatExceedsConfiguredLimits) {
  const RespLimits limits{.max_bulk_length = 10, .max_array_elements = 3, .max_inline_length = 8};
  EXPECT_EQ(parse("*3\r\n$10\r\n0123456789\r\n", 1000, limits).error, std::nullopt);
  EXPECT_EQ(error_of("*1\r\n$11\r\n", limits), "ERR Protocol error: invalid bulk length");
  EXPECT_EQ(error_of("*4\r\n", limits), "ERR Protocol error: invalid multibulk length");
  // An inline line is measured up to its LF, so a CR before it counts.
  EXPECT_EQ(error_of("ECHO ab\r\n", limits), std::nullopt);
  EXPECT_EQ(error_of("ECHO abc\n", limits), std::nullopt);
  EXPECT_EQ(error_of("ECHO abc\r\n", limits), "ERR Protocol error: too big inline request");
  EXPECT_EQ(error_of("ECHO abcd", limits), "ERR Protocol error: too big inline request");
  EXPECT_EQ(error_of("*0000000\r\n", limits), "ERR Protocol error: invalid multibulk length");
  EXPECT_EQ(error_of("*00000000\r\n", limits), "ERR Protocol error: too big mbulk count string");
  EXPECT_EQ(error_of("*1\r\n$00000000\r\n", limits),
            "ERR Protocol error: too big bulk count string");
}

TEST(RespParserTest, WaitsForTheByteAfterCrBeforeJudgingACountLine) {
  RespParser parser;
  Outcome outcome;
  parser.feed("*1\r\nxx", 6);
  drain(&parser, &outcome);
  parser.feed("\r", 1);
  drain(&parser, &outcome);
  EXPECT_EQ(outcome, Outcome{});
  parser.feed("Z", 1);
  drain(&parser, &outcome);
  EXPECT_EQ(outcome.error, "ERR Protocol error: expected '$', got 'x'");
}

TEST(RespParserTest, ReturnsEarlierRequestsThenTheSameErrorForever) {
  RespParser parser;
  const std::string bytes = "PING\r\n*x\r\nPING\r\n";
  parser.feed(bytes.data(), bytes.size());
  absl::StatusOr<std::optional<RespRequest>> first = parser.next();
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_THAT((*first)->args, ElementsAre("PING"));
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<std::optional<RespRequest>> next = parser.next();
    EXPECT_EQ(next.status(),
              absl::InvalidArgumentError("ERR Protocol error: invalid multibulk length"));
    parser.feed("PING\r\n", 6);
  }
  EXPECT_EQ(parser.buffered_bytes(), 0u) << "a poisoned parser must hold no input";
}

TEST(RespParserTest, BufferedBytesCountsWhatIsHeldForTheNextRequest) {
  RespParser parser;
  const std::string start = "*2\r\n$3\r\nGET\r\n$3\r\nke";
  parser.feed(start.data(), start.size());
  EXPECT_EQ(parser.buffered_bytes(), start.size()) << "nothing parsed yet";
  ASSERT_EQ(parser.next().value(), std::nullopt);
  EXPECT_EQ(parser.buffered_bytes(), 5u) << "the arguments GET and ke";
  parser.feed("y\r\nPI", 5);
  ASSERT_TRUE(parser.next().value().has_value());
  EXPECT_EQ(parser.buffered_bytes(), 2u) << "the start of the next request";
}

TEST(RespParserTest, DoesNotAllocateAClaimedBulkLengthOrArgumentCountUpFront) {
  for (const std::string claim : {"*1\r\n$536870912\r\nabc", "*1048576\r\n$3\r\nabc\r\n"}) {
    RespParser parser;
    internal::LargestAllocation largest;
    parser.feed(claim.data(), claim.size());
    ASSERT_EQ(parser.next().value(), std::nullopt);
    EXPECT_LT(largest.bytes(), 256u * 1024) << claim;
  }
}

TEST(RespParserTest, AllocatesInProportionToTheBytesOfAHugeBulkThatArrive) {
  RespParser parser;
  const std::string header = "*2\r\n$3\r\nSET\r\n$536870912\r\n";
  const std::string chunk(size_t{16} * 1024, 'v');
  internal::LargestAllocation largest;
  parser.feed(header.data(), header.size());
  for (int i = 0; i < 64; ++i) {
    parser.feed(chunk.data(), chunk.size());
    ASSERT_EQ(parser.next().value(), std::nullopt);
  }
  EXPECT_EQ(parser.buffered_bytes(), 3 + 64 * chunk.size());
  EXPECT_LT(largest.bytes(), chunk.size() * 64 * 4) << "1 MiB arrived";
}

TEST(RespParserTest, ParsesABigBulkFedInSmallPieces) {
  const Args args{"SET", "k", std::string(size_t{3} * 1024 * 1024 + 7, 'v')};
  EXPECT_THAT(parse(multibulk(args), 4096).requests, ElementsAre(args));
}

// Bytes a random request stream is made of: mostly protocol syntax, so that the parser gets
// deep into its states, and now and then any byte at all.
std::string random_bytes(std::mt19937_64& rng) {
  static const std::string kAlphabet = "*$\r\n0123456789-\"' \\x\tab";
  static const std::string kFragments[] = {
      "*2\r\n",    "$3\r\n", "SET",    "\r\n",    "*1\r\n$4\r\nPING\r\n",    "PING\r\n",
      "\"\\x41\"", "'\\''",  "*0\r\n", "$-1\r\n", "$" + std::string(32, '9')};
  std::string out;
  const size_t pieces = rng() % 24;
  for (size_t i = 0; i < pieces; ++i) {
    const uint64_t pick = rng() % 10;
    if (pick < 4) {
      out += kFragments[rng() % std::size(kFragments)];
    } else if (pick < 9) {
      out.push_back(kAlphabet[rng() % kAlphabet.size()]);
    } else {
      out.push_back(static_cast<char>(rng() % 256));
    }
  }
  return out;
}

bool is_redis_protocol_error(const std::string& error) {
  static const std::string kExpected = "ERR Protocol error: expected '$', got '";
  if (error.size() == kExpected.size() + 2 && error.compare(0, kExpected.size(), kExpected) == 0) {
    return error.back() == '\'';
  }
  for (const char* known :
       {"ERR Protocol error: invalid multibulk length", "ERR Protocol error: invalid bulk length",
        "ERR Protocol error: too big inline request",
        "ERR Protocol error: too big mbulk count string",
        "ERR Protocol error: too big bulk count string",
        "ERR Protocol error: unbalanced quotes in request"}) {
    if (error == known) return true;
  }
  return false;
}

TEST(RespParserFuzzTest, RandomBytesParseTheSameHoweverSplitAndFailOnlyWithRedisErrors) {
  std::mt19937_64 rng(0x5eed'0001);
  const RespLimits limits{.max_bulk_length = 64, .max_array_elements = 8, .max_inline_length = 32};
  int requests = 0;
  std::set<std::string> errors;
  for (int round = 0; round < 3000; ++round) {
    const std::string bytes = random_bytes(rng);
    const Outcome whole = parse(bytes, bytes.size() + 1, limits);
    const size_t chunk = 1 + rng() % 5;
    ASSERT_EQ(parse(bytes, chunk, limits), whole) << "round " << round << ", chunk " << chunk;
    for (const Args& args : whole.requests) ASSERT_THAT(args, testing::Not(IsEmpty()));
    if (whole.error) {
      ASSERT_TRUE(is_redis_protocol_error(*whole.error)) << *whole.error;
    }
    requests += static_cast<int>(whole.requests.size());
    // 31 characters tell the seven errors apart and drop the byte in "expected '$', got 'X'".
    if (whole.error) errors.insert(whole.error->substr(0, 31));
  }
  // The generator must reach requests and every kind of error, or this test proves little.
  EXPECT_GT(requests, 2000);
  EXPECT_THAT(errors, testing::SizeIs(7)) << testing::PrintToString(errors);
}

}  // namespace
}  // namespace eddy::kvs

// The wire format: round trips, and precise refusals of malformed frames.
#include "dataflow/net/wire.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace eddy::wire {
namespace {

using ::testing::HasSubstr;

absl::string_view only_frame(const std::string& bytes, FrameReader& reader) {
  reader.append(bytes.data(), bytes.size());
  auto frame = reader.next();
  EXPECT_TRUE(frame.ok() && frame->has_value());
  return **frame;
}

TEST(WireTest, HelloRoundTrips) {
  Hello hello{0x1234567890abcdefULL, InstanceId{1, MemberId{2}}, InstanceId{3, MemberId{4}}, {}};
  hello.nonce[0] = 7;
  std::string bytes;
  append_hello(hello, &bytes);
  FrameReader reader;
  auto parsed = parse_hello(only_frame(bytes, reader));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->fingerprint, hello.fingerprint);
  EXPECT_EQ(parsed->from, hello.from);
  EXPECT_EQ(parsed->to, hello.to);
  EXPECT_EQ(parsed->nonce, hello.nonce);
}

TEST(WireTest, ChallengeProofRefuseAndDataRoundTrip) {
  std::string bytes;
  append_challenge(Challenge{42, {}, "proof"}, &bytes);
  append_proof("xyz", &bytes);
  append_refuse("no thanks", &bytes);
  append_data(DataHeader{9, InstanceId{1, MemberId{5}}}, "payload", &bytes);
  FrameReader reader;
  reader.append(bytes.data(), bytes.size());
  auto challenge = parse_challenge(**reader.next());
  ASSERT_TRUE(challenge.ok());
  EXPECT_EQ(challenge->proof, "proof");
  EXPECT_EQ(*parse_proof(**reader.next()), "xyz");
  EXPECT_EQ(*parse_refuse(**reader.next()), "no thanks");
  auto data = parse_data(**reader.next());
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->first.channel, 9u);
  EXPECT_EQ(data->first.from, (InstanceId{1, MemberId{5}}));
  EXPECT_EQ(data->second, "payload");
  EXPECT_FALSE(reader.next()->has_value());
}

TEST(WireTest, FramesSplitAcrossReadsComeOutWhole) {
  std::string bytes;
  append_data(DataHeader{1, {}}, std::string(1000, 'x'), &bytes);
  append_data(DataHeader{2, {}}, "y", &bytes);
  FrameReader reader;
  int frames = 0;
  for (char c : bytes) {
    reader.append(&c, 1);
    while (true) {
      auto frame = reader.next();
      ASSERT_TRUE(frame.ok());
      if (!frame->has_value()) break;
      ++frames;
    }
  }
  EXPECT_EQ(frames, 2);
}

// Found by fuzz/wire_fuzz: appending nothing to a fresh reader passed its null buffer to memmove,
// undefined behaviour that UBSan reports (tools/test --asan), and prepare(0) returned null.
TEST(WireTest, AppendingNothingToAFreshReaderIsHarmless) {
  FrameReader empty;
  EXPECT_NE(empty.prepare(0), nullptr);
  FrameReader reader;
  reader.append("", 0);
  auto frame = reader.next();
  ASSERT_TRUE(frame.ok());
  EXPECT_FALSE(frame->has_value());
  EXPECT_EQ(reader.buffered(), 0u);
}

TEST(WireTest, RefusesFramesOverTheLimitAndEmptyFrames) {
  FrameReader reader(1024);
  const char huge[4] = {'\xff', '\xff', '\xff', '\xff'};
  reader.append(huge, 4);
  EXPECT_THAT(reader.next().status().message(),
              HasSubstr("frame of 4294967295 bytes exceeds the limit of 1024 bytes"));
  FrameReader empty;
  const char zero[4] = {0, 0, 0, 0};
  empty.append(zero, 4);
  EXPECT_THAT(empty.next().status().message(), HasSubstr("empty frame"));
}

TEST(WireTest, RefusesMalformedHandshakes) {
  EXPECT_THAT(parse_hello(std::string("\x01GET / HTTP/1.1", 15)).status().message(),
              HasSubstr("does not start with EDDYPEER"));
  std::string truncated;
  append_hello(Hello{}, &truncated);
  FrameReader reader;
  absl::string_view body = only_frame(truncated, reader);
  EXPECT_THAT(parse_hello(body.substr(0, body.size() - 3)).status().message(),
              HasSubstr("hello is truncated"));
  EXPECT_THAT(parse_hello(std::string("\x06")).status().message(),
              HasSubstr("expected a hello frame, got kind 6"));
  EXPECT_THAT(kind_of(std::string("\x63")).status().message(), HasSubstr("unknown frame kind 99"));
  EXPECT_THAT(parse_data(std::string("\x06\x01\x02")).status().message(),
              HasSubstr("data frame header is truncated"));
}

TEST(WireTest, RefusesAnotherProtocolVersion) {
  std::string bytes;
  append_hello(Hello{}, &bytes);
  bytes[4 + 1 + 8] = 9;  // the version's low byte
  FrameReader reader;
  EXPECT_THAT(parse_hello(only_frame(bytes, reader)).status().message(),
              HasSubstr("peer speaks protocol version 9, this build speaks 1"));
}

}  // namespace
}  // namespace eddy::wire

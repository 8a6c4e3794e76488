// The RESP port codec: a connection's input ends at QUIT or at a protocol error, and whatever
// came before either is still handed to the flow, in order.
#include "kvs/protocol/resp_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kvs/protocol/commands.h"

namespace eddy::kvs {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<RespRequest> decode(RespCodec& codec, const std::string& bytes) {
  std::vector<RespRequest> requests;
  std::string immediate;
  EXPECT_TRUE(codec.decode(bytes.data(), bytes.size(), &requests, &immediate).ok());
  EXPECT_THAT(immediate, IsEmpty()) << "every answer goes through the flow, in turn";
  return requests;
}

std::vector<std::string> names(const std::vector<RespRequest>& requests) {
  std::vector<std::string> out;
  for (const RespRequest& r : requests) {
    out.push_back(r.protocol_error.empty() ? r.args.at(0) : "error: " + r.protocol_error);
  }
  return out;
}

TEST(RespCodecTest, NothingAfterQuitIsRead) {
  RespCodec codec;
  EXPECT_THAT(names(decode(codec, "SET a 1\r\nquit\r\nSET b 2\r\n")), ElementsAre("SET", "quit"));
  EXPECT_THAT(decode(codec, "PING\r\n"), IsEmpty());
}

TEST(RespCodecTest, AProtocolErrorIsTheLastRequestAfterTheOnesBeforeIt) {
  RespCodec codec;
  EXPECT_THAT(names(decode(codec, "*1\r\n$4\r\nPING\r\n*x\r\n")),
              ElementsAre("PING", "error: ERR Protocol error: invalid multibulk length"));
  EXPECT_THAT(decode(codec, "*1\r\n$4\r\nPING\r\n"), IsEmpty());
}

TEST(RespCodecTest, AProtocolErrorBecomesAClosingErrorReply) {
  RespRequest bad;
  bad.protocol_error = "ERR Protocol error: invalid bulk length";
  const Command command = parse_command(std::move(bad), CommandLimits{});
  EXPECT_EQ(command.kind, CommandKind::kImmediate);
  EXPECT_EQ(command.reply, "-ERR Protocol error: invalid bulk length\r\n");
  EXPECT_TRUE(command.close);
  EXPECT_TRUE(parse_command(RespRequest{{"QUIT"}, {}}, CommandLimits{}).close);
  EXPECT_FALSE(parse_command(RespRequest{{"PING"}, {}}, CommandLimits{}).close);
}

}  // namespace
}  // namespace eddy::kvs

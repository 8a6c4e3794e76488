// ClusterStateGateway on its own (no engine): routing, per-connection reply order, and what it
// does about replicas that are down or do not answer: errors naming the replica, `any` routed
// around it, queries asked again elsewhere, late replies dropped.
#include "kvs/servers/cluster_state_server_gateway.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace eddy::kvs {
namespace {

using Args = std::vector<std::string>;

constexpr TimeMs kTimeout = 1000;

class GatewayTest : public ::testing::Test {
 protected:
  explicit GatewayTest(std::vector<NodeRole> roles = {}) : gateway_(std::move(roles), kTimeout) {
    gateway_.set_replicas(3);
    step(0, GatewayTimer{});  // The gateway starts at 0.
  }

  std::vector<GatewayAction> step(TimeMs now, GatewayEvent event) {
    std::vector<GatewayAction> out;
    gateway_.step(now, std::move(event), &out);
    return out;
  }
  std::vector<GatewayAction> send(TimeMs now, Args args, uint64_t conn = 1) {
    return step(now, GatewayRequest{ConnectionId{conn}, RespRequest{std::move(args), ""}});
  }
  std::vector<GatewayAction> alive(TimeMs now, uint32_t member) {
    return step(now, FromReplica{member, ReplicaAlive{}});
  }
  std::vector<GatewayAction> reply(TimeMs now, uint32_t member, const RequestTo& to,
                                   const std::string& resp) {
    return step(now, FromReplica{member, StateReply{to.second.conn, to.second.seq, resp}});
  }

  ClusterStateGateway gateway_;
};

// The one request an action list holds. REQUIRES: exactly one action, a RequestTo.
RequestTo only_request(const std::vector<GatewayAction>& actions) {
  EXPECT_EQ(actions.size(), 1u);
  if (actions.size() != 1 || !std::holds_alternative<RequestTo>(actions[0])) {
    ADD_FAILURE() << "expected one request to a replica";
    return {};
  }
  return std::get<RequestTo>(actions[0]);
}

// The client bytes of each reply in `actions`, in order.
std::vector<std::string> replies(const std::vector<GatewayAction>& actions) {
  std::vector<std::string> bytes;
  for (const GatewayAction& action : actions) {
    if (const auto* to = std::get_if<ReplyTo>(&action)) bytes.push_back(to->second.bytes);
  }
  return bytes;
}

const Args kDigest = {"STATE.QUERY", "any", "digest"};
const Args kRegister = {"STATE.CALL", "1", "register_node", "node_id", "n1"};

TEST_F(GatewayTest, ACommandNotAnsweredInTimeGetsAnErrorAndLaterRepliesGoOut) {
  const RequestTo sent = only_request(send(0, kRegister));
  EXPECT_EQ(sent.first, MemberId{1});
  EXPECT_TRUE(send(10, {"PING"}).empty());  // Held behind the call.
  EXPECT_TRUE(step(999, GatewayTimer{}).empty());
  alive(999, 1);  // Up, but the call was lost on the way.
  EXPECT_EQ(replies(step(1000, GatewayTimer{})),
            (std::vector<std::string>{"-ERR replica 1 did not answer register_node within 1000 ms; "
                                      "the call may or may not have been applied\r\n",
                                      "+PONG\r\n"}));
  // The reply that comes after the error is dropped.
  EXPECT_TRUE(reply(1100, 1, sent, "$2\r\nok\r\n").empty());
  EXPECT_TRUE(step(5000, GatewayTimer{}).empty());
}

TEST_F(GatewayTest, AnErrorForASilentReplicaSaysItIsDown) {
  send(0, kRegister);
  alive(0, 0);
  EXPECT_EQ(replies(step(1500, GatewayTimer{})),
            (std::vector<std::string>{
                "-ERR replica 1 did not answer register_node within 1000 ms (it is down: no word "
                "from it for 1500 ms); the call may or may not have been applied\r\n"}));
}

TEST_F(GatewayTest, ACommandNamingADownReplicaIsAnsweredAtOnceAndNotSent) {
  alive(1200, 0);
  alive(1200, 2);
  EXPECT_EQ(replies(send(1500, kRegister)),
            (std::vector<std::string>{"-ERR replica 1 is down (no word from it for 1500 ms); the "
                                      "call was not sent\r\n"}));
  // Once it speaks again, it is routed to again.
  alive(1600, 1);
  EXPECT_EQ(only_request(send(1700, kRegister)).first, MemberId{1});
}

TEST_F(GatewayTest, AnyGoesRoundRobinOverTheReplicasThatAreUp) {
  std::vector<uint32_t> targets;
  for (int i = 0; i < 3; ++i) targets.push_back(only_request(send(0, kDigest)).first.raw);
  EXPECT_EQ(targets, (std::vector<uint32_t>{0, 1, 2}));
  alive(1200, 0);
  alive(1200, 2);
  targets.clear();
  for (int i = 0; i < 4; ++i) targets.push_back(only_request(send(1500, kDigest)).first.raw);
  EXPECT_EQ(targets, (std::vector<uint32_t>{0, 2, 0, 2}));
}

TEST_F(GatewayTest, NoReplicaUpMeansAnErrorAtOnce) {
  EXPECT_EQ(replies(send(2000, kDigest)),
            (std::vector<std::string>{"-ERR no replica that keeps the tables this command needs "
                                      "is up; the query was not sent\r\n"}));
}

TEST_F(GatewayTest, AQueryRoutedByAnyIsAskedOfAnotherReplicaWhenItsReplicaIsSilent) {
  const RequestTo first = only_request(send(0, kDigest));
  EXPECT_EQ(first.first, MemberId{0});
  alive(900, 1);
  alive(900, 2);
  // Timed out at replica 0: asked again at the next replica that is up.
  const RequestTo second = only_request(step(1000, GatewayTimer{}));
  EXPECT_EQ(second.first, MemberId{1});
  EXPECT_EQ(second.second.seq, first.second.seq);
  EXPECT_EQ(replies(reply(1010, 1, second, "$2\r\n{}\r\n")),
            (std::vector<std::string>{"$2\r\n{}\r\n"}));
  // Replica 0's answer, late, is not a second reply.
  EXPECT_TRUE(reply(1020, 0, first, "$2\r\n{}\r\n").empty());
}

TEST_F(GatewayTest, AQueryAskedOfEveryReplicaInVainGetsAnError) {
  send(0, kDigest);
  for (TimeMs t = 1000; t <= 2000; t += 1000) {
    alive(t - 1, 0);
    alive(t - 1, 1);
    alive(t - 1, 2);
    ASSERT_EQ(step(t, GatewayTimer{}).size(), 1u);  // Asked again elsewhere.
  }
  EXPECT_EQ(replies(step(3000, GatewayTimer{})),
            (std::vector<std::string>{
                "-ERR replica 2 did not answer digest within 1000 ms (it is down: no word from it "
                "for 1001 ms)\r\n"}));
}

TEST_F(GatewayTest, ACallRoutedByAnyIsNeverSentTwice) {
  send(0, {"STATE.CALL", "any", "register_node", "node_id", "n1"});
  alive(900, 1);
  alive(900, 2);
  const std::vector<GatewayAction> out = step(1000, GatewayTimer{});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<ReplyTo>(out[0]));
}

TEST_F(GatewayTest, ReplicasAnswerOutOfOrderAndEachConnectionGetsItsOwnOrder) {
  const RequestTo a = only_request(send(0, {"STATE.QUERY", "0", "digest"}));
  const RequestTo b = only_request(send(0, {"STATE.QUERY", "1", "digest"}));
  const RequestTo other = only_request(send(0, {"STATE.QUERY", "2", "digest"}, /*conn=*/2));
  EXPECT_TRUE(reply(5, 1, b, "+b\r\n").empty());
  EXPECT_EQ(replies(reply(6, 2, other, "+c\r\n")), (std::vector<std::string>{"+c\r\n"}));
  EXPECT_EQ(replies(reply(7, 0, a, "+a\r\n")), (std::vector<std::string>{"+a\r\n", "+b\r\n"}));
}

TEST_F(GatewayTest, AClosedConnectionsCommandsAreForgotten) {
  const RequestTo sent = only_request(send(0, kRegister));
  step(10, GatewayGone{ConnectionId{1}});
  EXPECT_TRUE(step(2000, GatewayTimer{}).empty());
  EXPECT_TRUE(reply(2001, 1, sent, "+late\r\n").empty());
}

class LeecherGatewayTest : public GatewayTest {
 protected:
  LeecherGatewayTest() : GatewayTest({NodeRole::kMaster, NodeRole::kWorker, NodeRole::kLeecher}) {}
};

TEST_F(LeecherGatewayTest, CallsAndFullTableQueriesNeverGoToTheLeecher) {
  EXPECT_EQ(replies(send(0, {"STATE.CALL", "2", "register_node", "node_id", "n1"})),
            (std::vector<std::string>{"-ERR replica 2 is a leecher: it takes no calls\r\n"}));
  for (int i = 0; i < 4; ++i) {
    EXPECT_NE(only_request(send(0, {"STATE.QUERY", "any", "get_state"})).first, MemberId{2});
  }
  // A query on nodes only may go there.
  std::vector<uint32_t> targets;
  for (int i = 0; i < 3; ++i) {
    targets.push_back(only_request(send(0, {"STATE.QUERY", "any", "get_all_nodes"})).first.raw);
  }
  EXPECT_NE(std::find(targets.begin(), targets.end(), 2u), targets.end());
}

}  // namespace
}  // namespace eddy::kvs

namespace eddy::kvs {
namespace {

TEST_F(GatewayTest, AnAssignmentWhileTheMasterIsDownIsRefusedAtOnce) {
  alive(1200, 1);
  alive(1200, 2);
  EXPECT_EQ(replies(send(1500, {"STATE.CALL", "1", "assign_task", "task_id", "t1"})),
            (std::vector<std::string>{"-ERR the master, replica 0, which decides every "
                                      "assignment, is down (no word from it for 1500 ms); the "
                                      "call was not sent\r\n"}));
}

TEST_F(GatewayTest, AnAssignmentThatTimesOutWhileTheMasterIsDownSaysSo) {
  send(0, {"STATE.CALL", "1", "assign_task", "task_id", "t1"});
  alive(900, 1);
  EXPECT_EQ(replies(step(1000, GatewayTimer{})),
            (std::vector<std::string>{
                "-ERR replica 1 did not answer assign_task within 1000 ms (it forwards "
                "assignments to the master, replica 0, which is down: no word from it for 1000 "
                "ms); the call may or may not have been applied\r\n"}));
}

}  // namespace
}  // namespace eddy::kvs

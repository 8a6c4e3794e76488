// The cluster-state service in one process (dataflow/testing.h): commands at different
// replicas, assignment through the master, convergence by push and by announce, the leecher's
// scope, per-connection reply order, bad input, and recovery from a data directory.
#include "kvs/servers/cluster_state_server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "dataflow/sim/simulation.h"
#include "dataflow/testing.h"
#include "kvs/protocol/resp.h"
#include "kvs/sim/resp_ask.h"

namespace eddy::kvs {
namespace {

using Port = ExternalPort<RespRequest, RespOut>;
using Args = std::vector<std::string>;

constexpr Duration kSync = std::chrono::milliseconds(100);

// A running service with `replicas` members and one client connection.
class Service {
 public:
  explicit Service(uint32_t replicas, ClusterStateServerOptions options = {}) {
    options.sync_interval = kSync;
    EXPECT_TRUE(build_cluster_state(flow_, options, &port_).ok());
    harness_.emplace(flow_, std::map<std::string, uint32_t>{{kStateReplicas, replicas}});
    client_.emplace(harness_->runner().connect(*port_));
  }

  // Sends every command at once (pipelined), runs until idle, returns the replies in order.
  std::vector<RespValue> pipeline(const std::vector<Args>& commands) {
    std::vector<RespRequest> requests;
    for (const Args& args : commands) requests.push_back(RespRequest{args, ""});
    client_->send_batch(std::move(requests));
    harness_->run();
    for (RespOut& out : client_->take_replies()) parser_.feed(out.bytes.data(), out.bytes.size());
    std::vector<RespValue> replies;
    while (true) {
      auto next = parser_.next();
      EXPECT_TRUE(next.ok()) << next.status();
      if (!next.ok() || !next->has_value()) break;
      replies.push_back(**next);
    }
    EXPECT_EQ(replies.size(), commands.size());
    return replies;
  }

  RespValue send(const Args& args) {
    std::vector<RespValue> replies = pipeline({args});
    return replies.empty() ? RespValue::error("no reply") : replies[0];
  }

  // The JSON of a STATE.CALL/QUERY, failing the test on a RESP error.
  std::string json(const Args& args) {
    RespValue reply = send(args);
    EXPECT_EQ(reply.kind, RespValue::Kind::kBulkString) << reply.debug_string();
    return reply.text;
  }

  // One sync round: every replica announces, and the answers are applied.
  void sync() {
    harness_->advance(kSync);
    harness_->run();
  }

 private:
  Flow flow_;
  std::optional<Port> port_;
  std::optional<testing::Harness> harness_;
  std::optional<InProcessClient<RespRequest, RespOut>> client_;
  RespReplyParser parser_;
};

constexpr char kOk[] = R"({"code":"ok","message":""})";

Args call(const std::string& at, const std::string& op, Args fields = {}) {
  Args args{"STATE.CALL", at, op};
  args.insert(args.end(), fields.begin(), fields.end());
  return args;
}
Args query(const std::string& at, const std::string& q, Args fields = {}) {
  Args args{"STATE.QUERY", at, q};
  args.insert(args.end(), fields.begin(), fields.end());
  return args;
}

Args worker(const std::string& id) {
  return {"node_id",
          id,
          "role",
          "worker",
          "cpu_count",
          "8",
          "memory_total",
          "17179869184",
          "memory_available",
          "17179869184",
          "gpu_count",
          "1",
          "gpu_available",
          "1",
          "capabilities",
          "gpu,ssd"};
}

TEST(ClusterStateServerTest, ReplicasConvergeAfterChangesAtDifferentReplicas) {
  Service s(3);
  EXPECT_EQ(s.json(call("0", "register_node", worker("n1"))), kOk);
  EXPECT_EQ(s.json(call("1", "register_node", worker("n2"))), kOk);
  EXPECT_EQ(s.json(call("2", "register_node", worker("n3"))), kOk);
  EXPECT_EQ(s.json(call("1", "add_task",
                        {"task_id", "t1", "task_type", "render", "required_cpu", "2",
                         "param.frames", "1-10"})),
            kOk);
  EXPECT_EQ(s.json(call("any", "add_content", {"cid", "c1", "size", "100"})), kOk);
  EXPECT_EQ(
      s.json(call("2", "add_task", {"task_id", "t1"})).rfind(R"({"code":"already_exists",)", 0), 0u)
      << "pushed changes reach the other replicas at once";
  // A worker forwards the assignment to the master, which runs it.
  EXPECT_EQ(s.json(call("2", "assign_task", {"task_id", "t1", "node_id", "n2"})),
            R"({"code":"ok","message":"","node_id":"n2"})");
  const std::string state = s.json(query("0", "get_state"));
  EXPECT_NE(state.find(R"("assigned_node_id":"n2")"), std::string::npos) << state;
  // Replica 0 made n1, c1 (`any` starts at replica 0) and the assignment; replica 2 only n3.
  // Without a data directory, each replica's changes are named after the run that made them
  // (all three started at 0).
  EXPECT_NE(state.find(R"("version":{"replica-0@0":3,"replica-1@0":2,"replica-2@0":1})"),
            std::string::npos)
      << "the master made the assignment: " << state;
  EXPECT_NE(state.find(R"("parameters":{"frames":"1-10"})"), std::string::npos) << state;
  for (const std::string at : {"1", "2"}) {
    EXPECT_EQ(s.json(query(at, "get_state")), state) << "replica " << at;
  }
  const std::string digest = s.json(query("0", "digest"));
  EXPECT_EQ(s.json(query("1", "digest")), digest);
  EXPECT_EQ(s.json(query("2", "digest")), digest);
}

TEST(ClusterStateServerTest, MasterPicksTheNodeWhenNoneIsGiven) {
  Service s(3);
  EXPECT_EQ(s.json(call("1", "register_node", worker("n1"))), kOk);
  EXPECT_EQ(s.json(call("1", "add_task", {"task_id", "t1", "required_cpu", "1"})), kOk);
  EXPECT_EQ(s.json(query("2", "find_available_node_for_task", {"task_id", "t1"})),
            R"({"node_id":"n1"})");
  EXPECT_EQ(s.json(call("2", "assign_task", {"task_id", "t1"})),
            R"({"code":"ok","message":"","node_id":"n1"})");
  EXPECT_EQ(s.json(call("1", "update_task", {"task_id", "t1", "status", "running"})), kOk);
  // The master sees the task running and refuses to move it.
  const std::string moved = s.json(call("2", "assign_task", {"task_id", "t1", "node_id", "n1"}));
  EXPECT_NE(moved.find(R"("code":"invalid_transition")"), std::string::npos) << moved;
  const std::string running = s.json(query("2", "find_tasks_by_status", {"status", "running"}));
  EXPECT_NE(running.find(R"("task_id":"t1")"), std::string::npos) << running;
}

TEST(ClusterStateServerTest, SyncRoundsKeepConvergedReplicasEqual) {
  // (Repair of lost pushes by announces is exercised under message loss in
  // kvs/sim/cluster_state_sim_test.cc.)
  Service s(3);
  EXPECT_EQ(s.json(call("2", "register_node", worker("n1"))), kOk);
  EXPECT_EQ(s.json(call("0", "configure_cluster", {"cluster_id", "alpha", "master_id", "n1"})),
            kOk);
  s.sync();
  s.sync();
  const std::string summary = s.json(query("0", "get_cluster_status_summary"));
  EXPECT_NE(summary.find(R"("nodes_total":1)"), std::string::npos) << summary;
  EXPECT_EQ(s.json(query("1", "get_cluster_status_summary")), summary);
  EXPECT_EQ(s.json(query("2", "digest")), s.json(query("0", "digest")));
}

TEST(ClusterStateServerTest, LeecherHoldsNodesAndMetadataOnly) {
  ClusterStateServerOptions options;
  options.roles = {NodeRole::kMaster, NodeRole::kWorker, NodeRole::kWorker, NodeRole::kLeecher};
  Service s(4, options);
  EXPECT_EQ(s.json(call("1", "register_node", worker("n1"))), kOk);
  EXPECT_EQ(s.json(call("2", "add_task", {"task_id", "t1"})), kOk);
  EXPECT_EQ(s.json(call("0", "configure_cluster", {"cluster_id", "alpha"})), kOk);
  s.sync();
  const std::string nodes = s.json(query("3", "get_all_nodes"));
  EXPECT_NE(nodes.find(R"("node_id":"n1")"), std::string::npos) << nodes;
  EXPECT_NE(nodes.find(R"("capabilities":["gpu","ssd"])"), std::string::npos) << nodes;
  const RespValue tasks = s.send(query("3", "find_tasks_by_status", {"status", "pending"}));
  EXPECT_EQ(tasks.kind, RespValue::Kind::kError);
  EXPECT_EQ(tasks.text, "ERR replica 3 is a leecher: it keeps no tasks or content");
  const RespValue write = s.send(call("3", "register_node", worker("n2")));
  EXPECT_EQ(write.text, "ERR replica 3 is a leecher: it takes no calls");
  // `any` never picks the leecher for tasks: four task queries in a row all answer.
  for (int i = 0; i < 4; ++i) {
    const std::string pending = s.json(query("any", "find_tasks_by_status", {"status", "pending"}));
    EXPECT_NE(pending.find(R"("task_id":"t1")"), std::string::npos) << pending;
  }
  const std::string node = s.json(query("3", "get_node_by_id", {"node_id", "n1"}));
  EXPECT_NE(node.find(R"("cpu_count":8)"), std::string::npos) << node;
}

TEST(ClusterStateServerTest, RepliesKeepEachConnectionsOrder) {
  Service s(3);
  std::vector<RespValue> replies = s.pipeline({
      call("0", "register_node", worker("n1")),
      {"PING"},
      query("2", "get_node_by_id", {"node_id", "n1"}),
      call("1", "register_node", worker("n1")),
      query("any", "digest"),
      {"STATE.CALL", "9", "remove_node", "node_id", "n1"},
      call("2", "remove_node", {"node_id", "n1"}),
  });
  ASSERT_EQ(replies.size(), 7u);
  EXPECT_EQ(replies[0].text, kOk);
  EXPECT_EQ(replies[1].text, "PONG");
  // Sent in one batch with the registration: replica 2 may or may not have it yet, but the
  // reply is a node or null, in its place.
  EXPECT_TRUE(replies[2].text == "null" || replies[2].text.rfind("{\"node_id\":\"n1\"", 0) == 0)
      << replies[2].debug_string();
  EXPECT_EQ(replies[3].text, kOk);
  EXPECT_EQ(replies[4].text.rfind("{\"digest\":", 0), 0u) << replies[4].debug_string();
  EXPECT_EQ(replies[5].kind, RespValue::Kind::kError);
  EXPECT_EQ(replies[6].kind, RespValue::Kind::kBulkString);
}

TEST(ClusterStateServerTest, BadCommandsGetErrorsAndTheConnectionStaysOpen) {
  Service s(3);
  auto error = [&](const Args& args) {
    RespValue reply = s.send(args);
    EXPECT_EQ(reply.kind, RespValue::Kind::kError) << reply.debug_string();
    return reply.text;
  };
  EXPECT_EQ(error(call("0", "frobnicate")).rfind("ERR unknown operation 'frobnicate' (", 0), 0u);
  EXPECT_EQ(error(call("0", "register_node", {"role", "worker"})),
            "ERR register_node: missing field 'node_id'");
  EXPECT_EQ(error(call("0", "register_node", {"node_id", "n1", "cpu_count", "eight"})),
            "ERR register_node: field 'cpu_count' is not an unsigned integer of 32 bits: 'eight'");
  EXPECT_EQ(error(call("0", "register_node", {"node_id", "n1", "memory_total", "-1"})),
            "ERR register_node: field 'memory_total' is not an unsigned integer of 64 bits: '-1'");
  EXPECT_EQ(error(call("0", "register_node", {"node_id", "n1", "role", "boss"})),
            "ERR register_node: field 'role' must be master, worker or leecher, not 'boss'");
  EXPECT_EQ(error(call("0", "remove_node", {"node_id", "n1", "color", "red"})),
            "ERR remove_node: unknown field 'color' (fields: node_id)");
  EXPECT_EQ(error(call("0", "remove_node", {"node_id", "n1", "node_id", "n2"})),
            "ERR remove_node: field 'node_id' given twice");
  EXPECT_EQ(error(call("0", "remove_node", {"node_id"})),
            "ERR fields come in name value pairs: 'node_id' has no value");
  EXPECT_EQ(error(call("7", "remove_node", {"node_id", "n1"})),
            "ERR no replica 7: the replicas are 0..2");
  EXPECT_EQ(error(call("x1", "remove_node", {"node_id", "n1"})),
            "ERR replica must be a replica id or 'any', not 'x1'");
  EXPECT_EQ(error({"STATE.CALL", "0"}), "ERR wrong number of arguments for 'state.call' command");
  EXPECT_EQ(error(query("0", "everything")).rfind("ERR unknown query 'everything' (", 0), 0u);
  EXPECT_EQ(error(call("0", "update_task", {"task_id", "t1", "status", "pending"})),
            "ERR update_task: field 'status' must be running, completed or failed, not 'pending'");
  EXPECT_EQ(error({"GET", "k"}).rfind("ERR unknown command 'GET'", 0), 0u);
  // A refused operation is a JSON reply, not an error.
  EXPECT_EQ(s.json(call("0", "remove_node", {"node_id", "n9"})).rfind(R"({"code":"not_found",)", 0),
            0u);
  // Still open, and redis-cli's start-up commands work.
  EXPECT_EQ(s.send({"PING"}).text, "PONG");
  EXPECT_EQ(s.send({"CLIENT", "SETNAME", "cli"}).text, "OK");
  EXPECT_EQ(s.send({"COMMAND", "DOCS"}).kind, RespValue::Kind::kArray);
}

TEST(ClusterStateServerTest, ReplicasRecoverTheirTablesFromTheDataDirectory) {
  char pattern[] = "/tmp/eddy-cluster-state-server-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  const std::string dir = pattern;
  ClusterStateServerOptions options;
  options.data_dir = dir;
  options.fsync.mode = StoreFsync::Mode::kAlways;
  std::string before;
  {
    Service s(2, options);
    EXPECT_EQ(s.json(call("0", "register_node", worker("n1"))), kOk);
    EXPECT_EQ(s.json(call("1", "add_task", {"task_id", "t1"})), kOk);
    before = s.json(query("1", "digest"));
  }
  {
    Service s(2, options);
    EXPECT_EQ(s.json(query("1", "digest")), before);
    EXPECT_EQ(s.json(query("0", "digest")), before);
    EXPECT_TRUE(std::filesystem::exists(dir + "/replica-0/log"));
  }
  std::filesystem::remove_all(dir);
}

// A replica without a data directory restarts empty and takes a change before it has heard
// from anyone: that change must still reach the others (a restarted replica names its changes
// afresh instead of numbering them from 1 again under its old name).
TEST(ClusterStateServerTest, AReplicaRestartedWithoutItsDataSpreadsItsNewChanges) {
  Flow flow;
  std::optional<Port> port;
  ClusterStateServerOptions options;
  options.sync_interval = kSync;
  ASSERT_TRUE(build_cluster_state(flow, options, &port).ok());
  sim::SimOptions sim_options;
  sim_options.cluster_sizes = {{kStateReplicas, 2}};
  auto created = sim::Simulation::create(flow, sim_options);
  ASSERT_TRUE(created.ok()) << created.status();
  sim::Simulation& sim = **created;
  auto ask = [&](Args args) {
    std::optional<RespValue> reply =
        ask_once(sim, *port, std::move(args), std::chrono::seconds(10));
    if (!reply) return std::string("no reply");
    return reply->kind == RespValue::Kind::kBulkString ? reply->text : reply->debug_string();
  };
  ASSERT_EQ(ask(call("1", "register_node", worker("n1"))), kOk);
  ASSERT_EQ(ask(call("1", "register_node", worker("n2"))), kOk);
  sim.run_for(kSync * 3);  // Replica 0 holds both.

  LocationId replicas = 0;
  for (const auto& location : flow.graph().locations()) {
    if (location.name == kStateReplicas) replicas = location.id;
  }
  const InstanceId replica_1{replicas, MemberId{1}};
  sim.crash(replica_1);
  sim.restart(replica_1);
  // At once, before its first sync.
  ASSERT_EQ(ask(call("1", "register_node", worker("n3"))), kOk);
  sim.run_for(kSync * 5);

  for (const char* at : {"0", "1"}) {
    const std::string nodes = ask(query(at, "get_all_nodes"));
    for (const char* node : {R"("node_id":"n1")", R"("node_id":"n2")", R"("node_id":"n3")"}) {
      EXPECT_NE(nodes.find(node), std::string::npos) << "replica " << at << ": " << nodes;
    }
  }
  EXPECT_EQ(ask(query("0", "digest")), ask(query("1", "digest")));
}

}  // namespace
}  // namespace eddy::kvs

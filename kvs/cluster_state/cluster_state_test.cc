// ClusterState operations on one replica: typed results, the task state machine, tombstones,
// content and metadata, and that a rejected operation changes nothing.
#include "kvs/cluster_state/cluster_state.h"

#include <gtest/gtest.h>

#include <string>

#include "kvs/cluster_state/testing.h"

namespace eddy::kvs {
namespace {

NodeInfo worker(const std::string& id) {
  NodeInfo node;
  node.node_id = id;
  node.peer_id = "peer-" + id;
  node.role = NodeRole::kWorker;
  node.address = id + ":7000";
  node.resources.cpu_count = 8;
  node.resources.memory_total = 16 << 20;
  node.resources.memory_available = 8 << 20;
  node.capabilities = {"docker"};
  return node;
}

TaskSpec task(const std::string& id) {
  TaskSpec spec;
  spec.task_id = id;
  spec.task_type = "transcode";
  spec.parameters = {{"input", "cid-in"}};
  spec.requirements.cpu = 2;
  return spec;
}

TaskUpdate step(TaskStatus status, std::string result = "", std::string error = "") {
  TaskUpdate update;
  update.status = status;
  update.result_cid = std::move(result);
  update.error_message = std::move(error);
  return update;
}

class ClusterStateTest : public ::testing::Test {
 protected:
  ClusterState state_{"r1"};
};

TEST_F(ClusterStateTest, RegisterNodeAddsItWithHeartbeatNow) {
  ASSERT_TRUE(state_.register_node(worker("n1"), 100).ok());
  ClusterSnapshot snapshot = state_.get_state();
  ASSERT_EQ(snapshot.nodes.size(), 1u);
  const NodeInfo& node = snapshot.nodes.at("n1");
  EXPECT_EQ(node.address, "n1:7000");
  EXPECT_EQ(node.last_heartbeat, 100);
  EXPECT_EQ(node.capabilities, std::set<std::string>{"docker"});
}

TEST_F(ClusterStateTest, RegisterNodeAgainUpdatesItAndKeepsItsTasks) {
  ASSERT_TRUE(state_.register_node(worker("n1"), 100).ok());
  ASSERT_TRUE(state_.add_task(task("t1"), 100).ok());
  ASSERT_TRUE(state_.assign_task("t1", "n1", 101).ok());
  NodeInfo again = worker("n1");
  again.address = "n1:7001";
  again.capabilities = {"gpu"};
  again.metadata = {{"zone", "eu"}};
  ASSERT_TRUE(state_.register_node(again, 200).ok());
  ClusterSnapshot snapshot = state_.get_state();
  EXPECT_EQ(snapshot.nodes.at("n1").address, "n1:7001");
  EXPECT_EQ(snapshot.nodes.at("n1").capabilities, std::set<std::string>{"gpu"});
  EXPECT_EQ(snapshot.nodes.at("n1").metadata, (StringMap{{"zone", "eu"}}));
  EXPECT_EQ(snapshot.tasks.at("t1").assigned_node_id, "n1");
  EXPECT_EQ(snapshot.tasks.at("t1").status, TaskStatus::kAssigned);
}

TEST_F(ClusterStateTest, RegisterNodeRejectsAnEmptyIdAndImpossibleResources) {
  NodeInfo no_id = worker("");
  EXPECT_EQ(state_.register_node(no_id, 1).code(), OpCode::kInvalidArgument);
  NodeInfo busy = worker("n1");
  busy.resources.cpu_usage = 1.5;
  EXPECT_EQ(state_.register_node(busy, 1).code(), OpCode::kInvalidArgument);
  NodeInfo gpus = worker("n1");
  gpus.resources.gpu_available = 1;
  EXPECT_EQ(state_.register_node(gpus, 1).code(), OpCode::kInvalidArgument);
  EXPECT_TRUE(state_.get_state().nodes.empty());
}

TEST_F(ClusterStateTest, RejectedOperationUsesNoDot) {
  ASSERT_TRUE(state_.register_node(worker("n1"), 1).ok());
  VersionVector before = state_.version_vector();
  EXPECT_EQ(state_.heartbeat("nope", 2).code(), OpCode::kNotFound);
  EXPECT_EQ(state_.add_task(TaskSpec{}, 2).code(), OpCode::kInvalidArgument);
  EXPECT_EQ(state_.version_vector(), before);
}

TEST_F(ClusterStateTest, NodeOperationsOnAnUnknownNodeAreNotFound) {
  EXPECT_EQ(state_.update_node_status("n9", NodeStatus::kOffline, 1).code(), OpCode::kNotFound);
  EXPECT_EQ(state_.heartbeat("n9", 1).code(), OpCode::kNotFound);
  EXPECT_EQ(state_.remove_node("n9", 1).code(), OpCode::kNotFound);
  EXPECT_FALSE(state_.remove_node("n9", 1).message().empty());
}

TEST_F(ClusterStateTest, HeartbeatUpdatesLastHeartbeatAndReportedResources) {
  ASSERT_TRUE(state_.register_node(worker("n1"), 100).ok());
  Resources busy = worker("n1").resources;
  busy.cpu_usage = 0.5;
  ASSERT_TRUE(state_.heartbeat("n1", 250, busy).ok());
  ASSERT_TRUE(state_.heartbeat("n1", 300).ok());
  NodeInfo node = state_.get_state().nodes.at("n1");
  EXPECT_EQ(node.last_heartbeat, 300);
  EXPECT_EQ(node.resources.cpu_usage, 0.5);
  ASSERT_TRUE(state_.update_node_status("n1", NodeStatus::kDraining, 301).ok());
  EXPECT_EQ(state_.get_state().nodes.at("n1").status, NodeStatus::kDraining);
}

TEST_F(ClusterStateTest, RemovedNodeIsGoneUntilRegisteredAgain) {
  ASSERT_TRUE(state_.register_node(worker("n1"), 1).ok());
  ASSERT_TRUE(state_.remove_node("n1", 2).ok());
  EXPECT_TRUE(state_.get_state().nodes.empty());
  EXPECT_EQ(state_.node_rows().size(), 1u);  // The tombstone.
  EXPECT_EQ(state_.heartbeat("n1", 3).code(), OpCode::kNotFound);
  ASSERT_TRUE(state_.register_node(worker("n1"), 4).ok());
  EXPECT_EQ(state_.get_state().nodes.count("n1"), 1u);
}

TEST_F(ClusterStateTest, AddTaskRejectsADuplicateId) {
  ASSERT_TRUE(state_.add_task(task("t1"), 5).ok());
  OpResult again = state_.add_task(task("t1"), 6);
  EXPECT_EQ(again.code(), OpCode::kAlreadyExists);
  TaskInfo t = state_.get_state().tasks.at("t1");
  EXPECT_EQ(t.status, TaskStatus::kPending);
  EXPECT_EQ(t.submit_time, 5);
  EXPECT_EQ(t.parameters, (StringMap{{"input", "cid-in"}}));
}

TEST_F(ClusterStateTest, AssignTaskRejectsUnknownAndRemovedNodes) {
  ASSERT_TRUE(state_.add_task(task("t1"), 1).ok());
  EXPECT_EQ(state_.assign_task("t1", "n1", 2).code(), OpCode::kNotFound);
  ASSERT_TRUE(state_.register_node(worker("n1"), 3).ok());
  ASSERT_TRUE(state_.remove_node("n1", 4).ok());
  EXPECT_EQ(state_.assign_task("t1", "n1", 5).code(), OpCode::kNotFound);
  EXPECT_EQ(state_.assign_task("t9", "n1", 5).code(), OpCode::kNotFound);
}

TEST_F(ClusterStateTest, AssignTaskMovesAnAssignedTaskToAnotherNode) {
  ASSERT_TRUE(state_.register_node(worker("n1"), 1).ok());
  ASSERT_TRUE(state_.register_node(worker("n2"), 1).ok());
  ASSERT_TRUE(state_.add_task(task("t1"), 1).ok());
  ASSERT_TRUE(state_.assign_task("t1", "n1", 2).ok());
  ASSERT_TRUE(state_.assign_task("t1", "n2", 3).ok());
  EXPECT_EQ(state_.get_state().tasks.at("t1").assigned_node_id, "n2");
}

TEST_F(ClusterStateTest, UpdateTaskWalksTheStateMachineAndStampsTimes) {
  ASSERT_TRUE(state_.register_node(worker("n1"), 1).ok());
  ASSERT_TRUE(state_.add_task(task("t1"), 10).ok());
  ASSERT_TRUE(state_.assign_task("t1", "n1", 20).ok());
  ASSERT_TRUE(state_.update_task("t1", step(TaskStatus::kRunning), 30).ok());
  EXPECT_EQ(state_.assign_task("t1", "n1", 35).code(), OpCode::kInvalidTransition);
  ASSERT_TRUE(state_.update_task("t1", step(TaskStatus::kCompleted, "cid-out"), 40).ok());
  TaskInfo t = state_.get_state().tasks.at("t1");
  EXPECT_EQ(t.status, TaskStatus::kCompleted);
  EXPECT_EQ(t.start_time, 30);
  EXPECT_EQ(t.end_time, 40);
  EXPECT_EQ(t.result_cid, "cid-out");
}

TEST_F(ClusterStateTest, UpdateTaskRejectsIllegalTransitionsAndMisplacedResults) {
  ASSERT_TRUE(state_.register_node(worker("n1"), 1).ok());
  ASSERT_TRUE(state_.add_task(task("t1"), 1).ok());
  EXPECT_EQ(state_.update_task("t1", step(TaskStatus::kRunning), 2).code(),
            OpCode::kInvalidTransition);  // Still pending.
  EXPECT_EQ(state_.update_task("t1", step(TaskStatus::kAssigned), 2).code(),
            OpCode::kInvalidTransition);  // Only assign_task assigns.
  ASSERT_TRUE(state_.assign_task("t1", "n1", 3).ok());
  EXPECT_EQ(state_.update_task("t1", step(TaskStatus::kCompleted), 4).code(),
            OpCode::kInvalidTransition);  // Not running yet.
  ASSERT_TRUE(state_.update_task("t1", step(TaskStatus::kRunning), 5).ok());
  EXPECT_EQ(state_.update_task("t1", step(TaskStatus::kFailed, "cid"), 6).code(),
            OpCode::kInvalidArgument);
  ASSERT_TRUE(state_.update_task("t1", step(TaskStatus::kFailed, "", "oom"), 7).ok());
  EXPECT_EQ(state_.update_task("t1", step(TaskStatus::kCompleted), 8).code(),
            OpCode::kInvalidTransition);
  EXPECT_EQ(state_.get_state().tasks.at("t1").error_message, "oom");
  EXPECT_EQ(state_.update_task("t9", step(TaskStatus::kRunning), 9).code(), OpCode::kNotFound);
}

TEST_F(ClusterStateTest, ContentTracksProvidersPinsAndAccess) {
  ASSERT_TRUE(state_.register_node(worker("n1"), 1).ok());
  ASSERT_TRUE(state_.add_content("c1", 4096, 2, 1).ok());
  EXPECT_EQ(state_.add_content("c1", 1, 1, 2).code(), OpCode::kAlreadyExists);
  EXPECT_EQ(state_.add_content("c2", 1, 0, 2).code(), OpCode::kInvalidArgument);
  EXPECT_EQ(state_.add_content_provider("c1", "n9", 2).code(), OpCode::kNotFound);
  ASSERT_TRUE(state_.add_content_provider("c1", "n1", 2).ok());
  ASSERT_TRUE(state_.pin_content("c1", 3).ok());
  ASSERT_TRUE(state_.touch_content("c1", 9).ok());
  ContentInfo c = state_.get_state().content.at("c1");
  EXPECT_EQ(c.providers, std::set<std::string>{"n1"});
  EXPECT_EQ(c.pin_status, PinStatus::kPinned);
  EXPECT_EQ(c.last_access_time, 9);
  ASSERT_TRUE(state_.remove_content_provider("c1", "n1", 10).ok());
  EXPECT_EQ(state_.remove_content_provider("c1", "n1", 11).code(), OpCode::kNotFound);
  ASSERT_TRUE(state_.unpin_content("c1", 12).ok());
  c = state_.get_state().content.at("c1");
  EXPECT_TRUE(c.providers.empty());
  EXPECT_EQ(c.pin_status, PinStatus::kUnpinned);
  ASSERT_TRUE(state_.remove_content("c1", 13).ok());
  EXPECT_TRUE(state_.get_state().content.empty());
  EXPECT_EQ(state_.pin_content("c1", 14).code(), OpCode::kNotFound);
}

TEST_F(ClusterStateTest, MetadataCountsChangesAndKeepsTheLatestTime) {
  ASSERT_TRUE(state_.configure_cluster("alpha", "n1", 50).ok());
  ASSERT_TRUE(state_.register_node(worker("n1"), 60).ok());
  ASSERT_TRUE(state_.set_master("n2", 70).ok());
  EXPECT_EQ(state_.set_master("", 80).code(), OpCode::kInvalidArgument);
  ClusterMetadata m = state_.get_state().metadata;
  EXPECT_EQ(m.cluster_id, "alpha");
  EXPECT_EQ(m.master_id, "n2");
  EXPECT_EQ(m.schema_version, kClusterStateSchemaVersion);
  EXPECT_EQ(m.state_version, 3u);
  EXPECT_EQ(m.last_updated, 70);
}

TEST(ClusterStateLeecherTest, LeecherReplicaKeepsNoTasksOrContent) {
  ClusterStateOptions options;
  options.scope = SyncScope::kNodesAndMetadata;
  ClusterState leecher("l1", options);
  EXPECT_EQ(leecher.add_task(task("t1"), 1).code(), OpCode::kInvalidArgument);
  EXPECT_EQ(leecher.add_content("c1", 1, 1, 1).code(), OpCode::kInvalidArgument);
  EXPECT_TRUE(leecher.register_node(worker("n1"), 1).ok());
}

TEST(OpResultTest, MapsOntoAbslStatusCodes) {
  EXPECT_TRUE(OpResult::success().to_status().ok());
  EXPECT_TRUE(absl::IsNotFound(OpResult::error(OpCode::kNotFound, "x").to_status()));
  EXPECT_TRUE(
      absl::IsFailedPrecondition(OpResult::error(OpCode::kInvalidTransition, "x").to_status()));
  EXPECT_EQ(::testing::PrintToString(OpResult::error(OpCode::kAlreadyExists, "dup")),
            "already_exists: dup");
}

}  // namespace
}  // namespace eddy::kvs

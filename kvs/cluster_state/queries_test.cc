// Queries over one snapshot: effective status from heartbeats, role and status filters,
// placement of a task, summaries, metrics, orphaned content and the completion estimate; and the
// same answers over a live replica.
#include "kvs/cluster_state/queries.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kvs/cluster_state/cluster_state.h"

namespace eddy::kvs {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;

NodeInfo node(const std::string& id, NodeRole role, uint32_t cpus, uint64_t free_gib,
              uint32_t gpus = 0) {
  NodeInfo n;
  n.node_id = id;
  n.role = role;
  n.resources.cpu_count = cpus;
  n.resources.memory_total = 64 * kGiB;
  n.resources.memory_available = free_gib * kGiB;
  n.resources.gpu_count = gpus;
  n.resources.gpu_available = gpus;
  return n;
}

TaskSpec task(const std::string& id, double cpu, uint64_t gib, uint32_t gpu = 0,
              int32_t priority = 0) {
  TaskSpec spec;
  spec.task_id = id;
  spec.task_type = "job";
  spec.priority = priority;
  spec.requirements.cpu = cpu;
  spec.requirements.memory = gib * kGiB;
  spec.requirements.gpu = gpu;
  return spec;
}

TaskUpdate step(TaskStatus status, std::string result = "") {
  TaskUpdate update;
  update.status = status;
  update.result_cid = std::move(result);
  return update;
}

QueryOptions at(TimeMs now) {
  QueryOptions options;
  options.now = now;
  options.heartbeat_timeout = 1000;
  return options;
}

TEST(ClusterQueriesTest, SilentNodesAreReportedOffline) {
  ClusterState state("r");
  ASSERT_TRUE(state.register_node(node("old", NodeRole::kWorker, 4, 8), 0).ok());
  ASSERT_TRUE(state.register_node(node("new", NodeRole::kWorker, 4, 8), 5000).ok());
  ClusterSnapshot snapshot = state.get_state();
  ClusterQueries queries(snapshot, at(5500));
  EXPECT_EQ(queries.get_node_by_id("old")->status, NodeStatus::kOffline);
  EXPECT_EQ(queries.get_node_by_id("new")->status, NodeStatus::kOnline);
  EXPECT_EQ(queries.get_node_by_id("none"), std::nullopt);
  EXPECT_EQ(snapshot.nodes.at("old").status, NodeStatus::kOnline);  // The table is unchanged.
  EXPECT_EQ(queries.get_cluster_status_summary().nodes_online, 1u);
}

TEST(ClusterQueriesTest, FindsNodesByRoleAndGpuInIdOrder) {
  ClusterState state("r");
  ASSERT_TRUE(state.register_node(node("w2", NodeRole::kWorker, 4, 8, 2), 0).ok());
  ASSERT_TRUE(state.register_node(node("w1", NodeRole::kWorker, 4, 8), 0).ok());
  ASSERT_TRUE(state.register_node(node("m", NodeRole::kMaster, 2, 4, 1), 0).ok());
  ClusterSnapshot snapshot = state.get_state();
  ClusterQueries queries(snapshot, at(10));
  std::vector<NodeInfo> workers = queries.find_nodes_by_role(NodeRole::kWorker);
  ASSERT_EQ(workers.size(), 2u);
  EXPECT_EQ(workers[0].node_id, "w1");
  EXPECT_EQ(workers[1].node_id, "w2");
  EXPECT_EQ(queries.find_nodes_with_gpu().size(), 2u);
  ASSERT_EQ(queries.find_nodes_with_gpu(2).size(), 1u);
  EXPECT_EQ(queries.find_nodes_with_gpu(2)[0].node_id, "w2");
  EXPECT_EQ(queries.get_all_nodes().size(), 3u);
}

TEST(ClusterQueriesTest, TasksComeInSchedulingOrder) {
  ClusterState state("r");
  ASSERT_TRUE(state.add_task(task("b", 1, 1, 0, 5), 2).ok());
  ASSERT_TRUE(state.add_task(task("a", 1, 1, 0, 5), 2).ok());
  ASSERT_TRUE(state.add_task(task("c", 8, 1, 0, 9), 3).ok());
  ClusterSnapshot snapshot = state.get_state();
  ClusterQueries queries(snapshot, at(10));
  std::vector<TaskInfo> pending = queries.find_tasks_by_status(TaskStatus::kPending);
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[0].task_id, "c");  // Highest priority.
  EXPECT_EQ(pending[1].task_id, "a");  // Same priority and time: by id.
  EXPECT_EQ(pending[2].task_id, "b");
  TaskRequirements small;
  small.cpu = 2;
  small.memory = 1 * kGiB;
  EXPECT_EQ(queries.find_tasks_by_resource_requirements(small).size(), 2u);
  EXPECT_TRUE(queries.find_tasks_by_status(TaskStatus::kRunning).empty());
}

TEST(ClusterQueriesTest, PlacesATaskOnTheFreestOnlineWorkerThatFits) {
  ClusterState state("r");
  ASSERT_TRUE(state.register_node(node("big", NodeRole::kWorker, 16, 60), 100).ok());
  ASSERT_TRUE(state.register_node(node("small", NodeRole::kWorker, 4, 8), 100).ok());
  ASSERT_TRUE(state.register_node(node("gpu", NodeRole::kWorker, 4, 8, 1), 100).ok());
  ASSERT_TRUE(state.register_node(node("master", NodeRole::kMaster, 64, 64), 100).ok());
  ASSERT_TRUE(state.register_node(node("silent", NodeRole::kWorker, 64, 64), 0).ok());
  ASSERT_TRUE(state.add_task(task("cpu", 2, 4), 100).ok());
  ASSERT_TRUE(state.add_task(task("needs-gpu", 1, 1, 1), 100).ok());
  ASSERT_TRUE(state.add_task(task("huge", 128, 1), 100).ok());
  ClusterSnapshot snapshot = state.get_state();
  ClusterQueries queries(snapshot, at(1050));
  EXPECT_EQ(queries.find_available_node_for_task("cpu"), "big");
  EXPECT_EQ(queries.find_available_node_for_task("needs-gpu"), "gpu");
  EXPECT_EQ(queries.find_available_node_for_task("huge"), std::nullopt);
  EXPECT_EQ(queries.find_available_node_for_task("unknown"), std::nullopt);
}

TEST(ClusterQueriesTest, LoadAndReservationsSteerPlacementAndTiesGoToTheSmallestId) {
  ClusterState state("r");
  ASSERT_TRUE(state.register_node(node("w2", NodeRole::kWorker, 8, 32), 100).ok());
  ASSERT_TRUE(state.register_node(node("w1", NodeRole::kWorker, 8, 32), 100).ok());
  ASSERT_TRUE(state.add_task(task("t1", 1, 1), 100).ok());
  ASSERT_TRUE(state.add_task(task("t2", 1, 1), 100).ok());
  {
    ClusterSnapshot snapshot = state.get_state();
    EXPECT_EQ(ClusterQueries(snapshot, at(200)).find_available_node_for_task("t1"), "w1");
  }
  ASSERT_TRUE(state.assign_task("t1", "w1", 150).ok());
  ClusterSnapshot snapshot = state.get_state();
  ClusterQueries queries(snapshot, at(200));
  EXPECT_EQ(queries.find_available_node_for_task("t2"), "w2");
  EXPECT_EQ(queries.find_available_node_for_task("t1"), std::nullopt);  // Not pending.
}

TEST(ClusterQueriesTest, SummaryCountsNodesResourcesTasksAndContent) {
  ClusterState state("r");
  ASSERT_TRUE(state.register_node(node("w1", NodeRole::kWorker, 8, 16, 2), 100).ok());
  ASSERT_TRUE(state.register_node(node("l1", NodeRole::kLeecher, 2, 1), 100).ok());
  ASSERT_TRUE(state.register_node(node("gone", NodeRole::kWorker, 32, 32), 0).ok());
  ASSERT_TRUE(state.add_task(task("t1", 1, 1), 100).ok());
  ASSERT_TRUE(state.add_task(task("t2", 1, 1), 100).ok());
  ASSERT_TRUE(state.assign_task("t2", "w1", 100).ok());
  ASSERT_TRUE(state.add_content("c1", 100, 1, 100).ok());
  ASSERT_TRUE(state.add_content("c2", 50, 1, 100).ok());
  ClusterSnapshot snapshot = state.get_state();
  ClusterSummary s = ClusterQueries(snapshot, at(1050)).get_cluster_status_summary();
  EXPECT_EQ(s.nodes_total, 3u);
  EXPECT_EQ(s.nodes_online, 2u);
  EXPECT_EQ(s.nodes_by_role.at(NodeRole::kWorker), 2u);
  EXPECT_EQ(s.nodes_by_role.at(NodeRole::kLeecher), 1u);
  EXPECT_EQ(s.nodes_by_status.at(NodeStatus::kOffline), 1u);
  EXPECT_EQ(s.cpu_cores, 10u);  // The silent node does not count.
  EXPECT_EQ(s.gpu_total, 2u);
  EXPECT_EQ(s.memory_available, 17 * kGiB);
  EXPECT_EQ(s.tasks_by_status.at(TaskStatus::kPending), 1u);
  EXPECT_EQ(s.tasks_by_status.at(TaskStatus::kAssigned), 1u);
  EXPECT_EQ(s.tasks_by_status.at(TaskStatus::kFailed), 0u);
  EXPECT_EQ(s.content_count, 2u);
  EXPECT_EQ(s.content_total_size, 150u);
}

// Two completed tasks (durations 100 and 300), one failed, one running, one pending.
ClusterState finished_work() {
  ClusterState state("r");
  EXPECT_TRUE(state.register_node(node("w1", NodeRole::kWorker, 64, 64), 1000).ok());
  EXPECT_TRUE(state.register_node(node("w2", NodeRole::kWorker, 64, 64), 1000).ok());
  TimeMs durations[] = {100, 300, 50, 0, 0};
  for (int i = 0; i < 5; ++i) {
    std::string id = "t" + std::to_string(i);
    EXPECT_TRUE(state.add_task(task(id, 1, 1), 0).ok());
    if (i == 4) continue;
    EXPECT_TRUE(state.assign_task(id, "w1", 5).ok());
    EXPECT_TRUE(state.update_task(id, step(TaskStatus::kRunning), 10).ok());
    if (i == 3) continue;
    TaskUpdate end = step(i == 2 ? TaskStatus::kFailed : TaskStatus::kCompleted);
    if (i != 2) end.result_cid = "out" + std::to_string(i);
    EXPECT_TRUE(state.update_task(id, end, 10 + durations[i]).ok());
  }
  return state;
}

TEST(ClusterQueriesTest, MetricsSummariseCompletedDurationsAndSuccessRate) {
  ClusterState state = finished_work();
  ClusterSnapshot snapshot = state.get_state();
  TaskMetrics m = ClusterQueries(snapshot, at(1100)).get_task_execution_metrics();
  EXPECT_EQ(m.total, 5u);
  EXPECT_EQ(m.by_status.at(TaskStatus::kCompleted), 2u);
  EXPECT_EQ(m.mean_duration, 200.0);
  EXPECT_EQ(m.min_duration, 100);
  EXPECT_EQ(m.max_duration, 300);
  EXPECT_EQ(m.success_rate, 2.0 / 3.0);
  EXPECT_EQ(m.mean_wait, 10.0);
  ClusterSnapshot empty;
  TaskMetrics none = ClusterQueries(empty, at(0)).get_task_execution_metrics();
  EXPECT_EQ(none.success_rate, std::nullopt);
  EXPECT_EQ(none.mean_duration, std::nullopt);
}

TEST(ClusterQueriesTest, EstimateIsRemainingTimesMeanOverOnlineWorkers) {
  ClusterState state = finished_work();
  ClusterSnapshot snapshot = state.get_state();
  // Remaining: 1 running + 1 pending; mean 200 ms; 2 online workers: 2 * 200 / 2.
  EXPECT_EQ(ClusterQueries(snapshot, at(1100)).estimate_time_to_completion(), 200);
  // Every worker silent: no estimate.
  EXPECT_EQ(ClusterQueries(snapshot, at(9000)).estimate_time_to_completion(), std::nullopt);
  ClusterSnapshot empty;
  EXPECT_EQ(ClusterQueries(empty, at(0)).estimate_time_to_completion(), 0);
}

TEST(ClusterQueriesTest, OrphanedContentIsReferencedByNoResultOrParameter) {
  ClusterState state = finished_work();  // Results out0 and out1.
  TaskSpec reader = task("reader", 1, 1);
  reader.parameters = {{"input", "in"}};
  ASSERT_TRUE(state.add_task(reader, 0).ok());
  for (const char* cid : {"in", "out0", "out1", "stray"}) {
    ASSERT_TRUE(state.add_content(cid, 1, 1, 0).ok());
  }
  ClusterSnapshot snapshot = state.get_state();
  std::vector<ContentInfo> orphans = ClusterQueries(snapshot, at(0)).find_orphaned_content();
  ASSERT_EQ(orphans.size(), 1u);
  EXPECT_EQ(orphans[0].cid, "stray");
}

TEST(ClusterQueriesTest, ALiveReplicaAnswersAsItsSnapshotDoesAndFollowsItsChanges) {
  ClusterState state = finished_work();
  ASSERT_TRUE(state.register_node(node("w0", NodeRole::kWorker, 64, 64), 1000).ok());
  ASSERT_TRUE(state.add_task(task("next", 1, 1), 1000).ok());
  ASSERT_TRUE(state.add_content("c", 10, 1, 1000).ok());
  ClusterQueries live(state, at(1100));
  {
    ClusterSnapshot snapshot = state.get_state();
    ClusterQueries copy(snapshot, at(1100));
    EXPECT_EQ(live.find_available_node_for_task("next"), "w0");
    EXPECT_EQ(live.find_available_node_for_task("next"), copy.find_available_node_for_task("next"));
    EXPECT_EQ(live.get_cluster_status_summary(), copy.get_cluster_status_summary());
    EXPECT_EQ(live.get_task_execution_metrics(), copy.get_task_execution_metrics());
    EXPECT_EQ(live.find_orphaned_content(), copy.find_orphaned_content());
    EXPECT_EQ(live.get_all_nodes(), copy.get_all_nodes());
  }
  // Between operations the same object sees the replica as it is now.
  ASSERT_TRUE(state.assign_task("next", "w0", 1050).ok());
  ASSERT_TRUE(state.remove_content("c", 1050).ok());
  EXPECT_EQ(live.find_available_node_for_task("next"), std::nullopt);  // No longer pending.
  ClusterSummary summary = live.get_cluster_status_summary();
  EXPECT_EQ(summary.tasks_by_status.at(TaskStatus::kAssigned), 1u);
  EXPECT_EQ(summary.content_count, 0u);
  EXPECT_EQ(live.get_node_by_id("w0")->node_id, "w0");
  EXPECT_EQ(live.get_node_by_id("none"), std::nullopt);
}

}  // namespace
}  // namespace eddy::kvs

// Delta-state sync between ClusterState replicas: what a delta carries, when the version vector
// advances, tombstones across replicas, delta size against table size, the leecher filter, the
// wire form, convergence of three replicas under random delivery, duplication and drops, and the
// replicas' incremental totals and live queries against their snapshots along the way.
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "kvs/cluster_state/change_index.h"
#include "kvs/cluster_state/cluster_state.h"
#include "kvs/cluster_state/delta.h"
#include "kvs/cluster_state/queries.h"
#include "kvs/cluster_state/table_totals.h"
#include "kvs/cluster_state/testing.h"

namespace eddy::kvs {
namespace {

using eddy::testing::uniform;

NodeInfo worker(const std::string& id) {
  NodeInfo node;
  node.node_id = id;
  node.role = NodeRole::kWorker;
  node.resources.cpu_count = 4;
  return node;
}

TaskSpec task(const std::string& id) {
  TaskSpec spec;
  spec.task_id = id;
  spec.task_type = "render";
  return spec;
}

// Sends everything `from` has that `to` lacks, delivered at once.
ApplyResult sync(const ClusterState& from, ClusterState& to) {
  return to.apply(from.delta_since(to.version_vector()));
}

// The bytes of every row, tombstone and the version vector of a replica: equal bytes, equal
// replicas.
std::string state_bytes(const ClusterState& replica) {
  Delta all = replica.snapshot();
  all.sender.clear();
  all.clock = Stamp{};
  return encode_delta(all);
}

TEST(SyncTest, DeltaCarriesOnlyRowsTheOtherSideLacks) {
  ClusterState a("a"), b("b");
  ASSERT_TRUE(a.register_node(worker("n1"), 1).ok());
  ASSERT_TRUE(a.register_node(worker("n2"), 2).ok());
  sync(a, b);
  ASSERT_TRUE(a.heartbeat("n2", 3).ok());
  Delta delta = a.delta_since(b.version_vector());
  EXPECT_FALSE(delta.is_snapshot);
  EXPECT_EQ(delta.nodes.size(), 1u);
  EXPECT_EQ(delta.nodes.count("n2"), 1u);
  EXPECT_TRUE(delta.metadata.has_value());  // last_updated moved.
  EXPECT_TRUE(a.delta_since(a.version_vector()).empty());
}

TEST(SyncTest, ApplyAdvancesTheVectorOnlyWhenTheBaseIsCovered) {
  ClusterState a("a"), b("b"), c("c");
  ASSERT_TRUE(a.register_node(worker("n1"), 1).ok());
  sync(a, c);
  ASSERT_TRUE(a.register_node(worker("n2"), 2).ok());
  Delta for_c = a.delta_since(c.version_vector());  // Holds n2 only.
  ApplyResult at_b = b.apply(for_c);                // b lacks n1: base not covered.
  EXPECT_FALSE(at_b.version_advanced);
  EXPECT_EQ(b.version_vector().get("a"), 0u);
  EXPECT_EQ(b.get_state().nodes.count("n2"), 1u);  // The rows merge all the same.
  ApplyResult at_c = c.apply(for_c);
  EXPECT_TRUE(at_c.version_advanced);
  EXPECT_EQ(c.version_vector(), a.version_vector());
  sync(a, b);
  EXPECT_EQ(state_bytes(b), state_bytes(a));
}

TEST(SyncTest, EmptyVectorGetsASnapshotThatAppliesAnywhere) {
  ClusterState a("a"), b("b");
  ASSERT_TRUE(a.register_node(worker("n1"), 1).ok());
  ASSERT_TRUE(a.remove_node("n1", 2).ok());
  ASSERT_TRUE(a.add_task(task("t1"), 3).ok());
  Delta delta = a.delta_since(VersionVector());
  EXPECT_TRUE(delta.is_snapshot);
  EXPECT_EQ(delta.nodes.size(), 1u);  // The tombstone travels too.
  EXPECT_TRUE(b.apply(delta).version_advanced);
  EXPECT_EQ(state_bytes(b), state_bytes(a));
}

TEST(SyncTest, ChangesRelayThroughAThirdReplica) {
  ClusterState a("a"), b("b"), c("c");
  ASSERT_TRUE(a.add_task(task("t1"), 1).ok());
  sync(a, b);
  sync(b, c);
  EXPECT_EQ(c.get_state().tasks.count("t1"), 1u);
  EXPECT_EQ(c.version_vector(), a.version_vector());
}

TEST(SyncTest, RemovedNodeDoesNotComeBackFromAStaleDelta) {
  ClusterState a("a"), b("b");
  ASSERT_TRUE(a.register_node(worker("n1"), 10).ok());
  sync(a, b);
  ASSERT_TRUE(b.heartbeat("n1", 11).ok());
  Delta stale = b.delta_since(a.version_vector());  // Made before b hears of the removal.
  ASSERT_TRUE(a.remove_node("n1", 20).ok());
  a.apply(stale);
  a.apply(stale);
  EXPECT_TRUE(a.get_state().nodes.empty());
  sync(a, b);
  EXPECT_TRUE(b.get_state().nodes.empty());
  ASSERT_TRUE(b.register_node(worker("n1"), 30).ok());  // A newer re-add wins.
  sync(b, a);
  EXPECT_EQ(a.get_state().nodes.count("n1"), 1u);
  EXPECT_EQ(state_bytes(a), state_bytes(b));
}

TEST(SyncTest, ConcurrentAssignmentsPickTheSameNodeEverywhere) {
  ClusterState a("a"), b("b");
  ASSERT_TRUE(a.register_node(worker("n1"), 1).ok());
  ASSERT_TRUE(a.register_node(worker("n2"), 1).ok());
  ASSERT_TRUE(a.add_task(task("t1"), 1).ok());
  sync(a, b);
  ASSERT_TRUE(a.assign_task("t1", "n1", 5).ok());
  ASSERT_TRUE(b.assign_task("t1", "n2", 5).ok());  // Same wall time: replica id decides.
  Delta from_a = a.delta_since(b.version_vector());
  Delta from_b = b.delta_since(a.version_vector());
  a.apply(from_b);
  b.apply(from_a);
  EXPECT_EQ(a.get_state().tasks.at("t1").assigned_node_id, "n2");
  EXPECT_EQ(state_bytes(a), state_bytes(b));
}

TEST(SyncTest, LaterWriteWinsAcrossReplicasWhoseClocksAreBehind) {
  ClusterState fast("fast"), slow("slow");
  ASSERT_TRUE(fast.register_node(worker("n1"), 1000).ok());
  sync(fast, slow);
  // slow's wall clock reads 5, yet its write follows the one it has seen.
  ASSERT_TRUE(slow.update_node_status("n1", NodeStatus::kOffline, 5).ok());
  sync(slow, fast);
  EXPECT_EQ(fast.get_state().nodes.at("n1").status, NodeStatus::kOffline);
}

// Builds a replica with `rows` tasks and returns the encoded delta of one later field update.
size_t single_update_delta_bytes(int rows) {
  ClusterState a("a");
  EXPECT_TRUE(a.register_node(worker("n1"), 1).ok());
  char id[32];
  for (int i = 0; i < rows; ++i) {
    std::snprintf(id, sizeof(id), "t%09d", i);
    EXPECT_TRUE(a.add_task(task(id), 2).ok());
  }
  VersionVector theirs = a.version_vector();
  EXPECT_TRUE(a.assign_task("t000000500", "n1", 3).ok());
  Delta delta = a.delta_since(theirs);
  EXPECT_EQ(delta.tasks.size(), 1u);
  EXPECT_EQ(delta.row_count(), 2u);  // The task and the metadata singleton.
  return encode_delta(delta).size();
}

TEST(SyncTest, SingleFieldUpdateDeltaDoesNotGrowWithTableSize) {
  size_t small = single_update_delta_bytes(1000);
  size_t large = single_update_delta_bytes(100000);
  EXPECT_LT(small, 1000u);
  EXPECT_NEAR(static_cast<double>(large), static_cast<double>(small), 16.0);
}

TEST(SyncTest, LeecherDeltaHoldsOnlyNodesAndMetadata) {
  ClusterState a("a");
  ASSERT_TRUE(a.configure_cluster("alpha", "a", 1).ok());
  ASSERT_TRUE(a.register_node(worker("n1"), 1).ok());
  ASSERT_TRUE(a.add_task(task("t1"), 1).ok());
  ASSERT_TRUE(a.add_content("c1", 10, 1, 1).ok());
  ClusterStateOptions leecher_options;
  leecher_options.scope = SyncScope::kNodesAndMetadata;
  ClusterState leecher("l", leecher_options);
  Delta delta = a.leecher_delta_since(leecher.version_vector());
  EXPECT_EQ(delta.scope, SyncScope::kNodesAndMetadata);
  EXPECT_EQ(delta.nodes.size(), 1u);
  EXPECT_TRUE(delta.tasks.empty());
  EXPECT_TRUE(delta.content.empty());
  EXPECT_TRUE(leecher.apply(delta).version_advanced);
  EXPECT_EQ(leecher.get_state().metadata.cluster_id, "alpha");
  // A full replica merges a leecher delta's rows but does not count its changes as had.
  ClusterState b("b");
  ApplyResult at_b = b.apply(delta);
  EXPECT_FALSE(at_b.version_advanced);
  EXPECT_EQ(b.get_state().nodes.count("n1"), 1u);
  // A leecher ignores the tasks of a full delta.
  ClusterState leecher2("l2", leecher_options);
  leecher2.apply(a.delta_since(VersionVector()));
  EXPECT_TRUE(leecher2.task_rows().empty());
}

TEST(SyncTest, DeltaSurvivesTheWireAndGarbageIsRejected) {
  ClusterState a("a");
  ASSERT_TRUE(a.register_node(worker("n1"), 1).ok());
  ASSERT_TRUE(a.add_task(task("t1"), 1).ok());
  Delta delta = a.snapshot();
  std::string bytes = encode_delta(delta);
  absl::StatusOr<Delta> back = decode_delta(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, delta);
  EXPECT_FALSE(decode_delta(bytes.substr(0, bytes.size() / 2)).ok());
  EXPECT_FALSE(decode_delta(bytes + "x").ok());
  EXPECT_FALSE(decode_delta("garbage!").ok());
  EXPECT_FALSE(decode_delta("").ok());
}

TEST(SyncTest, SnapshotRestoresAReplicaThatThenUsesFreshDots) {
  ClusterState a("a");
  ASSERT_TRUE(a.register_node(worker("n1"), 1).ok());
  ASSERT_TRUE(a.add_task(task("t1"), 2).ok());
  std::string saved = encode_delta(a.snapshot());
  ClusterState restored("a");
  absl::StatusOr<Delta> snapshot = decode_delta(saved);
  ASSERT_TRUE(snapshot.ok());
  restored.apply(*snapshot);
  EXPECT_EQ(state_bytes(restored), state_bytes(a));
  ASSERT_TRUE(restored.heartbeat("n1", 3).ok());
  EXPECT_EQ(restored.version_vector().get("a"), a.version_vector().get("a") + 1);
}

// a runs and completes t1 while b, whose clock is far ahead and who has not heard of it yet,
// moves t1 to another node. Returns the status both replicas agree on after syncing.
TaskStatus completion_against_concurrent_reassignment(const ClusterStateOptions& options) {
  ClusterState a("a", options), b("b", options);
  EXPECT_TRUE(a.register_node(worker("n1"), 1).ok());
  EXPECT_TRUE(a.register_node(worker("n2"), 1).ok());
  EXPECT_TRUE(a.add_task(task("t1"), 1).ok());
  EXPECT_TRUE(a.assign_task("t1", "n1", 2).ok());
  sync(a, b);
  EXPECT_TRUE(a.update_task("t1", TaskUpdate{TaskStatus::kRunning, "", ""}, 3).ok());
  EXPECT_TRUE(a.update_task("t1", TaskUpdate{TaskStatus::kCompleted, "out", ""}, 4).ok());
  EXPECT_TRUE(b.assign_task("t1", "n2", 1000).ok());
  Delta from_a = a.delta_since(b.version_vector());
  Delta from_b = b.delta_since(a.version_vector());
  a.apply(from_b);
  b.apply(from_a);
  EXPECT_EQ(state_bytes(a), state_bytes(b));
  return a.get_state().tasks.at("t1").status;
}

TEST(SyncTest, ReplicasBuiltWithAResolverApplyItToConcurrentWrites) {
  // Plain LWW: the reassignment's newer stamp wins and the completion is lost.
  EXPECT_EQ(completion_against_concurrent_reassignment(ClusterStateOptions()),
            TaskStatus::kAssigned);
  // Ranked by status: the completion wins on both replicas.
  ClusterStateOptions ranked;
  ranked.resolvers.set<Field::kTaskProgress>(task_progress_by_status());
  EXPECT_EQ(completion_against_concurrent_reassignment(ranked), TaskStatus::kCompleted);
}

TEST(ChangeIndexTest, FindsOnlyRowsWithChangesTheOtherSideLacks) {
  ChangeIndex index;
  RowKey n1{Table::kNodes, "n1"}, t1{Table::kTasks, "t1"};
  index.update(n1, VectorClock(), VectorClock{{"a", 1}});
  index.update(t1, VectorClock(), VectorClock{{"b", 1}});
  index.update(n1, VectorClock{{"a", 1}}, VectorClock{{"a", 3}});  // Replaces a:1.
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(index.rows_changed_since(VectorClock{{"a", 2}, {"b", 1}}), std::set<RowKey>{n1});
  EXPECT_EQ(index.rows_changed_since(VectorClock{{"a", 3}}), std::set<RowKey>{t1});
  EXPECT_EQ(index.rows_changed_since(VectorClock()), (std::set<RowKey>{n1, t1}));
  EXPECT_TRUE(index.rows_changed_since(VectorClock{{"a", 3}, {"b", 1}}).empty());
}

// One random operation on `replica` over small id domains, so replicas collide often. Returns
// true iff it was accepted.
bool random_op(ClusterState& replica, std::mt19937_64& rng, TimeMs now) {
  std::string node = "n" + std::to_string(uniform(rng, 3));
  std::string task_id = "t" + std::to_string(uniform(rng, 4));
  std::string cid = "c" + std::to_string(uniform(rng, 2));
  NodeInfo info = worker(node);
  info.capabilities = {uniform(rng, 2) == 0 ? "gpu" : "ssd"};
  info.metadata = {{"zone", std::to_string(uniform(rng, 2))}};
  info.resources.memory_total = 1000;
  info.resources.memory_available = 500 + 100 * uniform(rng, 6);
  info.resources.gpu_count = info.resources.gpu_available = static_cast<uint32_t>(uniform(rng, 3));
  // Cores that are not sums of powers of two, so that the order of cpu sums shows.
  static constexpr double kCpus[] = {0.1, 0.2, 0.3, 0.7, 1.5};
  TaskSpec spec = task(task_id);
  spec.requirements.cpu = kCpus[uniform(rng, 5)];
  spec.requirements.memory = 100 * uniform(rng, 4);
  spec.requirements.gpu = static_cast<uint32_t>(uniform(rng, 2));
  TaskUpdate update;
  update.status = static_cast<TaskStatus>(2 + uniform(rng, 3));
  OpResult result;
  switch (uniform(rng, 12)) {
    case 0:
      result = replica.register_node(info, now);
      break;
    case 1:
      result = replica.heartbeat(node, now);
      break;
    case 2:
      result = replica.update_node_status(node, NodeStatus::kOffline, now);
      break;
    case 3:
      result = replica.remove_node(node, now);
      break;
    case 4:
      result = replica.add_task(spec, now);
      break;
    case 5:
      result = replica.assign_task(task_id, node, now);
      break;
    case 6:
      result = replica.update_task(task_id, update, now);
      break;
    case 7:
      result = replica.add_content(cid, 100, 2, now);
      break;
    case 8:
      result = replica.add_content_provider(cid, node, now);
      break;
    case 9:
      result = replica.remove_content_provider(cid, node, now);
      break;
    case 10:
      result = replica.pin_content(cid, now);
      break;
    default:
      result = replica.remove_content(cid, now);
      break;
  }
  return result.ok();
}

// What one convergence run exercised, so that the test can show it was not vacuous.
struct RunStats {
  int accepted_ops = 0;
  int applies_without_advance = 0;  // Deltas whose base the receiver did not cover.
  int final_live_rows = 0;
  int final_tombstones = 0;
};

// Called on a replica after each accepted operation on it and each delta it applies, with the
// time of the step.
using ReplicaCheck = std::function<void(const ClusterState& replica, TimeMs now)>;

// Three replicas with skewed clocks make random conflicting edits while deltas travel through a
// network that delays, reorders, duplicates and drops them (a dropped request is retried later
// as a fresh one); some deltas are pushed against another replica's vector. After a final round of
// full syncs every replica must hold the same bytes.
void run_convergence(uint64_t seed, RunStats& stats, const ReplicaCheck& check = nullptr) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::vector<ClusterState> replicas;
  for (const char* id : {"r0", "r1", "r2"}) replicas.emplace_back(id);
  const TimeMs skew[] = {0, 7, -5};
  struct Message {
    size_t to;
    Delta delta;
  };
  std::vector<Message> in_flight;
  for (int step = 0; step < 600; ++step) {
    TimeMs now = 100 + step * 3;
    uint64_t what = uniform(rng, 10);
    if (what < 4) {
      size_t r = uniform(rng, 3);
      bool accepted = random_op(replicas[r], rng, now + skew[r]);
      stats.accepted_ops += accepted ? 1 : 0;
      if (accepted && check) check(replicas[r], now);
    } else if (what < 7) {
      // Usually a request (`to` announced its vector, `from` answers); sometimes a push made
      // against a third replica's vector, which `to` may not cover; rarely a snapshot.
      size_t from = uniform(rng, 3), to = uniform(rng, 3), base = uniform(rng, 3);
      if (uniform(rng, 3) != 0) base = to;
      VersionVector theirs = replicas[base].version_vector();
      if (uniform(rng, 20) == 0) theirs = VersionVector();
      if (from != to) in_flight.push_back({to, replicas[from].delta_since(theirs)});
    } else if (!in_flight.empty()) {  // Deliver, duplicate or drop one message, in any order.
      size_t i = uniform(rng, in_flight.size());
      uint64_t fate = uniform(rng, 10);
      ClusterState& to = replicas[in_flight[i].to];
      if (fate >= 2 && !to.apply(in_flight[i].delta).version_advanced) {
        ++stats.applies_without_advance;
      }
      if (fate >= 2 && check) check(to, now);
      if (fate >= 5) in_flight.erase(in_flight.begin() + static_cast<long>(i));
    }
  }
  for (int round = 0; round < 2; ++round) {
    for (size_t from = 0; from < 3; ++from) {
      for (size_t to = 0; to < 3; ++to) {
        if (from != to) sync(replicas[from], replicas[to]);
      }
    }
  }
  if (check) {
    for (const ClusterState& replica : replicas) check(replica, 100 + 600 * 3);
  }
  ASSERT_EQ(state_bytes(replicas[0]), state_bytes(replicas[1]));
  ASSERT_EQ(state_bytes(replicas[0]), state_bytes(replicas[2]));
  ASSERT_EQ(replicas[0].get_state(), replicas[1].get_state());
  ASSERT_EQ(replicas[0].get_state(), replicas[2].get_state());
  ClusterSnapshot final_state = replicas[0].get_state();
  int live = static_cast<int>(final_state.nodes.size() + final_state.tasks.size() +
                              final_state.content.size());
  int rows = static_cast<int>(replicas[0].node_rows().size() + replicas[0].task_rows().size() +
                              replicas[0].content_rows().size());
  stats.final_live_rows += live;
  stats.final_tombstones += rows - live;
}

TEST(SyncTest, ThreeReplicasConvergeUnderRandomDeliveryDuplicationAndDrops) {
  RunStats stats;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    run_convergence(seed, stats);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_GT(stats.accepted_ops, 10000);
  EXPECT_GT(stats.applies_without_advance, 100);
  EXPECT_GT(stats.final_live_rows, 1000);
  EXPECT_GT(stats.final_tombstones, 100);
  std::printf("accepted ops %d, applies without advance %d, live rows %d, tombstones %d\n",
              stats.accepted_ops, stats.applies_without_advance, stats.final_live_rows,
              stats.final_tombstones);
}

// What the totals and live-query checks saw, so that the test can show they were not vacuous.
struct TotalsStats {
  int checks = 0;
  int with_reserved_cpu_sums = 0;  // A node held two or more assigned tasks.
  int placements = 0;              // Placement queries that found a node.
};

// The replica's incremental totals against a from-scratch pass over get_state(), and every
// query over the live replica against the same query over get_state().
void expect_totals_and_live_queries_match(const ClusterState& replica, TimeMs now,
                                          TotalsStats& stats) {
  ++stats.checks;
  const ClusterSnapshot snapshot = replica.get_state();
  const TableTotals& totals = replica.totals();
  std::map<std::string, NodeLoad> loads = loads_by_node(snapshot);
  ASSERT_EQ(totals.node_loads(), loads) << "at step time " << now;
  TaskStatusCounts by_status{};
  for (const auto& [id, task] : snapshot.tasks) ++by_status[static_cast<size_t>(task.status)];
  ASSERT_EQ(totals.live_tasks(), snapshot.tasks.size());
  ASSERT_EQ(totals.tasks_by_status(), by_status);
  uint64_t bytes = 0;
  for (const auto& [cid, content] : snapshot.content) bytes += content.size;
  ASSERT_EQ(totals.live_content(), snapshot.content.size());
  ASSERT_EQ(totals.live_content_bytes(), bytes);
  std::map<std::string, int> assigned;
  for (const auto& [id, task] : snapshot.tasks) {
    if (task.status == TaskStatus::kAssigned && ++assigned[task.assigned_node_id] == 2) {
      ++stats.with_reserved_cpu_sums;
    }
  }

  QueryOptions options;
  options.now = now;
  options.heartbeat_timeout = 150;  // Some nodes fall silent.
  ClusterQueries live(replica, options), copy(snapshot, options);
  for (const auto& [id, row] : replica.task_rows()) {
    std::optional<std::string> node = live.find_available_node_for_task(id);
    ASSERT_EQ(node, copy.find_available_node_for_task(id)) << "task " << id;
    stats.placements += node.has_value() ? 1 : 0;
  }
  ASSERT_EQ(live.get_cluster_status_summary(), copy.get_cluster_status_summary());
  ASSERT_EQ(live.get_task_execution_metrics(), copy.get_task_execution_metrics());
  ASSERT_EQ(live.estimate_time_to_completion(), copy.estimate_time_to_completion());
  ASSERT_EQ(live.get_all_nodes(), copy.get_all_nodes());
  ASSERT_EQ(live.find_nodes_by_role(NodeRole::kWorker), copy.find_nodes_by_role(NodeRole::kWorker));
  ASSERT_EQ(live.find_nodes_with_gpu(1), copy.find_nodes_with_gpu(1));
  for (const auto& [id, row] : replica.node_rows()) {
    ASSERT_EQ(live.get_node_by_id(id), copy.get_node_by_id(id));
  }
  for (int s = 0; s < 5; ++s) {
    auto status = static_cast<TaskStatus>(s);
    ASSERT_EQ(live.find_tasks_by_status(status), copy.find_tasks_by_status(status));
  }
  TaskRequirements capacity;
  capacity.cpu = 0.3;
  capacity.memory = 200;
  capacity.gpu = 1;
  ASSERT_EQ(live.find_tasks_by_resource_requirements(capacity),
            copy.find_tasks_by_resource_requirements(capacity));
  ASSERT_EQ(live.find_orphaned_content(), copy.find_orphaned_content());
}

TEST(SyncTest, TotalsAndLiveQueriesMatchTheSnapshotAfterEveryOperationAndApply) {
  RunStats stats;
  TotalsStats totals;
  ReplicaCheck check = [&totals](const ClusterState& replica, TimeMs now) {
    expect_totals_and_live_queries_match(replica, now, totals);
  };
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    run_convergence(seed, stats, check);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_GT(totals.checks, 40000);
  EXPECT_GT(totals.with_reserved_cpu_sums, 1000);
  EXPECT_GT(totals.placements, 10000);
  EXPECT_GT(stats.applies_without_advance, 100);
  std::printf("checks %d, with reserved cpu sums %d, placements found %d\n", totals.checks,
              totals.with_reserved_cpu_sums, totals.placements);
}

TEST(SyncTest, AMergeThatMovesATaskMovesItsLoad) {
  ClusterState a("a"), b("b");
  ASSERT_TRUE(a.register_node(worker("n1"), 1).ok());
  ASSERT_TRUE(a.register_node(worker("n2"), 1).ok());
  TaskSpec spec = task("t1");
  spec.requirements.cpu = 0.1;
  spec.requirements.memory = 7;
  ASSERT_TRUE(a.add_task(spec, 1).ok());
  sync(a, b);
  ASSERT_TRUE(a.assign_task("t1", "n1", 5).ok());
  ASSERT_TRUE(b.assign_task("t1", "n2", 5).ok());  // Same wall time: b's write wins.
  ASSERT_EQ(a.totals().node_loads().count("n1"), 1u);
  sync(b, a);
  NodeLoad moved;
  moved.tasks = 1;
  moved.reserved = spec.requirements;
  EXPECT_EQ(a.totals().node_loads(), (std::map<std::string, NodeLoad>{{"n2", moved}}));
  EXPECT_EQ(a.totals().node_loads(), loads_by_node(a.get_state()));
  ASSERT_TRUE(a.update_task("t1", TaskUpdate{TaskStatus::kRunning, "", ""}, 6).ok());
  moved.reserved = TaskRequirements{};  // Running: in the node's reported resources.
  EXPECT_EQ(a.totals().node_loads(), (std::map<std::string, NodeLoad>{{"n2", moved}}));
  EXPECT_EQ(a.totals().tasks_by_status()[static_cast<size_t>(TaskStatus::kRunning)], 1u);
}

}  // namespace
}  // namespace eddy::kvs

// The cluster-state tables (kvs/cluster_state) at 10,000 nodes and 100,000 tasks: query latency,
// operation throughput, sync bytes per update and memory per row, with a hand-written loop
// beside the placement query.
//
//   build/bin/cluster_state_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
//
// The prepared replica (built once per process, outside every timed loop): 10,000 nodes (90%
// workers, 5% masters, 5% leechers; 8-64 cores, 16-512 GiB, one in five with 1-8 GPUs; 93%
// report online, 4% draining, 3% offline, and 3% of all are silent past the heartbeat
// timeout) and 100,000 tasks (30% pending, 15% assigned, 15% running, 30% completed, 10%
// failed; the non-pending ones on workers), all made through ClusterState's operations.
//
// BM_FindAvailableNodeForTask           the query on a ready snapshot, cycling over pending tasks
// BM_FindAvailableNodeForTaskWithSnapshot  get_state() + the same query
// BM_FindAvailableNodeForTaskLive       the same query on the live replica (no copy; it reads
//                                       the per-node loads the replica keeps up to date)
// BM_ClusterStatusSummary(WithSnapshot|Live)  the same three for get_cluster_status_summary
// BM_GetState                           get_state() alone (copies the live rows)
// BM_HandWrittenScanForNode             the query's fit + score over 10,000 plain structs whose
//                                       per-node load is kept up to date (what a hand-written
//                                       scheduler would hold)
// BM_HandWrittenScanWithLoads           the same, recomputing the loads from 100,000 plain tasks
//                                       per call, as the query does
// BM_RegisterNode / BM_Heartbeat / BM_AddTask / BM_AssignTask / BM_TaskLifecycle
//                                       operations on a copy of the prepared replica (items/s)
// BM_DeltaAfterHeartbeat/N              delta_since + encode_delta after one heartbeat, the peer
//                                       otherwise up to date, on a replica of N rows
//                                       (counter delta_bytes, and snapshot_bytes for scale)
// BM_MemoryPerTask/L                    builds 100,000 tasks on a 10,000-node replica whose id
//                                       is L characters long; counters bytes_per_task (heap,
//                                       mallinfo2) and snapshot_bytes_per_task (encode_delta of
//                                       snapshot())
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "kvs/cluster_state/cluster_state.h"
#include "kvs/cluster_state/delta.h"
#include "kvs/cluster_state/queries.h"

namespace eddy::kvs {
namespace {

constexpr size_t kNodes = 10'000;
constexpr size_t kTasks = 100'000;
constexpr TimeMs kStart = 1'700'000'000'000;  // When the nodes register.
constexpr TimeMs kNow = kStart + 10'000;      // When the queries run.
constexpr uint64_t kGiB = 1ull << 30;
constexpr std::string_view kShortReplica = "r0";
// As long as a libp2p peer id (52 characters): too long for the small-string buffer.
constexpr std::string_view kPeerReplica = "12D3KooWGzh3Zq1KXp7rT9vD6cE4bN8mL2sYfA5uHwQxJ0iRkPtV";

// "prefix-" and `n` zero-padded to 6 digits, so that map order is numeric order.
std::string make_id(std::string_view prefix, size_t n) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%06zu", n);
  return std::string(prefix) + "-" + digits;
}

std::string node_id(size_t n) { return make_id("node", n); }
std::string task_id(size_t n) { return make_id("task", n); }

uint64_t uniform(std::mt19937_64& rng, uint64_t lo, uint64_t hi) {  // In [lo, hi].
  return std::uniform_int_distribution<uint64_t>(lo, hi)(rng);
}

double uniform_real(std::mt19937_64& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}

// Node `n` of the mix described at the top. Node n is a worker unless n % 20 is 0 (master) or 1
// (leecher).
NodeInfo make_node(std::mt19937_64& rng, size_t n) {
  NodeInfo node;
  node.node_id = node_id(n);
  node.peer_id = std::string(kPeerReplica.substr(0, 44)) + std::to_string(n);
  node.role = n % 20 == 0   ? NodeRole::kMaster
              : n % 20 == 1 ? NodeRole::kLeecher
                            : NodeRole::kWorker;
  node.address = "10.0." + std::to_string(n / 256) + "." + std::to_string(n % 256) + ":4001";
  uint64_t draw = uniform(rng, 0, 99);
  node.status = draw < 4   ? NodeStatus::kDraining
                : draw < 7 ? NodeStatus::kOffline
                           : NodeStatus::kOnline;
  Resources& r = node.resources;
  r.cpu_count = static_cast<uint32_t>(8 * uniform(rng, 1, 8));
  r.cpu_usage = uniform_real(rng, 0.0, 0.9);
  r.memory_total = 16 * kGiB * uniform(rng, 1, 32);
  r.memory_available =
      static_cast<uint64_t>(static_cast<double>(r.memory_total) * uniform_real(rng, 0.1, 0.9));
  r.disk_total = 1000 * kGiB;
  r.disk_free = r.disk_total / 2;
  if (uniform(rng, 0, 4) == 0) {
    r.gpu_count = static_cast<uint32_t>(uniform(rng, 1, 8));
    r.gpu_available = static_cast<uint32_t>(uniform(rng, 0, r.gpu_count));
  }
  node.capabilities = {"compute", "storage"};
  if (r.gpu_count > 0) node.capabilities.insert("gpu");
  node.metadata = {{"region", n % 2 == 0 ? "eu-west" : "us-east"}, {"version", "0.9.3"}};
  return node;
}

TaskSpec make_task(std::mt19937_64& rng, size_t n) {
  static constexpr std::string_view kTypes[] = {"transcode", "train", "index", "render"};
  TaskSpec spec;
  spec.task_id = task_id(n);
  spec.task_type = std::string(kTypes[n % 4]);
  spec.priority = static_cast<int32_t>(uniform(rng, 0, 9));
  spec.parameters = {{"input", "bafy" + std::to_string(n)}, {"mode", "fast"}};
  spec.requirements.cpu = 0.5 * static_cast<double>(uniform(rng, 1, 8));
  spec.requirements.memory = kGiB / 4 * uniform(rng, 1, 64);
  spec.requirements.gpu = uniform(rng, 0, 9) == 0 ? static_cast<uint32_t>(uniform(rng, 1, 2)) : 0;
  return spec;
}

void check(const OpResult& result, std::string_view what) {
  if (!result.ok()) {
    std::fprintf(stderr, "%.*s failed: %s\n", static_cast<int>(what.size()), what.data(),
                 result.message().c_str());
    std::abort();
  }
}

// The id of a worker node, drawn at random.
std::string random_worker(std::mt19937_64& rng, size_t nodes) {
  for (;;) {
    size_t n = uniform(rng, 0, nodes - 1);
    if (n % 20 > 1) return node_id(n);
  }
}

void add_nodes(ClusterState& replica, size_t nodes) {
  std::mt19937_64 rng(1);
  for (size_t n = 0; n < nodes; ++n) {
    // 3% register a minute early and stay silent: past the heartbeat timeout at kNow.
    TimeMs at = uniform(rng, 0, 99) < 3 ? kStart - 60'000 : kStart;
    check(replica.register_node(make_node(rng, n), at), "register_node");
  }
}

// Adds `tasks` tasks in the status mix described at the top. REQUIRES: add_nodes(nodes) ran.
void add_tasks(ClusterState& replica, size_t nodes, size_t tasks) {
  std::mt19937_64 rng(2);
  TimeMs t = kStart;
  for (size_t n = 0; n < tasks; ++n) {
    ++t;
    check(replica.add_task(make_task(rng, n), t), "add_task");
    uint64_t draw = uniform(rng, 0, 99);
    if (draw < 30) continue;  // pending
    std::string id = task_id(n);
    check(replica.assign_task(id, random_worker(rng, nodes), t), "assign_task");
    if (draw < 45) continue;  // assigned
    check(replica.update_task(id, {TaskStatus::kRunning, "", ""}, t), "start");
    if (draw < 60) continue;  // running
    TaskUpdate end = draw < 90 ? TaskUpdate{TaskStatus::kCompleted, "bafyresult" + id, ""}
                               : TaskUpdate{TaskStatus::kFailed, "", "exit code 1"};
    check(replica.update_task(id, end, t), "finish");
  }
}

ClusterState build_replica(size_t nodes, size_t tasks,
                           std::string_view replica_id = kShortReplica) {
  ClusterState replica{std::string(replica_id)};
  check(replica.configure_cluster("bench", "node-000000", kStart), "configure_cluster");
  add_nodes(replica, nodes);
  add_tasks(replica, nodes, tasks);
  return replica;
}

// The prepared replica of 10,000 nodes and 100,000 tasks, built on first use.
const ClusterState& prepared() {
  static const ClusterState replica = build_replica(kNodes, kTasks);
  return replica;
}

const ClusterSnapshot& prepared_snapshot() {
  static const ClusterSnapshot snapshot = prepared().get_state();
  return snapshot;
}

std::vector<std::string> pending_task_ids(const ClusterSnapshot& snapshot) {
  std::vector<std::string> ids;
  for (const auto& [id, task] : snapshot.tasks) {
    if (task.status == TaskStatus::kPending) ids.push_back(id);
  }
  return ids;
}

// ---- Queries -----------------------------------------------------------------------------

void BM_GetState(benchmark::State& state) {
  const ClusterState& replica = prepared();
  for (auto _ : state) {
    ClusterSnapshot snapshot = replica.get_state();
    benchmark::DoNotOptimize(snapshot.tasks.size());
  }
}
BENCHMARK(BM_GetState)->Unit(benchmark::kMillisecond);

void BM_FindAvailableNodeForTask(benchmark::State& state) {
  const ClusterSnapshot& snapshot = prepared_snapshot();
  const std::vector<std::string> pending = pending_task_ids(snapshot);
  ClusterQueries queries(snapshot, QueryOptions{.now = kNow});
  size_t i = 0, found = 0;
  for (auto _ : state) {
    std::optional<std::string> node = queries.find_available_node_for_task(pending[i]);
    found += node.has_value();
    i = (i + 1) % pending.size();
  }
  state.counters["found_fraction"] =
      static_cast<double>(found) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_FindAvailableNodeForTask)->Unit(benchmark::kMicrosecond);

void BM_FindAvailableNodeForTaskWithSnapshot(benchmark::State& state) {
  const ClusterState& replica = prepared();
  const std::vector<std::string> pending = pending_task_ids(prepared_snapshot());
  size_t i = 0;
  for (auto _ : state) {
    ClusterSnapshot snapshot = replica.get_state();
    ClusterQueries queries(snapshot, QueryOptions{.now = kNow});
    benchmark::DoNotOptimize(queries.find_available_node_for_task(pending[i]));
    i = (i + 1) % pending.size();
  }
}
BENCHMARK(BM_FindAvailableNodeForTaskWithSnapshot)->Unit(benchmark::kMillisecond);

void BM_FindAvailableNodeForTaskLive(benchmark::State& state) {
  const ClusterState& replica = prepared();
  const std::vector<std::string> pending = pending_task_ids(prepared_snapshot());
  ClusterQueries queries(replica, QueryOptions{.now = kNow});
  size_t i = 0, found = 0;
  for (auto _ : state) {
    std::optional<std::string> node = queries.find_available_node_for_task(pending[i]);
    found += node.has_value();
    i = (i + 1) % pending.size();
  }
  state.counters["found_fraction"] =
      static_cast<double>(found) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_FindAvailableNodeForTaskLive)->Unit(benchmark::kMicrosecond);

void BM_ClusterStatusSummary(benchmark::State& state) {
  const ClusterSnapshot& snapshot = prepared_snapshot();
  ClusterQueries queries(snapshot, QueryOptions{.now = kNow});
  for (auto _ : state) {
    ClusterSummary summary = queries.get_cluster_status_summary();
    benchmark::DoNotOptimize(summary.tasks_total);
  }
}
BENCHMARK(BM_ClusterStatusSummary)->Unit(benchmark::kMicrosecond);

void BM_ClusterStatusSummaryWithSnapshot(benchmark::State& state) {
  const ClusterState& replica = prepared();
  for (auto _ : state) {
    ClusterSnapshot snapshot = replica.get_state();
    ClusterQueries queries(snapshot, QueryOptions{.now = kNow});
    ClusterSummary summary = queries.get_cluster_status_summary();
    benchmark::DoNotOptimize(summary.tasks_total);
  }
}
BENCHMARK(BM_ClusterStatusSummaryWithSnapshot)->Unit(benchmark::kMillisecond);

void BM_ClusterStatusSummaryLive(benchmark::State& state) {
  ClusterQueries queries(prepared(), QueryOptions{.now = kNow});
  for (auto _ : state) {
    ClusterSummary summary = queries.get_cluster_status_summary();
    benchmark::DoNotOptimize(summary.tasks_total);
  }
}
BENCHMARK(BM_ClusterStatusSummaryLive)->Unit(benchmark::kMicrosecond);

// ---- The hand-written baseline -----------------------------------------------------------

// One node as a hand-written scheduler would hold it, its load kept beside it.
struct PlainNode {
  std::string node_id;
  NodeRole role;
  NodeStatus status;
  TimeMs last_heartbeat;
  uint32_t cpu_count;
  double cpu_usage;
  uint64_t memory_total;
  uint64_t memory_available;
  uint32_t gpu_available;
  double reserved_cpu = 0;  // Tasks assigned, not yet running.
  uint64_t reserved_memory = 0;
  uint32_t reserved_gpu = 0;
  uint32_t load = 0;  // Tasks assigned or running.
};

struct PlainTask {
  TaskStatus status;
  uint32_t node;  // Index into the node vector; meaningful when assigned or running.
  TaskRequirements requirements;
};

struct PlainCluster {
  std::vector<PlainNode> nodes;  // Ascending by node_id.
  std::vector<PlainTask> tasks;
};

PlainCluster to_plain(const ClusterSnapshot& snapshot) {
  PlainCluster plain;
  std::map<std::string, uint32_t> index;
  for (const auto& [id, n] : snapshot.nodes) {
    index[id] = static_cast<uint32_t>(plain.nodes.size());
    const Resources& r = n.resources;
    plain.nodes.push_back(PlainNode{id, n.role, n.status, n.last_heartbeat, r.cpu_count,
                                    r.cpu_usage, r.memory_total, r.memory_available,
                                    r.gpu_available});
  }
  for (const auto& [id, t] : snapshot.tasks) {
    bool placed = t.status == TaskStatus::kAssigned || t.status == TaskStatus::kRunning;
    plain.tasks.push_back(
        PlainTask{t.status, placed ? index.at(t.assigned_node_id) : 0, t.requirements});
  }
  return plain;
}

// Sets every node's reserved resources and load from the tasks.
void compute_loads(PlainCluster& plain) {
  for (PlainNode& node : plain.nodes) {
    node.reserved_cpu = 0;
    node.reserved_memory = 0;
    node.reserved_gpu = 0;
    node.load = 0;
  }
  for (const PlainTask& task : plain.tasks) {
    if (task.status != TaskStatus::kAssigned && task.status != TaskStatus::kRunning) continue;
    PlainNode& node = plain.nodes[task.node];
    ++node.load;
    if (task.status == TaskStatus::kAssigned) {
      node.reserved_cpu += task.requirements.cpu;
      node.reserved_memory += task.requirements.memory;
      node.reserved_gpu += task.requirements.gpu;
    }
  }
}

// find_available_node_for_task's selection (queries.h) as one loop: the index of the best node,
// or -1.
int64_t plain_best_node(const std::vector<PlainNode>& nodes, const TaskRequirements& needs,
                        const QueryOptions& options) {
  int64_t best = -1;
  double best_score = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const PlainNode& n = nodes[i];
    if (n.role != NodeRole::kWorker || n.status != NodeStatus::kOnline ||
        options.now - n.last_heartbeat > options.heartbeat_timeout) {
      continue;
    }
    double free_cpu = n.cpu_count * (1.0 - n.cpu_usage) - n.reserved_cpu;
    double free_mem =
        static_cast<double>(n.memory_available) - static_cast<double>(n.reserved_memory);
    double free_gpu = static_cast<double>(n.gpu_available) - static_cast<double>(n.reserved_gpu);
    if (free_cpu < needs.cpu || free_mem < static_cast<double>(needs.memory) ||
        free_gpu < static_cast<double>(needs.gpu)) {
      continue;
    }
    double score = (free_cpu - needs.cpu) / std::max<double>(n.cpu_count, 1) +
                   (free_mem - static_cast<double>(needs.memory)) /
                       std::max<double>(static_cast<double>(n.memory_total), 1) -
                   options.load_weight * n.load;
    if (best < 0 || score > best_score) {
      best = static_cast<int64_t>(i);
      best_score = score;
    }
  }
  return best;
}

// The requirements of the pending tasks, after checking on the first 200 that the plain loop
// picks the node the query picks, on the snapshot and on the live replica (so all do the same
// work).
std::vector<TaskRequirements> checked_pending_requirements(benchmark::State& state,
                                                           const PlainCluster& plain) {
  const ClusterSnapshot& snapshot = prepared_snapshot();
  const QueryOptions options{.now = kNow};
  ClusterQueries queries(snapshot, options), live(prepared(), options);
  std::vector<TaskRequirements> needs;
  for (const std::string& id : pending_task_ids(snapshot)) {
    needs.push_back(snapshot.tasks.at(id).requirements);
    if (needs.size() > 200) continue;
    std::optional<std::string> want = queries.find_available_node_for_task(id);
    int64_t got = plain_best_node(plain.nodes, needs.back(), options);
    if (want.value_or("") != (got < 0 ? "" : plain.nodes[static_cast<size_t>(got)].node_id)) {
      state.SkipWithError("the hand-written loop disagrees with find_available_node_for_task");
    }
    if (live.find_available_node_for_task(id) != want) {
      state.SkipWithError("the live replica's placement disagrees with the snapshot's");
    }
  }
  return needs;
}

void BM_HandWrittenScanForNode(benchmark::State& state) {
  PlainCluster plain = to_plain(prepared_snapshot());
  compute_loads(plain);
  const std::vector<TaskRequirements> needs = checked_pending_requirements(state, plain);
  const QueryOptions options{.now = kNow};
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(plain_best_node(plain.nodes, needs[i], options));
    i = (i + 1) % needs.size();
  }
}
BENCHMARK(BM_HandWrittenScanForNode)->Unit(benchmark::kMicrosecond);

void BM_HandWrittenScanWithLoads(benchmark::State& state) {
  PlainCluster plain = to_plain(prepared_snapshot());
  compute_loads(plain);
  const std::vector<TaskRequirements> needs = checked_pending_requirements(state, plain);
  const QueryOptions options{.now = kNow};
  size_t i = 0;
  for (auto _ : state) {
    compute_loads(plain);
    benchmark::DoNotOptimize(plain_best_node(plain.nodes, needs[i], options));
    i = (i + 1) % needs.size();
  }
}
BENCHMARK(BM_HandWrittenScanWithLoads)->Unit(benchmark::kMicrosecond);

// ---- Operations --------------------------------------------------------------------------

void BM_RegisterNode(benchmark::State& state) {
  ClusterState replica = prepared();
  std::mt19937_64 rng(3);
  NodeInfo node = make_node(rng, 0);
  size_t n = kNodes;
  TimeMs t = kNow;
  for (auto _ : state) {
    node.node_id = node_id(n++);  // A new node each time (part of the timed work, ~50 ns).
    check(replica.register_node(node, ++t), "register_node");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RegisterNode)->Unit(benchmark::kMicrosecond);

void BM_Heartbeat(benchmark::State& state) {
  ClusterState replica = prepared();
  std::vector<std::string> ids;
  for (size_t n = 0; n < kNodes; ++n) ids.push_back(node_id(n));
  Resources resources = replica.node_rows().at(ids[2]).record.resources.value();
  size_t i = 0;
  TimeMs t = kNow;
  for (auto _ : state) {
    resources.cpu_usage = static_cast<double>(i % 100) / 100;  // A fresh report each time.
    check(replica.heartbeat(ids[i], ++t, resources), "heartbeat");
    i = (i + 1) % ids.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Heartbeat)->Unit(benchmark::kMicrosecond);

void BM_AddTask(benchmark::State& state) {
  ClusterState replica = prepared();
  std::mt19937_64 rng(4);
  TaskSpec spec = make_task(rng, 0);
  size_t n = kTasks;
  TimeMs t = kNow;
  for (auto _ : state) {
    spec.task_id = task_id(n++);
    check(replica.add_task(spec, ++t), "add_task");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AddTask)->Unit(benchmark::kMicrosecond);

// Assigns pending and assigned tasks (assigned -> assigned moves them) to workers in turn.
void BM_AssignTask(benchmark::State& state) {
  ClusterState replica = prepared();
  std::vector<std::string> tasks, workers;
  for (const auto& [id, task] : prepared_snapshot().tasks) {
    if (task.status == TaskStatus::kPending || task.status == TaskStatus::kAssigned) {
      tasks.push_back(id);
    }
  }
  for (size_t n = 0; n < kNodes; ++n) {
    if (n % 20 > 1) workers.push_back(node_id(n));
  }
  size_t i = 0;
  TimeMs t = kNow;
  for (auto _ : state) {
    check(replica.assign_task(tasks[i % tasks.size()], workers[i % workers.size()], ++t),
          "assign_task");
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AssignTask)->Unit(benchmark::kMicrosecond);

// One new task through its whole life: add, assign, start, complete (4 operations, 4 items).
void BM_TaskLifecycle(benchmark::State& state) {
  ClusterState replica = prepared();
  std::mt19937_64 rng(5);
  TaskSpec spec = make_task(rng, 0);
  size_t n = kTasks;
  TimeMs t = kNow;
  for (auto _ : state) {
    spec.task_id = task_id(n++);
    check(replica.add_task(spec, ++t), "add_task");
    check(replica.assign_task(spec.task_id, node_id(2 + n % 18), t), "assign_task");
    check(replica.update_task(spec.task_id, {TaskStatus::kRunning, "", ""}, t), "start");
    check(replica.update_task(spec.task_id, {TaskStatus::kCompleted, "bafyresult", ""}, t),
          "complete");
  }
  state.SetItemsProcessed(state.iterations() * 4);
}
BENCHMARK(BM_TaskLifecycle)->Unit(benchmark::kMicrosecond);

// ---- Sync bytes --------------------------------------------------------------------------

// A replica of N rows (N/10 nodes, the rest tasks) gets one heartbeat; its peer has everything
// else. Times delta_since(peer) + encode_delta; delta_bytes is the encoding's size.
void BM_DeltaAfterHeartbeat(benchmark::State& state) {
  const size_t rows = static_cast<size_t>(state.range(0));
  ClusterState replica = build_replica(rows / 10, rows - rows / 10);
  const VersionVector peer = replica.version_vector();
  check(replica.heartbeat(node_id(2), kNow, Resources{16, 0.5, 64 * kGiB, 32 * kGiB, 0, 0, 0, 0}),
        "heartbeat");
  size_t bytes = 0;
  for (auto _ : state) {
    std::string wire = encode_delta(replica.delta_since(peer));
    bytes = wire.size();
    benchmark::DoNotOptimize(wire.data());
  }
  state.counters["delta_bytes"] = static_cast<double>(bytes);
  state.counters["delta_rows"] = static_cast<double>(replica.delta_since(peer).row_count());
  state.counters["snapshot_bytes"] = static_cast<double>(encode_delta(replica.snapshot()).size());
}
BENCHMARK(BM_DeltaAfterHeartbeat)->Arg(1'000)->Arg(100'000)->Unit(benchmark::kMicrosecond);

// ---- Memory per task row -----------------------------------------------------------------

// Heap bytes in use (the main arena's chunks and mmapped blocks; this thread allocates from it).
size_t heap_in_use() {
  struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

// Times building 100,000 tasks (every operation, on a replica that already has 10,000 nodes);
// reports what they add to the heap and to an encoded snapshot, per task. The argument is the
// length of the replica id, which every field's stamp holds.
void BM_MemoryPerTask(benchmark::State& state) {
  const std::string_view id = kPeerReplica.substr(0, static_cast<size_t>(state.range(0)));
  double heap_per_task = 0, wire_per_task = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::optional<ClusterState> replica;
    replica.emplace(build_replica(kNodes, 0, id));
    const size_t wire_before = encode_delta(replica->snapshot()).size();
    malloc_trim(0);
    const size_t heap_before = heap_in_use();
    state.ResumeTiming();
    add_tasks(*replica, kNodes, kTasks);
    state.PauseTiming();
    const size_t heap_after = heap_in_use();
    const size_t wire_after = encode_delta(replica->snapshot()).size();
    heap_per_task = static_cast<double>(heap_after - heap_before) / kTasks;
    wire_per_task = static_cast<double>(wire_after - wire_before) / kTasks;
    replica.reset();
    state.ResumeTiming();
  }
  state.counters["bytes_per_task"] = heap_per_task;
  state.counters["snapshot_bytes_per_task"] = wire_per_task;
  state.SetItemsProcessed(state.iterations() * kTasks);
}
BENCHMARK(BM_MemoryPerTask)
    ->Arg(static_cast<int64_t>(kShortReplica.size()))
    ->Arg(static_cast<int64_t>(kPeerReplica.size()))
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace eddy::kvs

BENCHMARK_MAIN();

// ClusterQueries: read-only questions about the cluster-state tables -- nodes by role, tasks by
// status, where a task can run, cluster totals, task metrics, orphaned content, and a time to
// completion estimate.
//
// Two sources, one set of answers. A ClusterQueries reads either
//   - a ClusterSnapshot (get_state(), a decoded export, the CLI's copy), or
//   - a live ClusterState replica, in place: no copy. The replica is single-threaded and is
//     queried between its operations, so it is a consistent snapshot by construction. Placement,
//     the summary and the estimate's worker count then read the node slots, loads and counters
//     the replica keeps up to date (ClusterState::totals(), table_totals.h):
//     find_available_node_for_task is one pass over a vector of nodes, with no allocation that
//     grows with the tasks, and the summary is O(nodes). The other methods scan the replica's
//     rows as they would a snapshot's.
// Over a replica R, every method answers exactly as it would over R.get_state().
//
// Every answer comes from the one source given at construction, so answers agree with each
// other. Time enters only through QueryOptions::now. A node is *live* when its effective status
// is online or draining; its effective status is its stored status, except that a node whose
// last heartbeat is older than `now - heartbeat_timeout` is reported kOffline (whatever it
// said). Lists are in a deterministic order (stated per method), never hash order.
//
// Holds a reference: REQUIRES the snapshot or replica outlives the ClusterQueries, and a
// replica is not changed while its ClusterQueries is in use (answers would mix states; a
// ClusterQueries may be reused after the change). Const methods only, so concurrent calls on
// one object are safe as long as nothing changes the source.
#ifndef EDDY_KVS_CLUSTER_STATE_QUERIES_H_
#define EDDY_KVS_CLUSTER_STATE_QUERIES_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kvs/cluster_state/snapshot.h"
#include "kvs/cluster_state/stamp.h"
#include "kvs/cluster_state/types.h"

namespace eddy::kvs {

class ClusterState;

struct QueryOptions {
  TimeMs now = 0;                     // The caller's current time.
  TimeMs heartbeat_timeout = 30'000;  // Silence longer than this reads as offline (ms).
  // Weight of one assigned or running task against one whole node's worth of free resources
  // in find_available_node_for_task's score.
  double load_weight = 0.25;
};

// Totals over the cluster (get_cluster_status_summary). Resource sums cover live nodes only.
struct ClusterSummary {
  size_t nodes_total = 0;
  size_t nodes_online = 0;  // Effective status kOnline.
  std::map<NodeRole, size_t> nodes_by_role;
  std::map<NodeStatus, size_t> nodes_by_status;  // Effective statuses.
  uint64_t cpu_cores = 0;
  uint64_t gpu_total = 0;
  uint64_t gpu_available = 0;
  uint64_t memory_total = 0;
  uint64_t memory_available = 0;
  size_t tasks_total = 0;
  std::map<TaskStatus, size_t> tasks_by_status;  // Every status present, zeros included.
  size_t content_count = 0;
  uint64_t content_total_size = 0;  // Bytes.

  friend bool operator==(const ClusterSummary&, const ClusterSummary&) = default;
};

// Task execution metrics (get_task_execution_metrics). Durations are end_time - start_time of
// completed tasks; waits are start_time - submit_time of tasks that started.
struct TaskMetrics {
  size_t total = 0;
  std::map<TaskStatus, size_t> by_status;  // Every status present, zeros included.
  // completed / (completed + failed); empty when no task has finished.
  std::optional<double> success_rate;
  std::optional<double> mean_duration;  // ms; empty when no task completed.
  std::optional<TimeMs> min_duration;
  std::optional<TimeMs> max_duration;
  std::optional<double> mean_wait;  // ms; empty when no task started.

  friend bool operator==(const TaskMetrics&, const TaskMetrics&) = default;
};

class ClusterQueries {
 public:
  // Queries over a copy of the tables.
  ClusterQueries(const ClusterSnapshot& snapshot, QueryOptions options);
  // Queries over a live replica's tables, without copying them (see the top of this file).
  ClusterQueries(const ClusterState& replica, QueryOptions options);

  // The node's stored status, or kOffline when its last heartbeat is older than
  // now - heartbeat_timeout.
  NodeStatus effective_status(const NodeInfo& node) const;

  // The node (status effective), or empty if there is none with that id.
  std::optional<NodeInfo> get_node_by_id(std::string_view node_id) const;
  // Every node (statuses effective), ascending by node_id; so are the next two.
  std::vector<NodeInfo> get_all_nodes() const;
  std::vector<NodeInfo> find_nodes_by_role(NodeRole role) const;
  // Live nodes with resources.gpu_available >= max(min_available, 1).
  std::vector<NodeInfo> find_nodes_with_gpu(uint32_t min_available = 1) const;

  // Tasks in `status`, by priority descending, then submit_time, then task_id; so is the next.
  std::vector<TaskInfo> find_tasks_by_status(TaskStatus status) const;
  // Tasks (any status) whose requirements fit within `capacity` on every dimension:
  // cpu <= capacity.cpu, memory <= capacity.memory, gpu <= capacity.gpu.
  std::vector<TaskInfo> find_tasks_by_resource_requirements(const TaskRequirements& capacity) const;

  // The best node for pending task `task_id`, or empty when the task is unknown, not pending,
  // or fits nowhere. For node n, with reserved(n) = the summed requirements of tasks *assigned*
  // (not yet running) to n -- running ones are already in n's reported resources -- and
  // load(n) = the number of tasks assigned to or running on n:
  //   free_cpu = cpu_count * (1 - cpu_usage) - reserved.cpu
  //   free_mem = memory_available - reserved.memory
  //   free_gpu = gpu_available - reserved.gpu
  // n is a candidate iff it is a worker, its effective status is kOnline, and free_cpu >= cpu,
  // free_mem >= memory, free_gpu >= gpu of the task's requirements. Its score is
  //   (free_cpu - cpu) / max(cpu_count, 1) + (free_mem - memory) / max(memory_total, 1)
  //     - load_weight * load(n)
  // (the fraction of cores and of memory left after placing the task, less a load penalty).
  // The highest score wins; equal scores go to the smallest node_id.
  std::optional<std::string> find_available_node_for_task(std::string_view task_id) const;

  // Counts and totals; see ClusterSummary.
  ClusterSummary get_cluster_status_summary() const;
  // See TaskMetrics.
  TaskMetrics get_task_execution_metrics() const;

  // Content that no task references, ascending by cid. A task (any status) references a cid
  // when it is the task's result_cid or exactly the value of one of its parameters. Pin status
  // does not matter: callers that keep pinned content filter on it.
  std::vector<ContentInfo> find_orphaned_content() const;

  // The estimated time (ms) until every unfinished task is done:
  //   ceil(remaining * mean_duration / workers)
  // with remaining = pending + assigned + running tasks, mean_duration = the mean duration of
  // completed tasks, and workers = workers whose effective status is kOnline. 0 when nothing
  // remains; empty when something remains but no task has completed yet or no worker is online.
  std::optional<TimeMs> estimate_time_to_completion() const;

 private:
  NodeStatus effective_status(NodeStatus stored, TimeMs last_heartbeat) const;
  NodeInfo with_effective_status(NodeInfo node) const;
  // Calls f with the source's tables (queries.cc) and returns what f returns.
  template <class F>
  auto visit(const F& f) const;

  // Exactly one of the two is set.
  const ClusterSnapshot* snapshot_ = nullptr;
  const ClusterState* replica_ = nullptr;
  QueryOptions options_;
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CLUSTER_STATE_QUERIES_H_

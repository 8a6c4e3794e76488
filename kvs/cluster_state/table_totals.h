// TableTotals: figures derived from the live rows of one ClusterState, kept up to date one row
// change at a time so that the queries over a live replica (queries.h) need not rescan or copy
// the tables: a dense slot per node id with the node's placement fields and the load of the
// tasks on it (NodeLoad), the live tasks by status, and the live content's count and bytes.
//
// ClusterState calls update() with a row's contribution before and after every change to it --
// local operations, apply() of deltas and snapshots alike -- so a merge that changes a task's
// effective status, node or requirements moves its contribution from the old place to the new.
// Every figure equals what a from-scratch pass over the live rows computes (loads_by_node for
// the loads), bit for bit: integer sums are kept by adding and subtracting, and a node's
// reserved cpu, a floating-point sum, is re-added in task-id order whenever a task leaves it
// (subtracting would round differently).
//
// Node slots are in the order their ids were first seen and are never removed (node rows are
// never erased either: removal is a tombstone), so placement scans one contiguous vector.
// Plain value type: not thread safe, no ticks; copies are independent.
#ifndef EDDY_KVS_CLUSTER_STATE_TABLE_TOTALS_H_
#define EDDY_KVS_CLUSTER_STATE_TABLE_TOTALS_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "kvs/cluster_state/records.h"
#include "kvs/cluster_state/snapshot.h"
#include "kvs/cluster_state/types.h"

namespace eddy::kvs {

// What the tasks on one node hold of it.
struct NodeLoad {
  TaskRequirements reserved;  // Summed requirements of tasks assigned, not yet running.
  size_t tasks = 0;           // Tasks assigned or running.

  friend bool operator==(const NodeLoad&, const NodeLoad&) = default;
};

// The load of every node that has a task assigned or running, from scratch: the tasks in
// ascending id order, each adding to its node. The definition TableTotals keeps up to date.
std::map<std::string, NodeLoad> loads_by_node(const ClusterSnapshot& snapshot);

// Live tasks by status, indexed by the TaskStatus value.
using TaskStatusCounts = std::array<size_t, 5>;

// What one task row adds to the totals.
struct TaskContribution {
  bool live = false;
  TaskStatus status = TaskStatus::kPending;
  std::string node_id;  // Only when assigned or running.
  TaskRequirements requirements;

  friend bool operator==(const TaskContribution&, const TaskContribution&) = default;
};

// What one content row adds to the totals.
struct ContentContribution {
  bool live = false;
  uint64_t size = 0;

  friend bool operator==(const ContentContribution&, const ContentContribution&) = default;
};

// What one node row adds: the fields placement and the summary read (defaults unless live).
struct NodeContribution {
  bool live = false;
  NodeRole role = NodeRole::kWorker;
  NodeStatus status = NodeStatus::kOnline;  // As stored, not effective.
  TimeMs last_heartbeat = 0;
  Resources resources;

  friend bool operator==(const NodeContribution&, const NodeContribution&) = default;
};

// One node id: its row's contribution and the load of the live tasks on it.
struct NodeSlot {
  std::string node_id;
  NodeContribution node;
  NodeLoad load;
};

class TableTotals {
 public:
  static NodeContribution contribution(const NodeRecord& node);
  static TaskContribution contribution(const TaskRecord& task);
  static ContentContribution contribution(const ContentRecord& content);

  // Replaces row `key`'s contribution `before` (what it added so far; the zero contribution
  // for a new row) by `after`. REQUIRES: `before` is what the last update of `key` passed as
  // `after`.
  void update(const std::string& node_id, const NodeContribution& before,
              const NodeContribution& after);
  void update(const std::string& task_id, const TaskContribution& before,
              const TaskContribution& after);
  void update(const std::string& cid, const ContentContribution& before,
              const ContentContribution& after);

  // A slot for every node id that a node row or a task's assignment has named, in the order
  // first seen (not id order). A slot whose node.live is false has no live row (removed, or
  // known only from its tasks); its load still counts those tasks.
  const std::vector<NodeSlot>& node_slots() const { return slots_; }
  // Node id -> its load, for the nodes (live or not) with a live task assigned or running: the
  // map loads_by_node returns. Built on each call, O(slots): for tests and tools.
  std::map<std::string, NodeLoad> node_loads() const;
  size_t live_tasks() const { return live_tasks_; }
  const TaskStatusCounts& tasks_by_status() const { return tasks_by_status_; }
  size_t live_content() const { return live_content_; }
  uint64_t live_content_bytes() const { return live_content_bytes_; }

 private:
  // (task id, cpu) of the live tasks assigned (not running) to one node, ascending by task id:
  // what the node's reserved cpu is re-added from.
  using AssignedCpu = std::vector<std::pair<std::string, double>>;

  // The index in slots_ of `node_id`, whose slot is added if new.
  uint32_t slot(const std::string& node_id);
  void add_load(const std::string& task_id, const TaskContribution& task);
  void remove_load(const std::string& task_id, const TaskContribution& task);

  std::vector<NodeSlot> slots_;
  std::vector<AssignedCpu> assigned_cpu_;  // By slot index, beside slots_ to keep it dense.
  // Node id -> its index in slots_ (never iterated: its order never shows).
  absl::flat_hash_map<std::string, uint32_t> slot_index_;
  size_t live_tasks_ = 0;
  TaskStatusCounts tasks_by_status_{};
  size_t live_content_ = 0;
  uint64_t live_content_bytes_ = 0;
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CLUSTER_STATE_TABLE_TOTALS_H_

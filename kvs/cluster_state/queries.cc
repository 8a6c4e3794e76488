#include "kvs/cluster_state/queries.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "kvs/cluster_state/cluster_state.h"
#include "kvs/cluster_state/table_totals.h"

namespace eddy::kvs {
namespace {

// ---- One set of field accessors over both kinds of rows ------------------------------------
// A snapshot holds plain NodeInfo / TaskInfo / ContentInfo; a replica holds CRDT records.

NodeRole role_of(const NodeInfo& n) { return n.role; }
NodeRole role_of(const NodeRecord& n) { return n.role.value(); }
NodeStatus status_of(const NodeInfo& n) { return n.status; }
NodeStatus status_of(const NodeRecord& n) { return n.status.value(); }
TimeMs heartbeat_of(const NodeInfo& n) { return n.last_heartbeat; }
TimeMs heartbeat_of(const NodeRecord& n) { return n.last_heartbeat.value(); }
const Resources& resources_of(const NodeInfo& n) { return n.resources; }
const Resources& resources_of(const NodeRecord& n) { return n.resources.value(); }
NodeInfo info_of(const std::string&, const NodeInfo& n) { return n; }
NodeInfo info_of(const std::string& id, const NodeRecord& n) { return n.to_info(id); }

TaskStatus status_of(const TaskInfo& t) { return t.status; }
TaskStatus status_of(const TaskRecord& t) { return t.progress.value().status; }
const TaskRequirements& requirements_of(const TaskInfo& t) { return t.requirements; }
const TaskRequirements& requirements_of(const TaskRecord& t) { return t.requirements.value(); }
TimeMs submit_time_of(const TaskInfo& t) { return t.submit_time; }
TimeMs submit_time_of(const TaskRecord& t) { return t.submit_time.value(); }
TimeMs start_time_of(const TaskInfo& t) { return t.start_time; }
TimeMs start_time_of(const TaskRecord& t) { return t.progress.value().start_time; }
TimeMs end_time_of(const TaskInfo& t) { return t.end_time; }
TimeMs end_time_of(const TaskRecord& t) { return t.progress.value().end_time; }
const std::string& result_cid_of(const TaskInfo& t) { return t.result_cid; }
const std::string& result_cid_of(const TaskRecord& t) { return t.progress.value().result_cid; }
const StringMap& parameters_of(const TaskInfo& t) { return t.parameters; }
const StringMap& parameters_of(const TaskRecord& t) { return t.parameters.value(); }
TaskInfo info_of(const std::string&, const TaskInfo& t) { return t; }
TaskInfo info_of(const std::string& id, const TaskRecord& t) { return t.to_info(id); }

ContentInfo info_of(const std::string&, const ContentInfo& c) { return c; }
ContentInfo info_of(const std::string& id, const ContentRecord& c) { return c.to_info(id); }

// Live tasks by status and in total, live content count and bytes.
struct Counts {
  size_t tasks = 0;
  TaskStatusCounts tasks_by_status{};
  size_t content = 0;
  uint64_t content_bytes = 0;
};

// The fields of a snapshot's node that placement and the summary read.
NodeContribution fields_of(const NodeInfo& n) {
  return NodeContribution{true, n.role, n.status, n.last_heartbeat, n.resources};
}

// ---- The two sources -----------------------------------------------------------------------
// Each offers for_each_{node,task,content}(f) calling f(id, row) in ascending id order over
// the live rows; find_{node,task}(id) (nullptr when absent); for_each_node_fields(f) calling
// f(fields) and for_each_node_with_load(f) calling f(id, fields, load) for every live node, in
// an order of the source's choosing; and counts().

class SnapshotTables {
 public:
  explicit SnapshotTables(const ClusterSnapshot& snapshot) : s_(snapshot) {}

  template <class F>
  void for_each_node(const F& f) const {
    for (const auto& [id, node] : s_.nodes) f(id, node);
  }
  template <class F>
  void for_each_task(const F& f) const {
    for (const auto& [id, task] : s_.tasks) f(id, task);
  }
  template <class F>
  void for_each_content(const F& f) const {
    for (const auto& [cid, content] : s_.content) f(cid, content);
  }
  const NodeInfo* find_node(std::string_view id) const { return find(s_.nodes, id); }
  const TaskInfo* find_task(std::string_view id) const { return find(s_.tasks, id); }
  template <class F>
  void for_each_node_fields(const F& f) const {
    for (const auto& [id, node] : s_.nodes) f(fields_of(node));
  }
  // Ascending id. The loads are computed from scratch: O(tasks).
  template <class F>
  void for_each_node_with_load(const F& f) const {
    const std::map<std::string, NodeLoad> loads = loads_by_node(s_);
    auto load = loads.begin();
    for (const auto& [id, node] : s_.nodes) {
      // Both maps ascend by id: walk them side by side instead of looking loads up.
      while (load != loads.end() && load->first < id) ++load;
      bool loaded = load != loads.end() && load->first == id;
      f(id, fields_of(node), loaded ? load->second : NodeLoad());
    }
  }
  Counts counts() const {
    Counts c;
    c.tasks = s_.tasks.size();
    for (const auto& [id, task] : s_.tasks) ++c.tasks_by_status[static_cast<size_t>(task.status)];
    c.content = s_.content.size();
    for (const auto& [cid, content] : s_.content) c.content_bytes += content.size;
    return c;
  }

 private:
  template <class V>
  static const V* find(const std::map<std::string, V>& rows, std::string_view id) {
    auto it = rows.find(std::string(id));
    return it == rows.end() ? nullptr : &it->second;
  }

  const ClusterSnapshot& s_;
};

class LiveTables {
 public:
  explicit LiveTables(const ClusterState& replica) : r_(replica) {}

  template <class F>
  void for_each_node(const F& f) const {
    for_each_live(r_.node_rows(), f);
  }
  template <class F>
  void for_each_task(const F& f) const {
    for_each_live(r_.task_rows(), f);
  }
  template <class F>
  void for_each_content(const F& f) const {
    for_each_live(r_.content_rows(), f);
  }
  const NodeRecord* find_node(std::string_view id) const { return find(r_.node_rows(), id); }
  const TaskRecord* find_task(std::string_view id) const { return find(r_.task_rows(), id); }
  // The replica's node slots: one contiguous vector, loads kept up to date.
  template <class F>
  void for_each_node_fields(const F& f) const {
    for (const NodeSlot& slot : r_.totals().node_slots()) {
      if (slot.node.live) f(slot.node);
    }
  }
  template <class F>
  void for_each_node_with_load(const F& f) const {
    for (const NodeSlot& slot : r_.totals().node_slots()) {
      if (slot.node.live) f(slot.node_id, slot.node, slot.load);
    }
  }
  Counts counts() const {
    const TableTotals& totals = r_.totals();
    return Counts{totals.live_tasks(), totals.tasks_by_status(), totals.live_content(),
                  totals.live_content_bytes()};
  }

 private:
  template <class R, class F>
  static void for_each_live(const std::map<std::string, Row<R>>& rows, const F& f) {
    for (const auto& [id, row] : rows) {
      if (row.record.live()) f(id, row.record);
    }
  }
  template <class R>
  static const R* find(const std::map<std::string, Row<R>>& rows, std::string_view id) {
    auto it = rows.find(std::string(id));
    return it == rows.end() || !it->second.record.live() ? nullptr : &it->second.record;
  }

  const ClusterState& r_;
};

// ---- Shared pieces -------------------------------------------------------------------------

constexpr TaskStatus kTaskStatuses[] = {TaskStatus::kPending, TaskStatus::kAssigned,
                                        TaskStatus::kRunning, TaskStatus::kCompleted,
                                        TaskStatus::kFailed};

// Every status, zeros included.
std::map<TaskStatus, size_t> status_map(const TaskStatusCounts& counts) {
  std::map<TaskStatus, size_t> out;
  for (TaskStatus status : kTaskStatuses) out[status] = counts[static_cast<size_t>(status)];
  return out;
}

// Scheduling order: priority descending, then submit time, then id.
bool schedules_before(const TaskInfo& a, const TaskInfo& b) {
  if (a.priority != b.priority) return a.priority > b.priority;
  if (a.submit_time != b.submit_time) return a.submit_time < b.submit_time;
  return a.task_id < b.task_id;
}

// The node's score for `needs`, or empty when the task does not fit (formula in queries.h).
std::optional<double> placement_score(const Resources& r, const NodeLoad& load,
                                      const TaskRequirements& needs, double load_weight) {
  double free_cpu = r.cpu_count * (1.0 - r.cpu_usage) - load.reserved.cpu;
  double free_mem =
      static_cast<double>(r.memory_available) - static_cast<double>(load.reserved.memory);
  double free_gpu = static_cast<double>(r.gpu_available) - static_cast<double>(load.reserved.gpu);
  if (free_cpu < needs.cpu || free_mem < static_cast<double>(needs.memory) ||
      free_gpu < static_cast<double>(needs.gpu)) {
    return std::nullopt;
  }
  double cpu_left = (free_cpu - needs.cpu) / std::max<double>(r.cpu_count, 1);
  double mem_left = (free_mem - static_cast<double>(needs.memory)) /
                    std::max<double>(static_cast<double>(r.memory_total), 1);
  return cpu_left + mem_left - load_weight * static_cast<double>(load.tasks);
}

}  // namespace

template <class F>
auto ClusterQueries::visit(const F& f) const {
  if (replica_ != nullptr) return f(LiveTables(*replica_));
  return f(SnapshotTables(*snapshot_));
}

ClusterQueries::ClusterQueries(const ClusterSnapshot& snapshot, QueryOptions options)
    : snapshot_(&snapshot), options_(options) {}

ClusterQueries::ClusterQueries(const ClusterState& replica, QueryOptions options)
    : replica_(&replica), options_(options) {}

NodeStatus ClusterQueries::effective_status(NodeStatus stored, TimeMs last_heartbeat) const {
  if (options_.now - last_heartbeat > options_.heartbeat_timeout) return NodeStatus::kOffline;
  return stored;
}

NodeStatus ClusterQueries::effective_status(const NodeInfo& node) const {
  return effective_status(node.status, node.last_heartbeat);
}

NodeInfo ClusterQueries::with_effective_status(NodeInfo node) const {
  node.status = effective_status(node);
  return node;
}

std::optional<NodeInfo> ClusterQueries::get_node_by_id(std::string_view node_id) const {
  return visit([&](const auto& tables) -> std::optional<NodeInfo> {
    const auto* node = tables.find_node(node_id);
    if (node == nullptr) return std::nullopt;
    return with_effective_status(info_of(std::string(node_id), *node));
  });
}

std::vector<NodeInfo> ClusterQueries::get_all_nodes() const {
  return visit([&](const auto& tables) {
    std::vector<NodeInfo> out;
    tables.for_each_node([&](const std::string& id, const auto& node) {
      out.push_back(with_effective_status(info_of(id, node)));
    });
    return out;
  });
}

std::vector<NodeInfo> ClusterQueries::find_nodes_by_role(NodeRole role) const {
  return visit([&](const auto& tables) {
    std::vector<NodeInfo> out;
    tables.for_each_node([&](const std::string& id, const auto& node) {
      if (role_of(node) == role) out.push_back(with_effective_status(info_of(id, node)));
    });
    return out;
  });
}

std::vector<NodeInfo> ClusterQueries::find_nodes_with_gpu(uint32_t min_available) const {
  return visit([&](const auto& tables) {
    std::vector<NodeInfo> out;
    tables.for_each_node([&](const std::string& id, const auto& node) {
      bool live = effective_status(status_of(node), heartbeat_of(node)) != NodeStatus::kOffline;
      if (live && resources_of(node).gpu_available >= std::max(min_available, 1u)) {
        out.push_back(with_effective_status(info_of(id, node)));
      }
    });
    return out;
  });
}

std::vector<TaskInfo> ClusterQueries::find_tasks_by_status(TaskStatus status) const {
  std::vector<TaskInfo> out = visit([&](const auto& tables) {
    std::vector<TaskInfo> found;
    tables.for_each_task([&](const std::string& id, const auto& task) {
      if (status_of(task) == status) found.push_back(info_of(id, task));
    });
    return found;
  });
  std::sort(out.begin(), out.end(), schedules_before);
  return out;
}

std::vector<TaskInfo> ClusterQueries::find_tasks_by_resource_requirements(
    const TaskRequirements& capacity) const {
  std::vector<TaskInfo> out = visit([&](const auto& tables) {
    std::vector<TaskInfo> found;
    tables.for_each_task([&](const std::string& id, const auto& task) {
      const TaskRequirements& needs = requirements_of(task);
      if (needs.cpu <= capacity.cpu && needs.memory <= capacity.memory &&
          needs.gpu <= capacity.gpu) {
        found.push_back(info_of(id, task));
      }
    });
    return found;
  });
  std::sort(out.begin(), out.end(), schedules_before);
  return out;
}

std::optional<std::string> ClusterQueries::find_available_node_for_task(
    std::string_view task_id) const {
  return visit([&](const auto& tables) -> std::optional<std::string> {
    const auto* task = tables.find_task(task_id);
    if (task == nullptr || status_of(*task) != TaskStatus::kPending) return std::nullopt;
    const TaskRequirements& needs = requirements_of(*task);
    const std::string* best = nullptr;
    double best_score = 0;
    tables.for_each_node_with_load(
        [&](const std::string& id, const NodeContribution& node, const NodeLoad& load) {
          if (node.role != NodeRole::kWorker ||
              effective_status(node.status, node.last_heartbeat) != NodeStatus::kOnline) {
            return;
          }
          std::optional<double> score =
              placement_score(node.resources, load, needs, options_.load_weight);
          if (!score.has_value()) return;
          // The highest score, then the smallest id (the nodes may come in any order).
          if (best == nullptr || *score > best_score || (*score == best_score && id < *best)) {
            best = &id;
            best_score = *score;
          }
        });
    if (best == nullptr) return std::nullopt;
    return *best;
  });
}

ClusterSummary ClusterQueries::get_cluster_status_summary() const {
  return visit([&](const auto& tables) {
    ClusterSummary s;
    tables.for_each_node_fields([&](const NodeContribution& node) {
      NodeStatus status = effective_status(node.status, node.last_heartbeat);
      ++s.nodes_total;
      ++s.nodes_by_role[node.role];
      ++s.nodes_by_status[status];
      if (status == NodeStatus::kOnline) ++s.nodes_online;
      if (status == NodeStatus::kOffline) return;
      const Resources& r = node.resources;
      s.cpu_cores += r.cpu_count;
      s.gpu_total += r.gpu_count;
      s.gpu_available += r.gpu_available;
      s.memory_total += r.memory_total;
      s.memory_available += r.memory_available;
    });
    Counts counts = tables.counts();
    s.tasks_total = counts.tasks;
    s.tasks_by_status = status_map(counts.tasks_by_status);
    s.content_count = counts.content;
    s.content_total_size = counts.content_bytes;
    return s;
  });
}

TaskMetrics ClusterQueries::get_task_execution_metrics() const {
  TaskMetrics m;
  TaskStatusCounts by_status{};
  double duration_sum = 0, wait_sum = 0;
  size_t started = 0;
  visit([&](const auto& tables) {
    tables.for_each_task([&](const std::string&, const auto& task) {
      ++m.total;
      ++by_status[static_cast<size_t>(status_of(task))];
      if (start_time_of(task) != 0) {
        ++started;
        wait_sum += static_cast<double>(start_time_of(task) - submit_time_of(task));
      }
      if (status_of(task) != TaskStatus::kCompleted) return;
      TimeMs duration = end_time_of(task) - start_time_of(task);
      duration_sum += static_cast<double>(duration);
      m.min_duration = std::min(m.min_duration.value_or(duration), duration);
      m.max_duration = std::max(m.max_duration.value_or(duration), duration);
    });
  });
  m.by_status = status_map(by_status);
  size_t completed = m.by_status[TaskStatus::kCompleted];
  size_t finished = completed + m.by_status[TaskStatus::kFailed];
  if (finished > 0) m.success_rate = static_cast<double>(completed) / finished;
  if (completed > 0) m.mean_duration = duration_sum / static_cast<double>(completed);
  if (started > 0) m.mean_wait = wait_sum / static_cast<double>(started);
  return m;
}

std::vector<ContentInfo> ClusterQueries::find_orphaned_content() const {
  return visit([&](const auto& tables) {
    std::set<std::string> referenced;
    tables.for_each_task([&](const std::string&, const auto& task) {
      if (!result_cid_of(task).empty()) referenced.insert(result_cid_of(task));
      for (const auto& [key, value] : parameters_of(task)) referenced.insert(value);
    });
    std::vector<ContentInfo> out;
    tables.for_each_content([&](const std::string& cid, const auto& content) {
      if (!referenced.contains(cid)) out.push_back(info_of(cid, content));
    });
    return out;
  });
}

std::optional<TimeMs> ClusterQueries::estimate_time_to_completion() const {
  TaskMetrics metrics = get_task_execution_metrics();
  size_t remaining = metrics.by_status[TaskStatus::kPending] +
                     metrics.by_status[TaskStatus::kAssigned] +
                     metrics.by_status[TaskStatus::kRunning];
  if (remaining == 0) return 0;
  size_t workers = visit([&](const auto& tables) {
    size_t online = 0;
    tables.for_each_node_fields([&](const NodeContribution& node) {
      if (node.role == NodeRole::kWorker &&
          effective_status(node.status, node.last_heartbeat) == NodeStatus::kOnline) {
        ++online;
      }
    });
    return online;
  });
  if (!metrics.mean_duration.has_value() || workers == 0) return std::nullopt;
  double estimate =
      static_cast<double>(remaining) * *metrics.mean_duration / static_cast<double>(workers);
  return static_cast<TimeMs>(std::ceil(estimate));
}

}  // namespace eddy::kvs

#include "kvs/cluster_state/queries.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

namespace eddy::kvs {
namespace {

// What the tasks on one node hold of it.
struct NodeLoad {
  TaskRequirements reserved;  // Summed requirements of tasks assigned, not yet running.
  size_t tasks = 0;           // Tasks assigned or running.
};

std::map<std::string, NodeLoad> loads_by_node(const ClusterSnapshot& snapshot) {
  std::map<std::string, NodeLoad> loads;
  for (const auto& [id, task] : snapshot.tasks) {
    if (task.status != TaskStatus::kAssigned && task.status != TaskStatus::kRunning) continue;
    NodeLoad& load = loads[task.assigned_node_id];
    ++load.tasks;
    if (task.status == TaskStatus::kAssigned) {
      load.reserved.cpu += task.requirements.cpu;
      load.reserved.memory += task.requirements.memory;
      load.reserved.gpu += task.requirements.gpu;
    }
  }
  return loads;
}

// Scheduling order: priority descending, then submit time, then id.
bool schedules_before(const TaskInfo& a, const TaskInfo& b) {
  if (a.priority != b.priority) return a.priority > b.priority;
  if (a.submit_time != b.submit_time) return a.submit_time < b.submit_time;
  return a.task_id < b.task_id;
}

std::map<TaskStatus, size_t> zero_task_counts() {
  std::map<TaskStatus, size_t> counts;
  for (auto status : {TaskStatus::kPending, TaskStatus::kAssigned, TaskStatus::kRunning,
                      TaskStatus::kCompleted, TaskStatus::kFailed}) {
    counts[status] = 0;
  }
  return counts;
}

// The node's score for `needs`, or empty when the task does not fit (formula in queries.h).
std::optional<double> placement_score(const NodeInfo& node, const NodeLoad& load,
                                      const TaskRequirements& needs, double load_weight) {
  const Resources& r = node.resources;
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

ClusterQueries::ClusterQueries(const ClusterSnapshot& snapshot, QueryOptions options)
    : snapshot_(snapshot), options_(options) {}

NodeStatus ClusterQueries::effective_status(const NodeInfo& node) const {
  if (options_.now - node.last_heartbeat > options_.heartbeat_timeout) return NodeStatus::kOffline;
  return node.status;
}

NodeInfo ClusterQueries::with_effective_status(const NodeInfo& node) const {
  NodeInfo copy = node;
  copy.status = effective_status(node);
  return copy;
}

bool ClusterQueries::is_live(const NodeInfo& node) const {
  return effective_status(node) != NodeStatus::kOffline;
}

std::optional<NodeInfo> ClusterQueries::get_node_by_id(std::string_view node_id) const {
  auto it = snapshot_.nodes.find(std::string(node_id));
  if (it == snapshot_.nodes.end()) return std::nullopt;
  return with_effective_status(it->second);
}

std::vector<NodeInfo> ClusterQueries::get_all_nodes() const {
  std::vector<NodeInfo> out;
  for (const auto& [id, node] : snapshot_.nodes) out.push_back(with_effective_status(node));
  return out;
}

std::vector<NodeInfo> ClusterQueries::find_nodes_by_role(NodeRole role) const {
  std::vector<NodeInfo> out;
  for (const auto& [id, node] : snapshot_.nodes) {
    if (node.role == role) out.push_back(with_effective_status(node));
  }
  return out;
}

std::vector<NodeInfo> ClusterQueries::find_nodes_with_gpu(uint32_t min_available) const {
  std::vector<NodeInfo> out;
  for (const auto& [id, node] : snapshot_.nodes) {
    if (is_live(node) && node.resources.gpu_available >= std::max(min_available, 1u)) {
      out.push_back(with_effective_status(node));
    }
  }
  return out;
}

std::vector<TaskInfo> ClusterQueries::find_tasks_by_status(TaskStatus status) const {
  std::vector<TaskInfo> out;
  for (const auto& [id, task] : snapshot_.tasks) {
    if (task.status == status) out.push_back(task);
  }
  std::sort(out.begin(), out.end(), schedules_before);
  return out;
}

std::vector<TaskInfo> ClusterQueries::find_tasks_by_resource_requirements(
    const TaskRequirements& capacity) const {
  std::vector<TaskInfo> out;
  for (const auto& [id, task] : snapshot_.tasks) {
    const TaskRequirements& needs = task.requirements;
    if (needs.cpu <= capacity.cpu && needs.memory <= capacity.memory && needs.gpu <= capacity.gpu) {
      out.push_back(task);
    }
  }
  std::sort(out.begin(), out.end(), schedules_before);
  return out;
}

std::optional<std::string> ClusterQueries::find_available_node_for_task(
    std::string_view task_id) const {
  auto task = snapshot_.tasks.find(std::string(task_id));
  if (task == snapshot_.tasks.end() || task->second.status != TaskStatus::kPending) {
    return std::nullopt;
  }
  std::map<std::string, NodeLoad> loads = loads_by_node(snapshot_);
  std::optional<std::string> best;
  double best_score = 0;
  for (const auto& [id, node] : snapshot_.nodes) {  // Ascending id: ties keep the first.
    if (node.role != NodeRole::kWorker || effective_status(node) != NodeStatus::kOnline) continue;
    auto load = loads.find(id);
    std::optional<double> score =
        placement_score(node, load == loads.end() ? NodeLoad{} : load->second,
                        task->second.requirements, options_.load_weight);
    if (score.has_value() && (!best.has_value() || *score > best_score)) {
      best = id;
      best_score = *score;
    }
  }
  return best;
}

ClusterSummary ClusterQueries::get_cluster_status_summary() const {
  ClusterSummary s;
  s.nodes_total = snapshot_.nodes.size();
  for (const auto& [id, node] : snapshot_.nodes) {
    NodeStatus status = effective_status(node);
    ++s.nodes_by_role[node.role];
    ++s.nodes_by_status[status];
    if (status == NodeStatus::kOnline) ++s.nodes_online;
    if (status == NodeStatus::kOffline) continue;
    s.cpu_cores += node.resources.cpu_count;
    s.gpu_total += node.resources.gpu_count;
    s.gpu_available += node.resources.gpu_available;
    s.memory_total += node.resources.memory_total;
    s.memory_available += node.resources.memory_available;
  }
  s.tasks_total = snapshot_.tasks.size();
  s.tasks_by_status = zero_task_counts();
  for (const auto& [id, task] : snapshot_.tasks) ++s.tasks_by_status[task.status];
  s.content_count = snapshot_.content.size();
  for (const auto& [cid, content] : snapshot_.content) s.content_total_size += content.size;
  return s;
}

TaskMetrics ClusterQueries::get_task_execution_metrics() const {
  TaskMetrics m;
  m.total = snapshot_.tasks.size();
  m.by_status = zero_task_counts();
  double duration_sum = 0, wait_sum = 0;
  size_t started = 0;
  for (const auto& [id, task] : snapshot_.tasks) {
    ++m.by_status[task.status];
    if (task.start_time != 0) {
      ++started;
      wait_sum += static_cast<double>(task.start_time - task.submit_time);
    }
    if (task.status != TaskStatus::kCompleted) continue;
    TimeMs duration = task.end_time - task.start_time;
    duration_sum += static_cast<double>(duration);
    m.min_duration = std::min(m.min_duration.value_or(duration), duration);
    m.max_duration = std::max(m.max_duration.value_or(duration), duration);
  }
  size_t completed = m.by_status[TaskStatus::kCompleted];
  size_t finished = completed + m.by_status[TaskStatus::kFailed];
  if (finished > 0) m.success_rate = static_cast<double>(completed) / finished;
  if (completed > 0) m.mean_duration = duration_sum / static_cast<double>(completed);
  if (started > 0) m.mean_wait = wait_sum / static_cast<double>(started);
  return m;
}

std::vector<ContentInfo> ClusterQueries::find_orphaned_content() const {
  std::set<std::string> referenced;
  for (const auto& [id, task] : snapshot_.tasks) {
    if (!task.result_cid.empty()) referenced.insert(task.result_cid);
    for (const auto& [key, value] : task.parameters) referenced.insert(value);
  }
  std::vector<ContentInfo> out;
  for (const auto& [cid, content] : snapshot_.content) {
    if (!referenced.contains(cid)) out.push_back(content);
  }
  return out;
}

std::optional<TimeMs> ClusterQueries::estimate_time_to_completion() const {
  TaskMetrics metrics = get_task_execution_metrics();
  size_t remaining = metrics.by_status[TaskStatus::kPending] +
                     metrics.by_status[TaskStatus::kAssigned] +
                     metrics.by_status[TaskStatus::kRunning];
  if (remaining == 0) return 0;
  size_t workers = 0;
  for (const auto& [id, node] : snapshot_.nodes) {
    if (node.role == NodeRole::kWorker && effective_status(node) == NodeStatus::kOnline) {
      ++workers;
    }
  }
  if (!metrics.mean_duration.has_value() || workers == 0) return std::nullopt;
  double estimate =
      static_cast<double>(remaining) * *metrics.mean_duration / static_cast<double>(workers);
  return static_cast<TimeMs>(std::ceil(estimate));
}

}  // namespace eddy::kvs

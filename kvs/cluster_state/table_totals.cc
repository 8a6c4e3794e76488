#include "kvs/cluster_state/table_totals.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace eddy::kvs {
namespace {

bool on_node(TaskStatus status) {
  return status == TaskStatus::kAssigned || status == TaskStatus::kRunning;
}

// The cpus in order, added from 0: what loads_by_node computes for them.
double sum(const std::vector<std::pair<std::string, double>>& cpus) {
  double total = 0;
  for (const auto& [id, cpu] : cpus) total += cpu;
  return total;
}

[[noreturn]] void broken(const char* invariant) {
  std::fprintf(stderr, "TableTotals: broken invariant: %s\n", invariant);
  std::abort();
}

}  // namespace

std::map<std::string, NodeLoad> loads_by_node(const ClusterSnapshot& snapshot) {
  std::map<std::string, NodeLoad> loads;
  for (const auto& [id, task] : snapshot.tasks) {
    if (!on_node(task.status)) continue;
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

NodeContribution TableTotals::contribution(const NodeRecord& node) {
  NodeContribution c;
  c.live = node.live();
  if (!c.live) return c;
  c.role = node.role.value();
  c.status = node.status.value();
  c.last_heartbeat = node.last_heartbeat.value();
  c.resources = node.resources.value();
  return c;
}

TaskContribution TableTotals::contribution(const TaskRecord& task) {
  TaskContribution c;
  c.live = task.live();
  if (!c.live) return c;
  const TaskProgress& progress = task.progress.value();
  c.status = progress.status;
  if (on_node(c.status)) c.node_id = progress.assigned_node_id;
  c.requirements = task.requirements.value();
  return c;
}

ContentContribution TableTotals::contribution(const ContentRecord& content) {
  ContentContribution c;
  c.live = content.live();
  if (c.live) c.size = content.size.value();
  return c;
}

std::map<std::string, NodeLoad> TableTotals::node_loads() const {
  std::map<std::string, NodeLoad> loads;
  for (const NodeSlot& s : slots_) {
    if (s.load.tasks > 0) loads.emplace(s.node_id, s.load);
  }
  return loads;
}

uint32_t TableTotals::slot(const std::string& node_id) {
  auto [it, added] = slot_index_.try_emplace(node_id, static_cast<uint32_t>(slots_.size()));
  if (added) {
    slots_.push_back(NodeSlot{node_id, NodeContribution(), NodeLoad()});
    assigned_cpu_.emplace_back();
  }
  return it->second;
}

void TableTotals::update(const std::string& node_id, const NodeContribution& before,
                         const NodeContribution& after) {
  if (before != after) slots_[slot(node_id)].node = after;
}

void TableTotals::update(const std::string& task_id, const TaskContribution& before,
                         const TaskContribution& after) {
  if (before == after) return;
  if (before.live) {
    if (live_tasks_ == 0 || tasks_by_status_[static_cast<size_t>(before.status)] == 0) {
      broken("a live task leaves a status that counts none");
    }
    --live_tasks_;
    --tasks_by_status_[static_cast<size_t>(before.status)];
    if (on_node(before.status)) remove_load(task_id, before);
  }
  if (after.live) {
    ++live_tasks_;
    ++tasks_by_status_[static_cast<size_t>(after.status)];
    if (on_node(after.status)) add_load(task_id, after);
  }
}

void TableTotals::update(const std::string&, const ContentContribution& before,
                         const ContentContribution& after) {
  if (before.live) {
    --live_content_;
    live_content_bytes_ -= before.size;
  }
  if (after.live) {
    ++live_content_;
    live_content_bytes_ += after.size;
  }
}

void TableTotals::add_load(const std::string& task_id, const TaskContribution& task) {
  uint32_t i = slot(task.node_id);
  NodeLoad& load = slots_[i].load;
  ++load.tasks;
  if (task.status != TaskStatus::kAssigned) return;
  load.reserved.memory += task.requirements.memory;
  load.reserved.gpu += task.requirements.gpu;
  AssignedCpu& cpus = assigned_cpu_[i];
  auto at =
      std::lower_bound(cpus.begin(), cpus.end(), task_id,
                       [](const auto& entry, const std::string& id) { return entry.first < id; });
  if (at != cpus.end() && at->first == task_id) broken("a task is assigned to a node twice");
  bool last = at == cpus.end();
  cpus.emplace(at, task_id, task.requirements.cpu);
  // Last in id order: adding gives the same sum as re-adding.
  load.reserved.cpu = last ? load.reserved.cpu + task.requirements.cpu : sum(cpus);
}

void TableTotals::remove_load(const std::string& task_id, const TaskContribution& task) {
  auto index = slot_index_.find(task.node_id);
  if (index == slot_index_.end() || slots_[index->second].load.tasks == 0) {
    broken("a task leaves a node with no load");
  }
  NodeLoad& load = slots_[index->second].load;
  --load.tasks;
  if (task.status != TaskStatus::kAssigned) return;
  load.reserved.memory -= task.requirements.memory;
  load.reserved.gpu -= task.requirements.gpu;
  AssignedCpu& cpus = assigned_cpu_[index->second];
  auto at =
      std::lower_bound(cpus.begin(), cpus.end(), task_id,
                       [](const auto& entry, const std::string& id) { return entry.first < id; });
  if (at == cpus.end() || at->first != task_id) {
    broken("an assigned task leaves a node it was not reserved on");
  }
  cpus.erase(at);
  load.reserved.cpu = sum(cpus);
}

}  // namespace eddy::kvs

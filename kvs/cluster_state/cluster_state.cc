// ClusterState: the operations and get_state(). Sync lives in cluster_state_sync.cc.
#include "kvs/cluster_state/cluster_state.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

namespace eddy::kvs {
namespace {

// Returns why `r` is out of range, or "" when it is fine.
std::string resources_error(const Resources& r) {
  if (!(r.cpu_usage >= 0 && r.cpu_usage <= 1)) return "cpu_usage must be in [0, 1]";
  if (r.memory_available > r.memory_total) return "memory_available exceeds memory_total";
  if (r.disk_free > r.disk_total) return "disk_free exceeds disk_total";
  if (r.gpu_available > r.gpu_count) return "gpu_available exceeds gpu_count";
  return "";
}

OpResult not_found(std::string_view what, std::string_view id) {
  std::string message = "no ";
  message.append(what).append(" '").append(id).append("'");
  return OpResult::error(OpCode::kNotFound, std::move(message));
}

OpResult invalid_argument(std::string message) {
  return OpResult::error(OpCode::kInvalidArgument, std::move(message));
}

template <class R>
const Row<R>* find_live(const std::map<std::string, Row<R>>& rows, const std::string& key) {
  auto it = rows.find(key);
  return it != rows.end() && it->second.record.live() ? &it->second : nullptr;
}

}  // namespace

ClusterState::ClusterState(std::string replica_id, ClusterStateOptions options)
    : replica_id_(std::move(replica_id)), options_(std::move(options)) {
  if (replica_id_.empty()) {
    std::fprintf(stderr, "ClusterState: the replica id must be non-empty\n");
    std::abort();
  }
}

Dot ClusterState::Change::dot() const { return Dot{stamp.replica, counter}; }

ClusterState::Change ClusterState::begin_change(TimeMs now) {
  Change change;
  change.counter = version_.increment(replica_id_);
  change.stamp = clock_.tick(now, replica_id_);
  return change;
}

void ClusterState::record_version(const RowKey& key, const VersionVector& before,
                                  const VersionVector& after) {
  index_.update(key, before, after);
}

template <class R>
void ClusterState::commit(Table table, std::map<std::string, Row<R>>& rows, const std::string& key,
                          const R& write, const Change& change) {
  Row<R>& row = rows[key];
  VersionVector before = row.version;
  auto contributed = TableTotals::contribution(row.record);
  row.record.merge(write, options_.resolvers);
  row.version.merge(VersionVector{{replica_id_, change.counter}});
  totals_.update(key, contributed, TableTotals::contribution(row.record));
  record_version(RowKey{table, key}, before, row.version);
  touch_metadata(change);
}

void ClusterState::touch_metadata(const Change& change) {
  VersionVector before = metadata_.version;
  metadata_.record.last_updated.merge(Max<TimeMs>(change.stamp.time));
  metadata_.version.merge(VersionVector{{replica_id_, change.counter}});
  record_version(RowKey{Table::kMetadata, ""}, before, metadata_.version);
}

const Row<NodeRecord>* ClusterState::live_node(const std::string& node_id) const {
  return find_live(nodes_, node_id);
}
const Row<TaskRecord>* ClusterState::live_task(const std::string& task_id) const {
  return find_live(tasks_, task_id);
}
const Row<ContentRecord>* ClusterState::live_content(const std::string& cid) const {
  return find_live(content_, cid);
}

// ---- Nodes ----------------------------------------------------------------------------------

OpResult ClusterState::register_node(const NodeInfo& node, TimeMs now) {
  if (node.node_id.empty()) return invalid_argument("node_id must be non-empty");
  if (std::string error = resources_error(node.resources); !error.empty()) {
    return invalid_argument(std::move(error));
  }
  Change change = begin_change(now);
  const Stamp& s = change.stamp;
  NodeRecord write;
  auto existing = nodes_.find(node.node_id);
  if (existing != nodes_.end()) {
    // Start from the current sets so that assigning them removes exactly the observed rest.
    write.capabilities = existing->second.record.capabilities;
    write.metadata = existing->second.record.metadata;
  }
  write.present.set(true, s);
  write.peer_id.set(node.peer_id, s);
  write.role.set(node.role, s);
  write.address.set(node.address, s);
  write.status.set(node.status, s);
  write.last_heartbeat.set(now, s);
  write.resources.set(node.resources, s);
  for (const std::string& capability : write.capabilities.elements()) {
    if (!node.capabilities.contains(capability)) write.capabilities.remove(capability);
  }
  for (const std::string& capability : node.capabilities) {
    if (!write.capabilities.contains(capability)) write.capabilities.add(capability, change.dot());
  }
  write.metadata.assign(node.metadata, s);
  commit(Table::kNodes, nodes_, node.node_id, write, change);
  return OpResult::success();
}

OpResult ClusterState::update_node_status(const std::string& node_id, NodeStatus status,
                                          TimeMs now) {
  if (live_node(node_id) == nullptr) return not_found("node", node_id);
  Change change = begin_change(now);
  NodeRecord write;
  write.status.set(status, change.stamp);
  commit(Table::kNodes, nodes_, node_id, write, change);
  return OpResult::success();
}

OpResult ClusterState::heartbeat(const std::string& node_id, TimeMs now,
                                 const std::optional<Resources>& resources) {
  if (live_node(node_id) == nullptr) return not_found("node", node_id);
  if (resources.has_value()) {
    if (std::string error = resources_error(*resources); !error.empty()) {
      return invalid_argument(std::move(error));
    }
  }
  Change change = begin_change(now);
  NodeRecord write;
  write.last_heartbeat.set(now, change.stamp);
  if (resources.has_value()) write.resources.set(*resources, change.stamp);
  commit(Table::kNodes, nodes_, node_id, write, change);
  return OpResult::success();
}

OpResult ClusterState::remove_node(const std::string& node_id, TimeMs now) {
  if (live_node(node_id) == nullptr) return not_found("node", node_id);
  Change change = begin_change(now);
  NodeRecord write;
  write.present.set(false, change.stamp);
  commit(Table::kNodes, nodes_, node_id, write, change);
  return OpResult::success();
}

// ---- Tasks ----------------------------------------------------------------------------------

OpResult ClusterState::add_task(const TaskSpec& spec, TimeMs now) {
  if (options_.scope != SyncScope::kFull) return invalid_argument("a leecher keeps no tasks");
  if (spec.task_id.empty()) return invalid_argument("task_id must be non-empty");
  if (!(spec.requirements.cpu >= 0) || !std::isfinite(spec.requirements.cpu)) {
    return invalid_argument("the cpu requirement must be finite and >= 0");
  }
  if (live_task(spec.task_id) != nullptr) {
    return OpResult::error(OpCode::kAlreadyExists, "task '" + spec.task_id + "' already exists");
  }
  Change change = begin_change(now);
  const Stamp& s = change.stamp;
  TaskRecord write;
  write.present.set(true, s);
  write.task_type.set(spec.task_type, s);
  write.priority.set(spec.priority, s);
  write.parameters.set(spec.parameters, s);
  write.requirements.set(spec.requirements, s);
  write.submit_time.set(now, s);
  write.progress.set(TaskProgress{}, s);  // Pending, on no node.
  commit(Table::kTasks, tasks_, spec.task_id, write, change);
  return OpResult::success();
}

OpResult ClusterState::assign_task(const std::string& task_id, const std::string& node_id,
                                   TimeMs now) {
  const Row<TaskRecord>* task = live_task(task_id);
  if (task == nullptr) return not_found("task", task_id);
  if (live_node(node_id) == nullptr) return not_found("node", node_id);
  TaskStatus status = task->record.progress.value().status;
  if (status != TaskStatus::kPending && status != TaskStatus::kAssigned) {
    return OpResult::error(OpCode::kInvalidTransition,
                           "task '" + task_id + "' is " + std::string(to_string(status)) +
                               "; only pending or assigned tasks can be assigned");
  }
  Change change = begin_change(now);
  TaskProgress progress;
  progress.status = TaskStatus::kAssigned;
  progress.assigned_node_id = node_id;
  TaskRecord write;
  write.progress.set(std::move(progress), change.stamp);
  commit(Table::kTasks, tasks_, task_id, write, change);
  return OpResult::success();
}

OpResult ClusterState::update_task(const std::string& task_id, const TaskUpdate& update,
                                   TimeMs now) {
  const Row<TaskRecord>* task = live_task(task_id);
  if (task == nullptr) return not_found("task", task_id);
  TaskProgress progress = task->record.progress.value();
  bool legal =
      (progress.status == TaskStatus::kAssigned && update.status == TaskStatus::kRunning) ||
      (progress.status == TaskStatus::kRunning &&
       (update.status == TaskStatus::kCompleted || update.status == TaskStatus::kFailed));
  if (!legal) {
    std::string message = "task '" + task_id + "' cannot go from ";
    message.append(to_string(progress.status)).append(" to ").append(to_string(update.status));
    return OpResult::error(OpCode::kInvalidTransition, std::move(message));
  }
  if (update.status != TaskStatus::kCompleted && !update.result_cid.empty()) {
    return invalid_argument("only a completed task has a result_cid");
  }
  if (update.status != TaskStatus::kFailed && !update.error_message.empty()) {
    return invalid_argument("only a failed task has an error_message");
  }
  Change change = begin_change(now);
  progress.status = update.status;
  if (update.status == TaskStatus::kRunning) {
    progress.start_time = now;
  } else {
    progress.end_time = now;
    progress.result_cid = update.result_cid;
    progress.error_message = update.error_message;
  }
  TaskRecord write;
  write.progress.set(std::move(progress), change.stamp);
  commit(Table::kTasks, tasks_, task_id, write, change);
  return OpResult::success();
}

// ---- Content --------------------------------------------------------------------------------

OpResult ClusterState::add_content(const std::string& cid, uint64_t size,
                                   uint32_t replication_factor, TimeMs now) {
  if (options_.scope != SyncScope::kFull) return invalid_argument("a leecher keeps no content");
  if (cid.empty()) return invalid_argument("cid must be non-empty");
  if (replication_factor == 0) return invalid_argument("replication_factor must be >= 1");
  if (live_content(cid) != nullptr) {
    return OpResult::error(OpCode::kAlreadyExists, "content '" + cid + "' already exists");
  }
  Change change = begin_change(now);
  const Stamp& s = change.stamp;
  ContentRecord write;
  auto existing = content_.find(cid);
  if (existing != content_.end()) {
    // Re-added after a removal: providers start empty again.
    write.providers = existing->second.record.providers;
    write.providers.clear();
  }
  write.present.set(true, s);
  write.size.set(size, s);
  write.replication_factor.set(replication_factor, s);
  write.pin_status.set(PinStatus::kUnpinned, s);
  write.last_access_time.set(now, s);
  commit(Table::kContent, content_, cid, write, change);
  return OpResult::success();
}

OpResult ClusterState::write_content(
    const std::string& cid, TimeMs now,
    const std::function<void(ContentRecord&, const Change&)>& fill) {
  if (live_content(cid) == nullptr) return not_found("content", cid);
  Change change = begin_change(now);
  ContentRecord write;
  fill(write, change);
  commit(Table::kContent, content_, cid, write, change);
  return OpResult::success();
}

OpResult ClusterState::remove_content(const std::string& cid, TimeMs now) {
  return write_content(cid, now, [](ContentRecord& write, const Change& change) {
    write.present.set(false, change.stamp);
  });
}

OpResult ClusterState::add_content_provider(const std::string& cid, const std::string& node_id,
                                            TimeMs now) {
  const Row<ContentRecord>* content = live_content(cid);
  if (content == nullptr) return not_found("content", cid);
  if (live_node(node_id) == nullptr) return not_found("node", node_id);
  if (content->record.providers.contains(node_id)) return OpResult::success();
  return write_content(cid, now, [&node_id](ContentRecord& write, const Change& change) {
    write.providers.add(node_id, change.dot());
  });
}

OpResult ClusterState::remove_content_provider(const std::string& cid, const std::string& node_id,
                                               TimeMs now) {
  const Row<ContentRecord>* content = live_content(cid);
  if (content == nullptr) return not_found("content", cid);
  if (!content->record.providers.contains(node_id)) {
    return not_found("provider of '" + cid + "' named", node_id);
  }
  OrSet<std::string> providers = content->record.providers;
  providers.remove(node_id);
  return write_content(
      cid, now, [&providers](ContentRecord& write, const Change&) { write.providers = providers; });
}

OpResult ClusterState::pin_content(const std::string& cid, TimeMs now) {
  return write_content(cid, now, [](ContentRecord& write, const Change& change) {
    write.pin_status.set(PinStatus::kPinned, change.stamp);
  });
}

OpResult ClusterState::unpin_content(const std::string& cid, TimeMs now) {
  return write_content(cid, now, [](ContentRecord& write, const Change& change) {
    write.pin_status.set(PinStatus::kUnpinned, change.stamp);
  });
}

OpResult ClusterState::touch_content(const std::string& cid, TimeMs now) {
  return write_content(cid, now, [now](ContentRecord& write, const Change& change) {
    write.last_access_time.set(now, change.stamp);
  });
}

// ---- Metadata -------------------------------------------------------------------------------

OpResult ClusterState::configure_cluster(const std::string& cluster_id,
                                         const std::string& master_id, TimeMs now) {
  if (cluster_id.empty()) return invalid_argument("cluster_id must be non-empty");
  Change change = begin_change(now);
  metadata_.record.cluster_id.set(cluster_id, change.stamp,
                                  options_.resolvers.get<Field::kMetadataClusterId>());
  metadata_.record.master_id.set(master_id, change.stamp,
                                 options_.resolvers.get<Field::kMetadataMasterId>());
  metadata_.record.schema_version.set(kClusterStateSchemaVersion, change.stamp,
                                      options_.resolvers.get<Field::kMetadataSchemaVersion>());
  touch_metadata(change);
  return OpResult::success();
}

OpResult ClusterState::set_master(const std::string& master_id, TimeMs now) {
  if (master_id.empty()) return invalid_argument("master_id must be non-empty");
  Change change = begin_change(now);
  metadata_.record.master_id.set(master_id, change.stamp,
                                 options_.resolvers.get<Field::kMetadataMasterId>());
  touch_metadata(change);
  return OpResult::success();
}

// ---- Reads ----------------------------------------------------------------------------------

ClusterSnapshot ClusterState::get_state() const {
  ClusterSnapshot snapshot;
  for (const auto& [id, row] : nodes_) {
    if (row.record.live()) snapshot.nodes.emplace(id, row.record.to_info(id));
  }
  for (const auto& [id, row] : tasks_) {
    if (row.record.live()) snapshot.tasks.emplace(id, row.record.to_info(id));
  }
  for (const auto& [cid, row] : content_) {
    if (row.record.live()) snapshot.content.emplace(cid, row.record.to_info(cid));
  }
  uint64_t state_version = 0;
  for (const auto& entry : version_.entries()) state_version += entry.second;
  snapshot.metadata = metadata_.record.to_info(state_version);
  snapshot.version = version_;
  return snapshot;
}

}  // namespace eddy::kvs

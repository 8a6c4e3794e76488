// ClusterState: delta-state sync -- delta_since, snapshot and apply (see cluster_state.h and
// delta.h for the contract).
#include <set>

#include "kvs/cluster_state/cluster_state.h"

namespace eddy::kvs {
namespace {

bool in_scope(Table table, SyncScope scope) {
  return scope == SyncScope::kFull || table == Table::kNodes || table == Table::kMetadata;
}

}  // namespace

Delta ClusterState::delta_since(const VersionVector& theirs) const {
  if (theirs.entries().empty()) return snapshot();
  return make_delta(theirs, options_.scope);
}

Delta ClusterState::leecher_delta_since(const VersionVector& theirs) const {
  Delta delta = make_delta(theirs, SyncScope::kNodesAndMetadata);
  // With an empty base the index yields every row: the delta is a (leecher) snapshot.
  delta.is_snapshot = theirs.entries().empty();
  return delta;
}

Delta ClusterState::make_delta(const VersionVector& theirs, SyncScope scope) const {
  Delta delta;
  delta.sender = replica_id_;
  delta.scope = scope;
  delta.base = theirs;
  delta.version = version_;
  delta.clock = clock_.high_water(replica_id_);
  for (const RowKey& key : index_.rows_changed_since(theirs)) {
    if (in_scope(key.table, scope)) add_row(key, delta);
  }
  return delta;
}

void ClusterState::add_row(const RowKey& key, Delta& delta) const {
  switch (key.table) {
    case Table::kNodes:
      delta.nodes.emplace(key.key, nodes_.at(key.key));
      return;
    case Table::kTasks:
      delta.tasks.emplace(key.key, tasks_.at(key.key));
      return;
    case Table::kContent:
      delta.content.emplace(key.key, content_.at(key.key));
      return;
    case Table::kMetadata:
      delta.metadata = metadata_;
      return;
  }
}

Delta ClusterState::snapshot() const {
  Delta delta;
  delta.sender = replica_id_;
  delta.scope = options_.scope;
  delta.is_snapshot = true;
  delta.version = version_;
  delta.clock = clock_.high_water(replica_id_);
  delta.nodes = nodes_;
  if (options_.scope == SyncScope::kFull) {
    delta.tasks = tasks_;
    delta.content = content_;
  }
  delta.metadata = metadata_;
  return delta;
}

void ClusterState::raise_own_counter(const VersionVector& version) {
  uint64_t seen = version.get(replica_id_);
  if (seen > version_.get(replica_id_)) version_.merge(VersionVector{{replica_id_, seen}});
}

template <class R>
size_t ClusterState::merge_rows(Table table, const std::map<std::string, Row<R>>& incoming,
                                std::map<std::string, Row<R>>& rows) {
  size_t changed = 0;
  for (const auto& [key, row] : incoming) {
    // A row without a version carries no change; storing it would only make replicas differ.
    if (row.version.entries().empty()) continue;
    Row<R>& ours = rows[key];
    VersionVector before = ours.version;
    // A merge may move a task to another status or node: its totals move with it.
    auto contributed = TableTotals::contribution(ours.record);
    if (ours.merge(row, options_.resolvers)) ++changed;
    totals_.update(key, contributed, TableTotals::contribution(ours.record));
    index_.update(RowKey{table, key}, before, ours.version);
    raise_own_counter(row.version);
  }
  return changed;
}

ApplyResult ClusterState::apply(const Delta& delta) {
  ApplyResult result;
  clock_.observe(delta.clock);
  result.rows_changed += merge_rows(Table::kNodes, delta.nodes, nodes_);
  if (options_.scope == SyncScope::kFull) {
    result.rows_changed += merge_rows(Table::kTasks, delta.tasks, tasks_);
    result.rows_changed += merge_rows(Table::kContent, delta.content, content_);
  }
  if (delta.metadata.has_value() && !delta.metadata->version.entries().empty()) {
    VersionVector before = metadata_.version;
    if (metadata_.merge(*delta.metadata, options_.resolvers)) ++result.rows_changed;
    index_.update(RowKey{Table::kMetadata, ""}, before, metadata_.version);
    raise_own_counter(delta.metadata->version);
  }
  // The delta holds every change of `version` that `base` lacks, in its scope: if this replica
  // has `base` and keeps no more tables than the delta covers, it now has all of `version`.
  bool covers_scope = delta.scope == SyncScope::kFull || options_.scope == delta.scope;
  if (covers_scope && version_.dominates(delta.base)) {
    version_.merge(delta.version);
    result.version_advanced = true;
  }
  raise_own_counter(delta.version);
  return result;
}

}  // namespace eddy::kvs

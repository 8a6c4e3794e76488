// ClusterState: one replica of the cluster-state tables (nodes, tasks, content, metadata), the
// operations that change it, and the delta-state sync that makes replicas converge.
//
// Operations validate against this replica's current state, then make one change: a fresh Dot
// (replica id, next counter) names it and a fresh Stamp from the replica's HybridClock orders
// its field writes. A rejected operation changes nothing and uses no dot. Every operation takes
// the current wall time `now` (milliseconds since the Unix epoch) from the caller; the replica
// never reads a clock. Every change also raises metadata.last_updated.
//
// Sync (DESIGN.md section 5: announce -> request -> update). A replica announces
// version_vector(); a peer answers with delta_since(that vector); the replica apply()s it. Deltas
// may be lost, duplicated, reordered or applied late: apply merges rows with CRDT merges and only
// raises the version vector when the delta's base is covered (delta.h), so every replica that
// ends up with the same changes holds the same state, byte for byte. Concurrent operations on
// different replicas may each succeed locally (e.g. two assignments of one task); the merge then
// keeps one of them by the field's order (LWW or a FieldResolver), identically everywhere.
//
// Leechers keep only nodes and metadata: build them with SyncScope::kNodesAndMetadata, and
// serve them leecher_delta_since().
//
// Persistence: snapshot() holds everything a replica needs; applying it to a fresh replica of
// the same id restores the tables, the version vector, the change index and the clock. A
// replica restored from a snapshot older than changes it had already sent should also apply a
// peer's snapshot (peer.delta_since({})): its vector counts its own old dots, so plain deltas
// would not resend them.
//
// Not thread safe: one thread (one location's tick loop) owns a replica. Results returned by
// reference are valid until the next non-const call.
#ifndef EDDY_KVS_CLUSTER_STATE_CLUSTER_STATE_H_
#define EDDY_KVS_CLUSTER_STATE_CLUSTER_STATE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "kvs/cluster_state/change_index.h"
#include "kvs/cluster_state/delta.h"
#include "kvs/cluster_state/field_resolvers.h"
#include "kvs/cluster_state/op_result.h"
#include "kvs/cluster_state/records.h"
#include "kvs/cluster_state/snapshot.h"
#include "kvs/cluster_state/stamp.h"
#include "kvs/cluster_state/table_totals.h"

namespace eddy::kvs {

// The schema_version written by configure_cluster().
inline constexpr uint32_t kClusterStateSchemaVersion = 1;

struct ClusterStateOptions {
  // Conflict resolvers per field (default: plain LWW everywhere). Same on every replica.
  FieldResolvers resolvers;
  // The tables this replica keeps: a leecher keeps nodes and metadata only.
  SyncScope scope = SyncScope::kFull;
};

// What add_task takes: the fields a submitter chooses.
struct TaskSpec {
  std::string task_id;
  std::string task_type;
  int32_t priority = 0;
  StringMap parameters;
  TaskRequirements requirements;
};

// One step of the task state machine for update_task.
struct TaskUpdate {
  TaskStatus status = TaskStatus::kRunning;  // kRunning, kCompleted or kFailed.
  std::string result_cid;                    // Only with kCompleted (may be empty).
  std::string error_message;                 // Only with kFailed.
};

// What apply() did.
struct ApplyResult {
  size_t rows_changed = 0;        // Rows whose state grew.
  bool version_advanced = false;  // The delta's changes now count in version_vector().
};

class ClusterState {
 public:
  // An empty replica named `replica_id`. REQUIRES: replica_id is non-empty and unique in the
  // cluster (it names this replica's dots and breaks stamp ties), and never used before by a
  // replica whose changes this one does not hold: an empty replica under an old name would
  // number its changes from 1 again, and the others, whose version vectors already count past
  // them, would never take them. A replica that restarts without its data needs a new name.
  explicit ClusterState(std::string replica_id, ClusterStateOptions options = {});

  const std::string& replica_id() const { return replica_id_; }
  SyncScope scope() const { return options_.scope; }

  // ---- Nodes ----------------------------------------------------------------------------
  // Adds node.node_id, or updates every field of it if it exists (its tasks are untouched):
  // capabilities and metadata become exactly the given ones; last_heartbeat becomes `now`.
  // kInvalidArgument: empty node_id, or resources out of range (cpu_usage outside [0, 1],
  // more memory/disk/gpus available than total).
  OpResult register_node(const NodeInfo& node, TimeMs now);
  // Sets the status of a live node. kNotFound: no live node `node_id`.
  OpResult update_node_status(const std::string& node_id, NodeStatus status, TimeMs now);
  // Sets last_heartbeat to `now` and, if given, the reported resources (status is unchanged).
  // kNotFound: no live node; kInvalidArgument: resources out of range.
  OpResult heartbeat(const std::string& node_id, TimeMs now,
                     const std::optional<Resources>& resources = std::nullopt);
  // Removes a node (a tombstone: stale deltas cannot bring it back; register_node can). Tasks
  // assigned to it and its provider entries are kept. kNotFound: no live node.
  OpResult remove_node(const std::string& node_id, TimeMs now);

  // ---- Tasks ----------------------------------------------------------------------------
  // Adds a pending task submitted at `now`. kAlreadyExists: a live task with that id;
  // kInvalidArgument: empty id, a cpu requirement negative or not finite, or a leecher replica
  // (it keeps no tasks; the same holds for add_content).
  OpResult add_task(const TaskSpec& spec, TimeMs now);
  // Assigns a pending or assigned task to a live node, in one write of the task's progress
  // (moving it off its previous node). kNotFound: no live task or node; kInvalidTransition:
  // the task is running, completed or failed.
  OpResult assign_task(const std::string& task_id, const std::string& node_id, TimeMs now);
  // Moves a task one step: assigned -> running (start_time = now), running -> completed
  // (end_time = now, result_cid) or running -> failed (end_time = now, error_message).
  // kNotFound: no live task; kInvalidTransition: any other step; kInvalidArgument: a result
  // on failure or an error on completion.
  OpResult update_task(const std::string& task_id, const TaskUpdate& update, TimeMs now);

  // ---- Content --------------------------------------------------------------------------
  // Adds content `cid` of `size` bytes wanting `replication_factor` copies, unpinned, with
  // last_access_time = now. kAlreadyExists: live content `cid`; kInvalidArgument: empty cid or
  // replication_factor 0.
  OpResult add_content(const std::string& cid, uint64_t size, uint32_t replication_factor,
                       TimeMs now);
  // Removes content (a tombstone). kNotFound: no live content.
  OpResult remove_content(const std::string& cid, TimeMs now);
  // Records that live node `node_id` holds a copy (no change if already recorded).
  // kNotFound: no live content or no live node.
  OpResult add_content_provider(const std::string& cid, const std::string& node_id, TimeMs now);
  // Forgets a provider (a concurrent re-add elsewhere wins). kNotFound: no live content, or
  // node_id is not among its providers.
  OpResult remove_content_provider(const std::string& cid, const std::string& node_id, TimeMs now);
  // Sets pin_status. kNotFound: no live content.
  OpResult pin_content(const std::string& cid, TimeMs now);
  OpResult unpin_content(const std::string& cid, TimeMs now);
  // Sets last_access_time to `now`. kNotFound: no live content.
  OpResult touch_content(const std::string& cid, TimeMs now);

  // ---- Metadata -------------------------------------------------------------------------
  // Sets cluster_id, master_id and schema_version (kClusterStateSchemaVersion).
  // kInvalidArgument: empty cluster_id.
  OpResult configure_cluster(const std::string& cluster_id, const std::string& master_id,
                             TimeMs now);
  // Sets master_id. kInvalidArgument: empty master_id.
  OpResult set_master(const std::string& master_id, TimeMs now);

  // ---- Reads ----------------------------------------------------------------------------
  // One consistent copy of the live rows of all four tables, with this replica's version
  // vector (a leecher's tasks and content are empty).
  ClusterSnapshot get_state() const;
  // The replicated rows, tombstones included (for persistence, export and tests).
  const std::map<std::string, Row<NodeRecord>>& node_rows() const { return nodes_; }
  const std::map<std::string, Row<TaskRecord>>& task_rows() const { return tasks_; }
  const std::map<std::string, Row<ContentRecord>>& content_rows() const { return content_; }
  const Row<MetadataRecord>& metadata_row() const { return metadata_; }
  // A dense slot per node (its placement fields and the load of its tasks), live tasks by
  // status and live content totals, derived from the rows above and kept up to date by every
  // operation and apply() (table_totals.h): what the queries over a live replica (queries.h)
  // read instead of rescanning the tables.
  const TableTotals& totals() const { return totals_; }

  // ---- Sync (cluster_state_sync.cc) -----------------------------------------------------
  // For each replica, the greatest counter of its changes this replica includes (all smaller
  // ones included too).
  const VersionVector& version_vector() const { return version_; }
  // The rows with changes `theirs` lacks, in this replica's scope; a snapshot() when `theirs`
  // is empty. Its cost grows with the rows changed since `theirs`, not with the tables.
  Delta delta_since(const VersionVector& theirs) const;
  // As delta_since, restricted to nodes and metadata, for a leecher.
  Delta leecher_delta_since(const VersionVector& theirs) const;
  // Every row in this replica's scope, tombstones included, with an empty base.
  Delta snapshot() const;
  // Merges a delta or snapshot from any replica (rows outside this replica's scope are
  // ignored); see delta.h for when the version vector advances. Never fails: merging is always
  // safe. Raises this replica's clock past the sender's, and its own counter past any of its
  // own dots seen (so a replica restored from an old snapshot never reuses a dot).
  ApplyResult apply(const Delta& delta);

 private:
  // One local change: its dot counter and the stamp of its writes.
  struct Change {
    uint64_t counter = 0;
    Stamp stamp;
    Dot dot() const;
  };

  Change begin_change(TimeMs now);
  // Merges `write` into row `key` of `rows` as change `change`: raises the row's version, the
  // index, the totals and metadata.last_updated.
  template <class R>
  void commit(Table table, std::map<std::string, Row<R>>& rows, const std::string& key,
              const R& write, const Change& change);
  void touch_metadata(const Change& change);
  void record_version(const RowKey& key, const VersionVector& before, const VersionVector& after);

  // The live row, or nullptr.
  const Row<NodeRecord>* live_node(const std::string& node_id) const;
  const Row<TaskRecord>* live_task(const std::string& task_id) const;
  const Row<ContentRecord>* live_content(const std::string& cid) const;
  // Writes one content field (after the live check) as one change.
  OpResult write_content(const std::string& cid, TimeMs now,
                         const std::function<void(ContentRecord&, const Change&)>& fill);

  Delta make_delta(const VersionVector& theirs, SyncScope scope) const;
  void add_row(const RowKey& key, Delta& delta) const;
  template <class R>
  size_t merge_rows(Table table, const std::map<std::string, Row<R>>& incoming,
                    std::map<std::string, Row<R>>& rows);
  void raise_own_counter(const VersionVector& row_version);

  std::string replica_id_;
  ClusterStateOptions options_;
  HybridClock clock_;
  VersionVector version_;
  ChangeIndex index_;
  TableTotals totals_;
  std::map<std::string, Row<NodeRecord>> nodes_;
  std::map<std::string, Row<TaskRecord>> tasks_;
  std::map<std::string, Row<ContentRecord>> content_;
  Row<MetadataRecord> metadata_;
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CLUSTER_STATE_CLUSTER_STATE_H_

// The replicated rows of the cluster-state tables: NodeRecord, TaskRecord, ContentRecord and
// MetadataRecord, each a record of CRDT fields, and Row<R>, a record with its version.
//
// Field by field: scalar fields are LwwRegisters (merged with the replica's FieldResolvers),
// set fields are OrSets, a node's metadata labels are an LwwMap (each label merges on its own).
// Granularity choices:
//   - resources is one register: a heartbeat reports the whole vector at once;
//   - a task's parameters are one register holding the whole map: they are set once, at
//     submission, and a merge must never produce a parameter set that nobody submitted;
//   - a task's status, node, times, result and error are one register (TaskProgress), so one
//     state-machine step is one atomic write.
// Rows are never erased: `present` is an LWW flag, and a removal writes false (a tombstone).
// A stale delta carrying older field writes merges into the fields but cannot set `present`
// back, so a removed row stays removed; a re-add writes true with a newer stamp and wins.
// Every merge is associative, commutative and idempotent (it is a product of lattices).
// Plain value types: not thread safe, no ticks; copies are independent.
#ifndef EDDY_KVS_CLUSTER_STATE_RECORDS_H_
#define EDDY_KVS_CLUSTER_STATE_RECORDS_H_

#include <cstdint>
#include <string>

#include "kvs/cluster_state/field_resolvers.h"
#include "kvs/cluster_state/lww_map.h"
#include "kvs/cluster_state/lww_register.h"
#include "kvs/cluster_state/or_set.h"
#include "kvs/cluster_state/snapshot.h"
#include "kvs/cluster_state/stamp.h"
#include "kvs/cluster_state/types.h"
#include "kvs/lattices/max.h"
#include "kvs/lattices/vector_clock.h"

namespace eddy::kvs {

// Replica id -> the greatest change counter (Dot::counter) of that replica included.
using VersionVector = VectorClock;

struct NodeRecord {
  LwwRegister<bool> present;  // Unset or false: not in the table.
  LwwRegister<std::string> peer_id;
  LwwRegister<NodeRole> role;
  LwwRegister<std::string> address;
  LwwRegister<NodeStatus> status;
  LwwRegister<TimeMs> last_heartbeat;
  LwwRegister<Resources> resources;
  OrSet<std::string> capabilities;
  LwwMap<std::string, std::string> metadata;

  // True iff the row is in the table (added and not removed since).
  bool live() const { return present.value(); }
  // Merges every field of `other` into *this. Returns true iff *this changed.
  bool merge(const NodeRecord& other, const FieldResolvers& resolvers);
  // The plain row, keyed `node_id`.
  NodeInfo to_info(const std::string& node_id) const;

  friend bool operator==(const NodeRecord&, const NodeRecord&) = default;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(present, peer_id, role, address, status, last_heartbeat, resources, capabilities,
            metadata);
  }
};

struct TaskRecord {
  LwwRegister<bool> present;
  LwwRegister<std::string> task_type;
  LwwRegister<int32_t> priority;
  LwwRegister<StringMap> parameters;
  LwwRegister<TaskRequirements> requirements;
  LwwRegister<TimeMs> submit_time;
  LwwRegister<TaskProgress> progress;

  bool live() const { return present.value(); }
  bool merge(const TaskRecord& other, const FieldResolvers& resolvers);
  TaskInfo to_info(const std::string& task_id) const;

  friend bool operator==(const TaskRecord&, const TaskRecord&) = default;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(present, task_type, priority, parameters, requirements, submit_time, progress);
  }
};

struct ContentRecord {
  LwwRegister<bool> present;
  LwwRegister<uint64_t> size;
  OrSet<std::string> providers;
  LwwRegister<uint32_t> replication_factor;
  LwwRegister<PinStatus> pin_status;
  LwwRegister<TimeMs> last_access_time;

  bool live() const { return present.value(); }
  bool merge(const ContentRecord& other, const FieldResolvers& resolvers);
  ContentInfo to_info(const std::string& cid) const;

  friend bool operator==(const ContentRecord&, const ContentRecord&) = default;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(present, size, providers, replication_factor, pin_status, last_access_time);
  }
};

// The metadata singleton. state_version is not stored: it is derived from the version vector.
struct MetadataRecord {
  LwwRegister<std::string> cluster_id;
  LwwRegister<std::string> master_id;
  LwwRegister<uint32_t> schema_version;
  Max<TimeMs> last_updated;  // Raised by every change, on every table.

  bool merge(const MetadataRecord& other, const FieldResolvers& resolvers);
  // The plain singleton, with state_version = `state_version`.
  ClusterMetadata to_info(uint64_t state_version) const;

  friend bool operator==(const MetadataRecord&, const MetadataRecord&) = default;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(cluster_id, master_id, schema_version, last_updated);
  }
};

// A record and its version: for each replica, the greatest counter of that replica's changes
// to this row. Merging two rows merges both parts. The version is what lets a replica find
// the rows another replica lacks without scanning its tables (see change_index.h).
template <class R>
struct Row {
  R record;
  VersionVector version;

  // Merges `other` into *this. Returns true iff *this changed.
  bool merge(const Row& other, const FieldResolvers& resolvers) {
    bool changed = record.merge(other.record, resolvers);
    changed |= version.merge(other.version);
    return changed;
  }

  friend bool operator==(const Row&, const Row&) = default;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(record, version);
  }
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CLUSTER_STATE_RECORDS_H_

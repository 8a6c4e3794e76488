// ClusterSnapshot: one consistent, plain-valued copy of the four cluster-state tables, as
// ClusterState::get_state() returns it and the queries (queries.h) read it.
//
// The rows are plain structs (no stamps, no dots, no tombstones): what a user, the CLI or an
// export sees. Removed rows are absent. Tables are std::maps, so iteration and the wire form
// are in ascending key order on every replica.
// Plain value types: not thread safe, no ticks; copies are independent.
#ifndef EDDY_KVS_CLUSTER_STATE_SNAPSHOT_H_
#define EDDY_KVS_CLUSTER_STATE_SNAPSHOT_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "cereal/types/map.hpp"
#include "cereal/types/set.hpp"
#include "cereal/types/string.hpp"
#include "kvs/cluster_state/stamp.h"
#include "kvs/cluster_state/types.h"
#include "kvs/lattices/vector_clock.h"

namespace eddy::kvs {

// A row of the nodes table, keyed by node_id.
struct NodeInfo {
  std::string node_id;
  std::string peer_id;
  NodeRole role = NodeRole::kWorker;
  std::string address;  // host:port
  NodeStatus status = NodeStatus::kOnline;
  TimeMs last_heartbeat = 0;
  Resources resources;
  std::set<std::string> capabilities;
  StringMap metadata;

  friend bool operator==(const NodeInfo&, const NodeInfo&) = default;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(node_id, peer_id, role, address, status, last_heartbeat, resources, capabilities,
            metadata);
  }
};

// A row of the tasks table, keyed by task_id.
struct TaskInfo {
  std::string task_id;
  std::string task_type;
  TaskStatus status = TaskStatus::kPending;
  int32_t priority = 0;  // Greater runs first.
  StringMap parameters;
  TaskRequirements requirements;
  std::string assigned_node_id;  // Empty while pending.
  TimeMs submit_time = 0;
  TimeMs start_time = 0;  // 0 until running.
  TimeMs end_time = 0;    // 0 until completed or failed.
  std::string result_cid;
  std::string error_message;

  friend bool operator==(const TaskInfo&, const TaskInfo&) = default;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(task_id, task_type, status, priority, parameters, requirements, assigned_node_id,
            submit_time, start_time, end_time, result_cid, error_message);
  }
};

// A row of the content table, keyed by cid.
struct ContentInfo {
  std::string cid;
  uint64_t size = 0;                // Bytes.
  std::set<std::string> providers;  // Node ids holding a copy.
  uint32_t replication_factor = 1;  // Copies wanted.
  PinStatus pin_status = PinStatus::kUnpinned;
  TimeMs last_access_time = 0;

  friend bool operator==(const ContentInfo&, const ContentInfo&) = default;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(cid, size, providers, replication_factor, pin_status, last_access_time);
  }
};

// The metadata singleton.
struct ClusterMetadata {
  std::string cluster_id;
  std::string master_id;
  // The number of changes (from every replica) this copy includes: the sum of its version
  // vector. Replicas that have seen the same changes agree on it.
  uint64_t state_version = 0;
  uint32_t schema_version = 0;
  TimeMs last_updated = 0;  // The greatest time of any change included (0 for none).

  friend bool operator==(const ClusterMetadata&, const ClusterMetadata&) = default;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(cluster_id, master_id, state_version, schema_version, last_updated);
  }
};

// All four tables at one moment, and the version vector of the replica they came from.
struct ClusterSnapshot {
  std::map<std::string, NodeInfo> nodes;
  std::map<std::string, TaskInfo> tasks;
  std::map<std::string, ContentInfo> content;
  ClusterMetadata metadata;
  VectorClock version;

  friend bool operator==(const ClusterSnapshot&, const ClusterSnapshot&) = default;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(nodes, tasks, content, metadata, version);
  }
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CLUSTER_STATE_SNAPSHOT_H_

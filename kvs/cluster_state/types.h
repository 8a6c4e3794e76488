// The vocabulary of the cluster-state tables: roles and statuses, resource vectors, and the
// group of task fields that the task state machine changes together.
//
// Plain value types: not thread safe, no ticks; copies are independent. Each is Cereal
// serializable (enums as their underlying integer) and totally ordered, so that it can be the
// value of an LwwRegister.
#ifndef EDDY_KVS_CLUSTER_STATE_TYPES_H_
#define EDDY_KVS_CLUSTER_STATE_TYPES_H_

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "cereal/types/map.hpp"
#include "cereal/types/string.hpp"
#include "kvs/cluster_state/stamp.h"

namespace eddy::kvs {

// String keys to string values, ascending by key (task parameters, node metadata).
using StringMap = std::map<std::string, std::string>;

enum class NodeRole : uint8_t { kMaster, kWorker, kLeecher };

enum class NodeStatus : uint8_t {
  kOnline,    // Serving; may be given tasks.
  kOffline,   // Not serving (said so, or silent past the heartbeat timeout -- see queries.h).
  kDraining,  // Serving its current tasks, taking no new ones.
};

// pending -> assigned -> running -> completed | failed; assigned -> assigned moves a task to
// another node (ClusterState enforces the transitions).
enum class TaskStatus : uint8_t { kPending, kAssigned, kRunning, kCompleted, kFailed };

enum class PinStatus : uint8_t { kUnpinned, kPinned };

// Lower-case names ("worker", "online", "running", "pinned"), for logs, the CLI and exports.
std::string_view to_string(NodeRole role);
std::string_view to_string(NodeStatus status);
std::string_view to_string(TaskStatus status);
std::string_view to_string(PinStatus status);
// The inverse of to_string; empty for an unknown name.
std::optional<NodeRole> parse_node_role(std::string_view name);
std::optional<NodeStatus> parse_node_status(std::string_view name);
std::optional<TaskStatus> parse_task_status(std::string_view name);

// What a node has, as it last reported. Memory and disk in bytes.
struct Resources {
  uint32_t cpu_count = 0;
  double cpu_usage = 0;  // Fraction of all cores busy, in [0, 1].
  uint64_t memory_total = 0;
  uint64_t memory_available = 0;
  uint64_t disk_total = 0;
  uint64_t disk_free = 0;
  uint32_t gpu_count = 0;
  uint32_t gpu_available = 0;

  friend auto operator<=>(const Resources&, const Resources&) = default;
  friend bool operator==(const Resources&, const Resources&) = default;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(cpu_count, cpu_usage, memory_total, memory_available, disk_total, disk_free, gpu_count,
            gpu_available);
  }
};

// What a task needs to run: cores (fractions allowed), bytes of memory, whole GPUs.
struct TaskRequirements {
  double cpu = 0;
  uint64_t memory = 0;
  uint32_t gpu = 0;

  friend auto operator<=>(const TaskRequirements&, const TaskRequirements&) = default;
  friend bool operator==(const TaskRequirements&, const TaskRequirements&) = default;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(cpu, memory, gpu);
  }
};

// The task fields that the state machine changes together, kept in one LWW register so that a
// merge never mixes them from two different writes (e.g. "running" with another node's id).
struct TaskProgress {
  TaskStatus status = TaskStatus::kPending;
  std::string assigned_node_id;  // Empty while pending.
  TimeMs start_time = 0;         // Set on -> running; 0 before.
  TimeMs end_time = 0;           // Set on -> completed | failed; 0 before.
  std::string result_cid;        // Set on -> completed (may stay empty).
  std::string error_message;     // Set on -> failed.

  friend auto operator<=>(const TaskProgress&, const TaskProgress&) = default;
  friend bool operator==(const TaskProgress&, const TaskProgress&) = default;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(status, assigned_node_id, start_time, end_time, result_cid, error_message);
  }
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CLUSTER_STATE_TYPES_H_

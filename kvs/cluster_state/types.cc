#include "kvs/cluster_state/types.h"

#include <array>
#include <utility>

namespace eddy::kvs {
namespace {

constexpr std::array<std::pair<NodeRole, std::string_view>, 3> kRoles = {{
    {NodeRole::kMaster, "master"},
    {NodeRole::kWorker, "worker"},
    {NodeRole::kLeecher, "leecher"},
}};
constexpr std::array<std::pair<NodeStatus, std::string_view>, 3> kNodeStatuses = {{
    {NodeStatus::kOnline, "online"},
    {NodeStatus::kOffline, "offline"},
    {NodeStatus::kDraining, "draining"},
}};
constexpr std::array<std::pair<TaskStatus, std::string_view>, 5> kTaskStatuses = {{
    {TaskStatus::kPending, "pending"},
    {TaskStatus::kAssigned, "assigned"},
    {TaskStatus::kRunning, "running"},
    {TaskStatus::kCompleted, "completed"},
    {TaskStatus::kFailed, "failed"},
}};
constexpr std::array<std::pair<PinStatus, std::string_view>, 2> kPinStatuses = {{
    {PinStatus::kUnpinned, "unpinned"},
    {PinStatus::kPinned, "pinned"},
}};

template <class E, size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& names, E value) {
  for (const auto& [v, name] : names) {
    if (v == value) return name;
  }
  return "unknown";  // Only for a value decoded from foreign bytes.
}

template <class E, size_t N>
std::optional<E> parse(const std::array<std::pair<E, std::string_view>, N>& names,
                       std::string_view name) {
  for (const auto& [v, n] : names) {
    if (n == name) return v;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(NodeRole role) { return name_of(kRoles, role); }
std::string_view to_string(NodeStatus status) { return name_of(kNodeStatuses, status); }
std::string_view to_string(TaskStatus status) { return name_of(kTaskStatuses, status); }
std::string_view to_string(PinStatus status) { return name_of(kPinStatuses, status); }

std::optional<NodeRole> parse_node_role(std::string_view name) { return parse(kRoles, name); }
std::optional<NodeStatus> parse_node_status(std::string_view name) {
  return parse(kNodeStatuses, name);
}
std::optional<TaskStatus> parse_task_status(std::string_view name) {
  return parse(kTaskStatuses, name);
}

}  // namespace eddy::kvs

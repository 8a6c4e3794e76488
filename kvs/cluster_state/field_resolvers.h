// FieldResolvers: the custom conflict resolvers of a cluster-state replica, one per LWW field.
//
// Every LWW field of the four records is named by a Field; FieldType<F> is its value type. A
// field without a resolver merges by plain last-writer-wins (the default for every field);
// set<F>(resolver) installs a Resolver<FieldType<F>> (see lww_register.h for its contract),
// checked against the field's type at compile time. Every replica of one cluster must be built
// with the same resolvers, or replicas may pick different winners and never converge.
// task_progress_by_status() is a ready-made resolver for Field::kTaskProgress.
// A plain value type, read-only while replicas merge: not thread safe to change concurrently.
#ifndef EDDY_KVS_CLUSTER_STATE_FIELD_RESOLVERS_H_
#define EDDY_KVS_CLUSTER_STATE_FIELD_RESOLVERS_H_

#include <any>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "kvs/cluster_state/lww_register.h"
#include "kvs/cluster_state/stamp.h"
#include "kvs/cluster_state/types.h"

namespace eddy::kvs {

// The LWW fields of the cluster-state records (row presence is not among them: a removal is
// always plain last-writer-wins).
enum class Field {
  kNodePeerId,
  kNodeRole,
  kNodeAddress,
  kNodeStatus,
  kNodeLastHeartbeat,
  kNodeResources,
  kTaskType,
  kTaskPriority,
  kTaskParameters,
  kTaskRequirements,
  kTaskSubmitTime,
  kTaskProgress,
  kContentSize,
  kContentReplicationFactor,
  kContentPinStatus,
  kContentLastAccessTime,
  kMetadataClusterId,
  kMetadataMasterId,
  kMetadataSchemaVersion,
};

template <Field F>
struct FieldTraits;
#define EDDY_CLUSTER_STATE_FIELD_TYPE(field, type) \
  template <>                                      \
  struct FieldTraits<Field::field> {               \
    using Type = type;                             \
  }
EDDY_CLUSTER_STATE_FIELD_TYPE(kNodePeerId, std::string);
EDDY_CLUSTER_STATE_FIELD_TYPE(kNodeRole, NodeRole);
EDDY_CLUSTER_STATE_FIELD_TYPE(kNodeAddress, std::string);
EDDY_CLUSTER_STATE_FIELD_TYPE(kNodeStatus, NodeStatus);
EDDY_CLUSTER_STATE_FIELD_TYPE(kNodeLastHeartbeat, TimeMs);
EDDY_CLUSTER_STATE_FIELD_TYPE(kNodeResources, Resources);
EDDY_CLUSTER_STATE_FIELD_TYPE(kTaskType, std::string);
EDDY_CLUSTER_STATE_FIELD_TYPE(kTaskPriority, int32_t);
EDDY_CLUSTER_STATE_FIELD_TYPE(kTaskParameters, StringMap);
EDDY_CLUSTER_STATE_FIELD_TYPE(kTaskRequirements, TaskRequirements);
EDDY_CLUSTER_STATE_FIELD_TYPE(kTaskSubmitTime, TimeMs);
EDDY_CLUSTER_STATE_FIELD_TYPE(kTaskProgress, TaskProgress);
EDDY_CLUSTER_STATE_FIELD_TYPE(kContentSize, uint64_t);
EDDY_CLUSTER_STATE_FIELD_TYPE(kContentReplicationFactor, uint32_t);
EDDY_CLUSTER_STATE_FIELD_TYPE(kContentPinStatus, PinStatus);
EDDY_CLUSTER_STATE_FIELD_TYPE(kContentLastAccessTime, TimeMs);
EDDY_CLUSTER_STATE_FIELD_TYPE(kMetadataClusterId, std::string);
EDDY_CLUSTER_STATE_FIELD_TYPE(kMetadataMasterId, std::string);
EDDY_CLUSTER_STATE_FIELD_TYPE(kMetadataSchemaVersion, uint32_t);
#undef EDDY_CLUSTER_STATE_FIELD_TYPE

// The value type of field F.
template <Field F>
using FieldType = typename FieldTraits<F>::Type;

class FieldResolvers {
 public:
  // No custom resolver: every field is plain last-writer-wins.
  FieldResolvers() = default;

  // Installs `resolver` for field F, replacing any earlier one; an empty std::function
  // restores plain LWW.
  template <Field F>
  void set(Resolver<FieldType<F>> resolver) {
    if (resolver) {
      resolvers_[F] = std::move(resolver);
    } else {
      resolvers_.erase(F);
    }
  }

  // The resolver of field F, or nullptr for plain LWW. Valid until the next set<F>().
  template <Field F>
  const Resolver<FieldType<F>>* get() const {
    if (resolvers_.empty()) return nullptr;  // The common case: one branch per field.
    auto it = resolvers_.find(F);
    return it == resolvers_.end() ? nullptr : std::any_cast<Resolver<FieldType<F>>>(&it->second);
  }

 private:
  std::map<Field, std::any> resolvers_;  // Each holds a Resolver<FieldType<key>>.
};

// A resolver for Field::kTaskProgress: the write further along the state machine wins
// (pending < assigned < running < completed = failed), whatever the stamps; writes of equal
// rank fall back to last-writer-wins. With it, a stale "running" from a slow replica can never
// overwrite "completed", even if that replica's clock is ahead.
inline Resolver<TaskProgress> task_progress_by_status() {
  return [](const LwwRegister<TaskProgress>& a, const LwwRegister<TaskProgress>& b) {
    auto rank = [](TaskStatus status) {
      return status == TaskStatus::kFailed ? static_cast<int>(TaskStatus::kCompleted)
                                           : static_cast<int>(status);
    };
    return rank(a.value().status) < rank(b.value().status);
  };
}

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CLUSTER_STATE_FIELD_RESOLVERS_H_

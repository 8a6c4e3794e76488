// Identifiers shared by the whole engine: locations, cluster members, client connections and
// the location instances that run them.
#ifndef EDDY_DATAFLOW_CORE_IDS_H_
#define EDDY_DATAFLOW_CORE_IDS_H_

#include <compare>
#include <cstdint>
#include <ostream>

namespace eddy {

// Index of a location (Process, Cluster or External) within its flow.
using LocationId = uint32_t;

// A member of a Cluster: 0 .. size-1. A Process runs as member 0 of itself.
struct MemberId {
  uint32_t raw = 0;

  friend auto operator<=>(const MemberId&, const MemberId&) = default;
  template <class H>
  friend H AbslHashValue(H h, const MemberId& m) {
    return H::combine(std::move(h), m.raw);
  }
  template <class Archive>
  void serialize(Archive& archive) {
    archive(raw);
  }
};

inline std::ostream& operator<<(std::ostream& os, MemberId m) { return os << "member " << m.raw; }

// One client connection to an External port. Unique within the port's process for its lifetime.
struct ConnectionId {
  uint64_t raw = 0;

  friend auto operator<=>(const ConnectionId&, const ConnectionId&) = default;
  template <class H>
  friend H AbslHashValue(H h, const ConnectionId& c) {
    return H::combine(std::move(h), c.raw);
  }
  template <class Archive>
  void serialize(Archive& archive) {
    archive(raw);
  }
};

inline std::ostream& operator<<(std::ostream& os, ConnectionId c) {
  return os << "connection " << c.raw;
}

// One running instance of a location: the process itself, or one member of a cluster.
struct InstanceId {
  LocationId location = 0;
  MemberId member;

  friend auto operator<=>(const InstanceId&, const InstanceId&) = default;
  template <class H>
  friend H AbslHashValue(H h, const InstanceId& i) {
    return H::combine(std::move(h), i.location, i.member.raw);
  }
  template <class Archive>
  void serialize(Archive& archive) {
    archive(location, member);
  }
};

}  // namespace eddy

#endif  // EDDY_DATAFLOW_CORE_IDS_H_

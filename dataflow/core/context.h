// Context: what a user lambda may know about where and when it runs.
//
// Any lambda given to map, filter, filter_map, flat_map, inspect or for_each may take
// `eddy::Context&` as its first parameter:
//   stream.map([](eddy::Context& ctx, int x) { return std::pair(ctx.member_id(), x); })
// Time and randomness reach user code only through here (the injected Clock and Rng), so runs
// replay deterministically. A Context belongs to one location instance and its thread.
#ifndef EDDY_DATAFLOW_CORE_CONTEXT_H_
#define EDDY_DATAFLOW_CORE_CONTEXT_H_

#include <cstdint>
#include <vector>

#include "dataflow/core/clock.h"
#include "dataflow/core/ids.h"
#include "dataflow/core/rng.h"

namespace eddy {

namespace internal {
class InstanceCore;
}

class Context {
 public:
  // The running instance: its location, and its member id (0 for a Process).
  InstanceId self() const { return self_; }
  MemberId member_id() const { return self_.member; }
  // Number of members of the cluster (or 1 for a process) with this location id.
  uint32_t location_size(LocationId location) const;
  template <class Loc>
  uint32_t cluster_size(const Loc& cluster) const {
    return location_size(cluster.id());
  }
  // Member ids of `cluster`, ascending.
  template <class Loc>
  std::vector<MemberId> members(const Loc& cluster) const {
    std::vector<MemberId> ids(location_size(cluster.id()));
    for (uint32_t i = 0; i < ids.size(); ++i) ids[i].raw = i;
    return ids;
  }
  // The injected clock's current instant.
  Instant now() const { return clock_->now(); }
  // The instant this tick started: the same for everything a tick does, and free to read.
  Instant tick_start() const { return tick_start_; }
  // This instance's random generator.
  Rng& rng() { return *rng_; }
  // Number of the tick now running at this instance, from 0.
  uint64_t tick() const { return tick_; }

 private:
  friend class internal::InstanceCore;
  Context(InstanceId self, const std::vector<uint32_t>* sizes, const Clock* clock, Rng* rng)
      : self_(self), sizes_(sizes), clock_(clock), rng_(rng) {}

  InstanceId self_;
  const std::vector<uint32_t>* sizes_;
  const Clock* clock_;
  Rng* rng_;
  uint64_t tick_ = 0;
  Instant tick_start_;
};

}  // namespace eddy

#endif  // EDDY_DATAFLOW_CORE_CONTEXT_H_

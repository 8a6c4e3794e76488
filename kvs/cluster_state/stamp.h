// Stamp, Dot and HybridClock: how the cluster-state tables order and name their changes.
//
// A Stamp versions one write to an LWW field: (hybrid-logical time, replica id). Stamps are
// totally ordered -- first by time, then by the logical counter, then by replica id -- so two
// replicas always pick the same winner, never by arrival order.
// A Dot names one change made by one replica: (replica id, that replica's change counter). Dots
// tag observed-remove set additions and are what version vectors count.
// A HybridClock issues the stamps of one replica: wall time passed in by the caller (there is
// no clock reading in kvs/), raised past every stamp the replica has issued or observed, so a
// write made after seeing another write always carries a greater stamp, even under clock skew.
// Plain value types: not thread safe, no ticks; copies are independent.
#ifndef EDDY_KVS_CLUSTER_STATE_STAMP_H_
#define EDDY_KVS_CLUSTER_STATE_STAMP_H_

#include <compare>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "cereal/types/string.hpp"

namespace eddy::kvs {

// Wall-clock time in milliseconds since the Unix epoch, as given by the injected clock.
using TimeMs = int64_t;

// The version of one LWW write. The default Stamp{} is the bottom: it is never issued by a
// HybridClock (whose stamps have a non-empty replica id) and loses to every issued stamp.
struct Stamp {
  TimeMs time = 0;       // Hybrid-logical time: the greatest wall time seen, in ms.
  uint32_t logical = 0;  // Orders stamps issued within the same `time`.
  std::string replica;   // The replica that issued it: the final tie-break.

  friend auto operator<=>(const Stamp&, const Stamp&) = default;
  friend bool operator==(const Stamp&, const Stamp&) = default;

  // Wire form: time, logical, replica.
  template <class Archive>
  void serialize(Archive& archive) {
    archive(time, logical, replica);
  }
};

// One change of one replica: the counter-th change that `replica` made.
struct Dot {
  std::string replica;
  uint64_t counter = 0;

  friend auto operator<=>(const Dot&, const Dot&) = default;
  friend bool operator==(const Dot&, const Dot&) = default;

  // Wire form: replica, counter.
  template <class Archive>
  void serialize(Archive& archive) {
    archive(replica, counter);
  }
};

// Issues the stamps of one replica (a hybrid logical clock).
class HybridClock {
 public:
  // A clock that has issued and observed nothing.
  HybridClock() = default;

  // Returns a stamp for `replica` greater than every stamp this clock has issued or observed:
  // (now, 0) when `now` is past them all, else the last time with the next logical counter.
  // REQUIRES: replica is non-empty.
  Stamp tick(TimeMs now, const std::string& replica) {
    if (now > time_) {
      time_ = now;
      logical_ = 0;
    } else if (logical_ == std::numeric_limits<uint32_t>::max()) {
      ++time_;  // Counter exhausted: borrow a millisecond rather than wrap.
      logical_ = 0;
    } else {
      ++logical_;
    }
    return Stamp{time_, logical_, replica};
  }

  // Raises the clock past `stamp`, so that later ticks are greater than it.
  void observe(const Stamp& stamp) {
    if (stamp.time > time_ || (stamp.time == time_ && stamp.logical > logical_)) {
      time_ = stamp.time;
      logical_ = stamp.logical;
    }
  }

  // The greatest (time, logical) issued or observed, as a stamp of `replica`.
  Stamp high_water(const std::string& replica) const { return Stamp{time_, logical_, replica}; }

 private:
  TimeMs time_ = 0;
  uint32_t logical_ = 0;
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CLUSTER_STATE_STAMP_H_

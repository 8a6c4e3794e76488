// VectorClock: one counter per replica, the version of a value in the store's causal mode.
//
// A missing entry means 0, and a clock never stores a 0 entry, so two clocks are equal exactly
// when they agree on every replica. Entries live in an ordered map: iteration and the wire form
// are deterministic. Merge is the pointwise maximum (a lattice; the empty clock is the bottom).
// compare() gives the causal order: a is before b when a <= b on every replica and a != b.
// A plain value type: not thread safe, no ticks; copies are independent.
#ifndef EDDY_KVS_LATTICES_VECTOR_CLOCK_H_
#define EDDY_KVS_LATTICES_VECTOR_CLOCK_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "cereal/types/map.hpp"
#include "cereal/types/string.hpp"

namespace eddy::kvs {

// How two clocks are ordered causally.
enum class Causality {
  kBefore,      // a <= b on every replica, a != b: b has seen everything a has.
  kAfter,       // b is before a.
  kEqual,       // a == b.
  kConcurrent,  // each has seen something the other has not.
};

class VectorClock {
 public:
  // Replica id -> counter; never holds a 0 counter.
  using Entries = std::map<std::string, uint64_t, std::less<>>;

  // The empty clock (every counter 0): before every other clock.
  VectorClock() = default;
  // A clock with the given counters; 0 counters are dropped. A repeated id keeps its first
  // counter (std::map's rule).
  VectorClock(std::initializer_list<std::pair<const std::string, uint64_t>> entries)
      : entries_(entries) {
    drop_zeros();
  }

  // Returns the counter of replica `id` (0 if it has none).
  uint64_t get(std::string_view id) const {
    auto it = entries_.find(id);
    return it == entries_.end() ? 0 : it->second;
  }

  // Adds 1 to the counter of replica `id` and returns the new counter.
  // REQUIRES: get(id) < UINT64_MAX.
  uint64_t increment(std::string_view id) {
    auto it = entries_.find(id);
    if (it == entries_.end()) it = entries_.emplace(std::string(id), 0).first;
    return ++it->second;
  }

  // The nonzero counters, ordered by replica id.
  const Entries& entries() const { return entries_; }

  // Sets every counter to the larger of its own and other's. Returns true iff any grew.
  bool merge(const VectorClock& other) {
    bool changed = false;
    for (const auto& [id, counter] : other.entries_) {
      auto [it, inserted] = entries_.try_emplace(id, counter);
      if (inserted) {
        changed = true;
      } else if (it->second < counter) {
        it->second = counter;
        changed = true;
      }
    }
    return changed;
  }

  // Returns how a is ordered relative to b (see Causality).
  static Causality compare(const VectorClock& a, const VectorClock& b) {
    bool a_has_more = false;  // Some replica's counter is greater in a than in b.
    bool b_has_more = false;
    auto i = a.entries_.begin();
    auto j = b.entries_.begin();
    // Walk both sorted maps together; a replica missing on one side counts as 0 there, and
    // stored counters are never 0, so a one-sided entry is always "more".
    while (i != a.entries_.end() || j != b.entries_.end()) {
      if (j == b.entries_.end() || (i != a.entries_.end() && i->first < j->first)) {
        a_has_more = true;
        ++i;
      } else if (i == a.entries_.end() || j->first < i->first) {
        b_has_more = true;
        ++j;
      } else {
        a_has_more |= i->second > j->second;
        b_has_more |= i->second < j->second;
        ++i;
        ++j;
      }
    }
    if (a_has_more && b_has_more) return Causality::kConcurrent;
    if (a_has_more) return Causality::kAfter;
    if (b_has_more) return Causality::kBefore;
    return Causality::kEqual;
  }

  // True iff *this >= other on every replica (other is before or equal to *this).
  bool dominates(const VectorClock& other) const {
    Causality c = compare(*this, other);
    return c == Causality::kAfter || c == Causality::kEqual;
  }
  // True iff other is strictly before *this.
  bool strictly_dominates(const VectorClock& other) const {
    return compare(*this, other) == Causality::kAfter;
  }

  friend bool operator==(const VectorClock&, const VectorClock&) = default;

  // Wire form: Cereal's map of (replica id, counter), ascending by id. Decoding drops 0
  // counters, so bytes from elsewhere cannot break the no-zero invariant.
  template <class Archive>
  void serialize(Archive& archive) {
    archive(entries_);
    if constexpr (Archive::is_loading::value) drop_zeros();
  }

 private:
  void drop_zeros() {
    std::erase_if(entries_, [](const auto& entry) { return entry.second == 0; });
  }

  Entries entries_;
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_LATTICES_VECTOR_CLOCK_H_

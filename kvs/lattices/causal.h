// Causal<V>: the concurrent versions of one value, the value type of the store's causal mode.
//
// A Causal<V> is a set of siblings, each a (VectorClock, V) pair written by some client, such
// that no sibling's clock is strictly before another sibling's clock (a maximal antichain).
// Merge takes the union of both sides' siblings and then drops every sibling whose clock is
// strictly before some other sibling's clock. So a write whose clock dominates every sibling
// replaces them all, and concurrent writes accumulate side by side until a later write that has
// seen them all collapses them. Keeping one clock per sibling (rather than one clock for a set
// of values) is what makes merge associative. Two siblings may share a clock if they carry
// different values (only a buggy writer does that; both are kept, so merge stays commutative).
// Deletes: use Causal<std::optional<V>> and write std::nullopt; no special support is needed.
// Siblings are kept sorted (by clock entries, then value): iteration and the wire form are
// deterministic. A plain value type: not thread safe, no ticks; copies are independent.
#ifndef EDDY_KVS_LATTICES_CAUSAL_H_
#define EDDY_KVS_LATTICES_CAUSAL_H_

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <utility>
#include <vector>

#include "cereal/types/vector.hpp"
#include "kvs/lattices/vector_clock.h"

namespace eddy::kvs {

template <class V>
requires std::totally_ordered<V> && std::copyable<V>
class Causal {
 public:
  // One version of the value and the clock it was written at.
  struct Sibling {
    VectorClock clock;
    V value;

    friend bool operator==(const Sibling&, const Sibling&) = default;

    // Wire form: clock, then value.
    template <class Archive>
    void serialize(Archive& archive) {
      archive(clock, value);
    }
  };

  // The bottom: no siblings (the key was never written).
  Causal() = default;

  // Returns the single version `value` written at `clock`.
  static Causal write(VectorClock clock, V value) {
    Causal causal;
    causal.siblings_.push_back(Sibling{std::move(clock), std::move(value)});
    return causal;
  }

  // The siblings, sorted by clock entries and then by value; no clock strictly before another.
  const std::vector<Sibling>& siblings() const { return siblings_; }
  bool empty() const { return siblings_.empty(); }

  // Returns the join of the sibling clocks: what a client that read this value has seen, and so
  // the clock its next write should extend. The empty clock when there are no siblings.
  VectorClock clock() const {
    VectorClock joined;
    for (const Sibling& sibling : siblings_) joined.merge(sibling.clock);
    return joined;
  }

  // Returns the distinct sibling values, ascending.
  std::vector<V> values() const {
    std::vector<V> values;
    values.reserve(siblings_.size());
    for (const Sibling& sibling : siblings_) values.push_back(sibling.value);
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    return values;
  }

  // Unions other's siblings into *this and drops every sibling whose clock is strictly before
  // another's. Returns true iff *this changed.
  bool merge(const Causal& other) {
    if (other.siblings_.empty()) return false;
    std::vector<Sibling> all = siblings_;
    all.insert(all.end(), other.siblings_.begin(), other.siblings_.end());
    normalize(&all);
    if (all == siblings_) return false;
    siblings_ = std::move(all);
    return true;
  }

  // Removes the siblings `pred(sibling)` holds for: a store collecting delete versions that
  // every replica has. What remains is still an antichain in order. Not a lattice operation (it
  // moves down): every replica must remove the same siblings for the replicas to agree.
  template <class Pred>
  void remove_if(Pred pred) {
    std::erase_if(siblings_, pred);
  }

  friend bool operator==(const Causal&, const Causal&) = default;

  // Wire form: Cereal's vector of siblings (count, then each clock and value). Decoding
  // re-sorts and drops dominated or repeated siblings, so bytes from elsewhere cannot break the
  // antichain invariant.
  template <class Archive>
  void serialize(Archive& archive) {
    archive(siblings_);
    if constexpr (Archive::is_loading::value) normalize(&siblings_);
  }

 private:
  // The deterministic sibling order: clock entries lexicographically, then value.
  static bool sibling_less(const Sibling& a, const Sibling& b) {
    if (a.clock.entries() != b.clock.entries()) return a.clock.entries() < b.clock.entries();
    return a.value < b.value;
  }

  // Sorts, removes repeats and removes every sibling strictly before another. Quadratic in the
  // number of siblings, which stays small: it is the number of concurrent writers.
  static void normalize(std::vector<Sibling>* siblings) {
    std::sort(siblings->begin(), siblings->end(), sibling_less);
    siblings->erase(std::unique(siblings->begin(), siblings->end()), siblings->end());
    // Decide every sibling's fate before moving any: a moved-from clock would compare wrongly.
    std::vector<bool> overtaken(siblings->size(), false);
    for (size_t i = 0; i < siblings->size(); ++i) {
      overtaken[i] = std::any_of(siblings->begin(), siblings->end(), [&](const Sibling& s) {
        return s.clock.strictly_dominates((*siblings)[i].clock);
      });
    }
    std::vector<Sibling> kept;
    kept.reserve(siblings->size());
    for (size_t i = 0; i < siblings->size(); ++i) {
      if (!overtaken[i]) kept.push_back(std::move((*siblings)[i]));
    }
    *siblings = std::move(kept);
  }

  std::vector<Sibling> siblings_;
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_LATTICES_CAUSAL_H_

// LwwRegister<T>: a last-writer-wins register for one field of a cluster-state record, with an
// optional custom conflict resolver.
//
// A register holds a value and the Stamp of the write that put it there; the default register
// is unset (the bottom) and loses to every write. Merge keeps the greater of two writes in one
// total order:
//   1. a Resolver<T>, when one is given, may rank one write above the other (see Resolver);
//   2. otherwise (no resolver, or the resolver ranks them equal) the greater Stamp;
//   3. on equal stamps -- which a correct system never produces, since each replica stamps its
//      writes uniquely -- the greater value by T's operator<.
// Because the order is total, merge is "take the maximum": associative, commutative and
// idempotent, whatever order and however often writes arrive. kvs::Lww serves the key-value
// store with integer writer ids; this register uses the cluster-state Stamp (hybrid time and a
// replica name) and supports resolvers.
// A plain value type: not thread safe, no ticks; copies are independent.
#ifndef EDDY_KVS_CLUSTER_STATE_LWW_REGISTER_H_
#define EDDY_KVS_CLUSTER_STATE_LWW_REGISTER_H_

#include <concepts>
#include <functional>
#include <utility>

#include "kvs/cluster_state/stamp.h"

namespace eddy::kvs {

template <class T>
requires std::totally_ordered<T> && std::copyable<T> && std::default_initializable<T>
class LwwRegister;

// A custom conflict resolver for one field: precedes(a, b) returns true iff write `a` must lose
// to write `b` whatever their stamps. REQUIRES: it is a strict weak ordering over writes (e.g.
// "compare rank(value)"), and every replica uses the same one. Writes it leaves equivalent are
// ordered by stamp, so "rank, then last writer" needs only the rank.
template <class T>
using Resolver = std::function<bool(const LwwRegister<T>& a, const LwwRegister<T>& b)>;

template <class T>
requires std::totally_ordered<T> && std::copyable<T> && std::default_initializable<T>
class LwwRegister {
 public:
  // The bottom: unset, holding T{} at Stamp{}.
  LwwRegister() = default;
  // A write of `value` at `stamp`. REQUIRES: stamp != Stamp{} (the bottom's stamp).
  LwwRegister(T value, Stamp stamp) : value_(std::move(value)), stamp_(std::move(stamp)) {}

  const T& value() const { return value_; }
  const Stamp& stamp() const { return stamp_; }
  // False for the bottom: no write has reached this register.
  bool is_set() const { return stamp_ != Stamp{}; }

  // Keeps the greater of *this and `other` (order above); `resolver` may be null (plain LWW).
  // Returns true iff *this changed.
  bool merge(const LwwRegister& other, const Resolver<T>* resolver = nullptr) {
    if (!precedes(*this, other, resolver)) return false;
    *this = other;
    return true;
  }

  // Writes `value` at `stamp` (a merge with that write). Returns true iff it won.
  bool set(T value, Stamp stamp, const Resolver<T>* resolver = nullptr) {
    return merge(LwwRegister(std::move(value), std::move(stamp)), resolver);
  }

  friend bool operator==(const LwwRegister&, const LwwRegister&) = default;

  // Wire form: value, then stamp.
  template <class Archive>
  void serialize(Archive& archive) {
    archive(value_, stamp_);
  }

 private:
  // True iff a is strictly before b in the merge order. The bottom precedes every write, even
  // under a resolver, so that the bottom stays the identity of merge.
  static bool precedes(const LwwRegister& a, const LwwRegister& b, const Resolver<T>* resolver) {
    if (!b.is_set()) return false;
    if (!a.is_set()) return true;
    if (resolver != nullptr && *resolver) {
      if ((*resolver)(a, b)) return true;
      if ((*resolver)(b, a)) return false;
    }
    if (a.stamp_ != b.stamp_) return a.stamp_ < b.stamp_;
    return a.value_ < b.value_;
  }

  T value_{};
  Stamp stamp_;
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CLUSTER_STATE_LWW_REGISTER_H_

// Lww<V>: a last-writer-wins register, the value type of the store's default consistency mode.
//
// A value is a write (a payload) or a tombstone (a delete, no payload), stamped with a version
// (timestamp, writer id). Merge keeps the greater of the two values in one total order:
//   1. the greater timestamp;
//   2. on equal timestamps, the greater writer id (never arrival order);
//   3. on equal (timestamp, writer) -- which a correct system never produces, since a writer
//      stamps each of its writes uniquely -- a write beats a tombstone, and between two writes
//      the greater payload by V's operator< wins.
// Rule 3 keeps merge commutative even when another part of the system is buggy. Because the
// order is total, merge is "take the maximum", which is a lattice.
// A plain value type: not thread safe, no ticks; copies are independent.
#ifndef EDDY_KVS_LATTICES_LWW_H_
#define EDDY_KVS_LATTICES_LWW_H_

#include <concepts>
#include <cstdint>
#include <optional>
#include <tuple>
#include <utility>

#include "cereal/types/optional.hpp"

namespace eddy::kvs {

template <class V>
requires std::totally_ordered<V> && std::copyable<V>
class Lww {
 public:
  // The bottom: a tombstone at (timestamp 0, writer 0). Every other value beats it.
  Lww() = default;

  // Returns a write of `value` stamped (timestamp, writer).
  static Lww write(uint64_t timestamp, uint64_t writer, V value) {
    return Lww(timestamp, writer, std::optional<V>(std::move(value)));
  }
  // Returns a delete stamped (timestamp, writer): it beats every older write and loses to every
  // newer one, exactly like a write would.
  static Lww tombstone(uint64_t timestamp, uint64_t writer) {
    return Lww(timestamp, writer, std::nullopt);
  }

  uint64_t timestamp() const { return timestamp_; }
  uint64_t writer() const { return writer_; }
  // The payload; empty for a tombstone.
  const std::optional<V>& value() const { return value_; }
  bool is_tombstone() const { return !value_.has_value(); }

  // Keeps the greater of *this and `other` (order above). Returns true iff *this changed.
  bool merge(const Lww& other) {
    if (!precedes(*this, other)) return false;
    *this = other;
    return true;
  }

  // Same version and same payload (or both tombstones).
  friend bool operator==(const Lww&, const Lww&) = default;

  // Wire form: timestamp, writer, optional payload (Cereal's optional: a flag, then the value).
  template <class Archive>
  void serialize(Archive& archive) {
    archive(timestamp_, writer_, value_);
  }

 private:
  Lww(uint64_t timestamp, uint64_t writer, std::optional<V> value)
      : timestamp_(timestamp), writer_(writer), value_(std::move(value)) {}

  // True iff a is strictly before b in the total order. std::optional orders an empty optional
  // (a tombstone) before any payload, which is rule 3.
  static bool precedes(const Lww& a, const Lww& b) {
    return std::tie(a.timestamp_, a.writer_, a.value_) <
           std::tie(b.timestamp_, b.writer_, b.value_);
  }

  uint64_t timestamp_ = 0;
  uint64_t writer_ = 0;
  std::optional<V> value_;
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_LATTICES_LWW_H_

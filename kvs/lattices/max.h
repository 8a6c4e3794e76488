// Max<T>: a value that only grows; merge keeps the greater by T's operator<.
//
// The bottom is "no value yet" (an empty std::optional), below every T, so Max<T> works for any
// totally ordered T -- strings included -- rather than only for numbers with a
// numeric_limits<T>::lowest(). Max<T>(numeric_limits<T>::lowest()) is therefore a different
// value from Max<T>(), though every merge treats both as losing to any greater T.
// A plain value type: not thread safe, no ticks; copies are independent.
#ifndef EDDY_KVS_LATTICES_MAX_H_
#define EDDY_KVS_LATTICES_MAX_H_

#include <concepts>
#include <optional>
#include <utility>

#include "cereal/types/optional.hpp"

namespace eddy::kvs {

template <class T>
requires std::totally_ordered<T> && std::copyable<T>
class Max {
 public:
  // The bottom: no value.
  Max() = default;
  explicit Max(T value) : value_(std::move(value)) {}

  // The greatest value merged so far; empty for the bottom.
  const std::optional<T>& value() const { return value_; }

  // Keeps the greater of the two values (any value beats none). Returns true iff *this changed.
  bool merge(const Max& other) {
    if (!(value_ < other.value_)) return false;
    value_ = other.value_;
    return true;
  }

  friend bool operator==(const Max&, const Max&) = default;

  // Wire form: Cereal's optional (a flag, then the value).
  template <class Archive>
  void serialize(Archive& archive) {
    archive(value_);
  }

 private:
  std::optional<T> value_;
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_LATTICES_MAX_H_

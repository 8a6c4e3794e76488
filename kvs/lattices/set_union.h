// SetUnion<T>: a grow-only set; merge is set union.
//
// The empty set is the bottom. Elements are kept in a std::set, so iteration and the wire form
// are in ascending order whatever order the elements arrived in. A plain value type: not thread
// safe, no ticks; copies are independent.
#ifndef EDDY_KVS_LATTICES_SET_UNION_H_
#define EDDY_KVS_LATTICES_SET_UNION_H_

#include <concepts>
#include <cstddef>
#include <initializer_list>
#include <set>
#include <utility>

#include "cereal/types/set.hpp"

namespace eddy::kvs {

template <class T>
requires std::totally_ordered<T> && std::copyable<T>
class SetUnion {
 public:
  // The bottom: the empty set.
  SetUnion() = default;
  explicit SetUnion(std::set<T> elements) : elements_(std::move(elements)) {}
  SetUnion(std::initializer_list<T> elements) : elements_(elements) {}

  // The elements, ascending.
  const std::set<T>& elements() const { return elements_; }
  bool contains(const T& element) const { return elements_.contains(element); }
  size_t size() const { return elements_.size(); }
  bool empty() const { return elements_.empty(); }

  // Adds one element (a merge with {element}). Returns true iff it was not already present.
  bool insert(T element) { return elements_.insert(std::move(element)).second; }

  // Adds every element of other. Returns true iff any was not already present.
  bool merge(const SetUnion& other) {
    size_t before = elements_.size();
    elements_.insert(other.elements_.begin(), other.elements_.end());
    return elements_.size() != before;
  }

  friend bool operator==(const SetUnion&, const SetUnion&) = default;

  // Wire form: Cereal's set (count, then each element ascending).
  template <class Archive>
  void serialize(Archive& archive) {
    archive(elements_);
  }

 private:
  std::set<T> elements_;
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_LATTICES_SET_UNION_H_

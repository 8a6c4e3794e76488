// MapUnion<K, L>: a map whose values are lattices; merge unions the keys and merges the values
// of keys present on both sides with L's merge.
//
// The empty map is the bottom. A key, once present, stays present: {k: L()} is a different
// value from {} (the key set is itself a grow-only set). Entries are kept in a std::map, so
// iteration and the wire form are in ascending key order. A plain value type: not thread safe,
// no ticks; copies are independent.
#ifndef EDDY_KVS_LATTICES_MAP_UNION_H_
#define EDDY_KVS_LATTICES_MAP_UNION_H_

#include <concepts>
#include <cstddef>
#include <initializer_list>
#include <map>
#include <utility>

#include "cereal/types/map.hpp"
#include "kvs/lattices/lattice.h"

namespace eddy::kvs {

template <class K, Lattice L>
requires std::totally_ordered<K> && std::copyable<K>
class MapUnion {
 public:
  // The bottom: no keys.
  MapUnion() = default;
  explicit MapUnion(std::map<K, L> entries) : entries_(std::move(entries)) {}
  MapUnion(std::initializer_list<std::pair<const K, L>> entries) : entries_(entries) {}

  // The entries, ascending by key.
  const std::map<K, L>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  // Returns the value at `key`, or nullptr when the key is absent. The pointer is valid until
  // the next change to *this.
  const L* find(const K& key) const {
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : &it->second;
  }

  // Merges `value` into the value at `key`, adding the key if absent (a merge with
  // {key: value}). Returns true iff *this changed: the key was new or its value grew.
  bool merge_entry(const K& key, const L& value) {
    auto [it, inserted] = entries_.try_emplace(key, value);
    return inserted || it->second.merge(value);
  }

  // Merges every entry of other into *this. Returns true iff *this changed.
  bool merge(const MapUnion& other) {
    bool changed = false;
    for (const auto& [key, value] : other.entries_) changed |= merge_entry(key, value);
    return changed;
  }

  friend bool operator==(const MapUnion&, const MapUnion&) = default;

  // Wire form: Cereal's map (count, then each key and L's wire form, ascending by key).
  template <class Archive>
  void serialize(Archive& archive) {
    archive(entries_);
  }

 private:
  std::map<K, L> entries_;
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_LATTICES_MAP_UNION_H_

// LwwMap<K, V>: a map whose entries are independent LWW registers, for string-map fields of
// cluster-state records (a node's metadata labels).
//
// Each key holds an LwwRegister<std::optional<V>>: a put writes a value, an erase writes an
// empty optional (a tombstone) at its stamp, so a stale put cannot bring an erased key back,
// and a newer put does. Merge merges key by key: associative, commutative and idempotent.
// Keys live in a std::map: iteration and the wire form are in ascending key order.
// A plain value type: not thread safe, no ticks; copies are independent.
#ifndef EDDY_KVS_CLUSTER_STATE_LWW_MAP_H_
#define EDDY_KVS_CLUSTER_STATE_LWW_MAP_H_

#include <concepts>
#include <map>
#include <optional>
#include <utility>

#include "cereal/types/map.hpp"
#include "cereal/types/optional.hpp"
#include "kvs/cluster_state/lww_register.h"

namespace eddy::kvs {

template <class K, class V>
requires std::totally_ordered<K> && std::copyable<K> && std::totally_ordered<V> && std::copyable<V>
class LwwMap {
 public:
  using Entry = LwwRegister<std::optional<V>>;

  // The bottom: no key.
  LwwMap() = default;

  // Writes `value` at `key` at `stamp`. Returns true iff the write won.
  // REQUIRES (put, erase, assign): stamp != Stamp{}.
  bool put(const K& key, V value, const Stamp& stamp) {
    return entries_[key].set(std::optional<V>(std::move(value)), stamp);
  }

  // Writes a tombstone at `key` at `stamp`. Returns true iff the tombstone won.
  bool erase(const K& key, const Stamp& stamp) { return entries_[key].set(std::nullopt, stamp); }

  // Makes the live entries equal `values` at `stamp`: puts every pair of `values` and erases
  // every live key not in it. Returns true iff anything changed.
  bool assign(const std::map<K, V>& values, const Stamp& stamp) {
    bool changed = false;
    for (auto& [key, entry] : entries_) {
      if (entry.value().has_value() && !values.contains(key)) {
        changed |= entry.set(std::nullopt, stamp);
      }
    }
    for (const auto& [key, value] : values) changed |= put(key, value, stamp);
    return changed;
  }

  // The live entries (those not erased), ascending by key.
  std::map<K, V> values() const {
    std::map<K, V> out;
    for (const auto& [key, entry] : entries_) {
      if (entry.value().has_value()) out.emplace(key, *entry.value());
    }
    return out;
  }

  // Every key's register, tombstones included, ascending by key.
  const std::map<K, Entry>& entries() const { return entries_; }

  // Merges every entry of other into *this. Returns true iff *this changed.
  bool merge(const LwwMap& other) {
    bool changed = false;
    for (const auto& [key, entry] : other.entries_) {
      if (entry.is_set()) changed |= entries_[key].merge(entry);
    }
    return changed;
  }

  friend bool operator==(const LwwMap&, const LwwMap&) = default;

  // Wire form: Cereal's map of key -> register, ascending by key.
  template <class Archive>
  void serialize(Archive& archive) {
    archive(entries_);
    if constexpr (Archive::is_loading::value) {
      // An unset register is the same map as no key at all: keep one form of each value.
      std::erase_if(entries_, [](const auto& entry) { return !entry.second.is_set(); });
    }
  }

 private:
  std::map<K, Entry> entries_;
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CLUSTER_STATE_LWW_MAP_H_

// StableHash: the hash every engine table uses.
//
// Abseil's default hash is seeded per process, so iteration order of its tables differs from run
// to run; an engine whose output order may depend on a table (entries(), keys()) would then not
// replay from a seed. StableHash is a fixed function of the key: std::hash (fixed in libstdc++
// for integers and strings) finished with a strong mixer, with pairs and tuples combined
// element by element. User key types need a std::hash specialization.
#ifndef EDDY_DATAFLOW_CORE_INTERNAL_STABLE_HASH_H_
#define EDDY_DATAFLOW_CORE_INTERNAL_STABLE_HASH_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "dataflow/core/ids.h"

namespace eddy::internal {

// One 128-bit multiply folded to 64 bits: spreads entropy into both the high bits (the table's
// probe position) and the low bits (its per-slot tag), at a cost of a few cycles.
inline uint64_t fold_mix(uint64_t x) {
  const unsigned __int128 m =
      static_cast<unsigned __int128>(x + 0x9e3779b97f4a7c15ULL) * 0xdcb22ca68cb134edULL;
  return static_cast<uint64_t>(m) ^ static_cast<uint64_t>(m >> 64);
}

template <class T>
struct StableHash {
  size_t operator()(const T& value) const { return fold_mix(std::hash<T>{}(value)); }
};

template <class A, class B>
struct StableHash<std::pair<A, B>> {
  size_t operator()(const std::pair<A, B>& p) const {
    return fold_mix(StableHash<A>{}(p.first) * 31 + StableHash<B>{}(p.second));
  }
};

template <class... Ts>
struct StableHash<std::tuple<Ts...>> {
  size_t operator()(const std::tuple<Ts...>& t) const {
    size_t h = 0;
    std::apply([&](const auto&... parts) {
      ((h = fold_mix(h * 31 + StableHash<std::decay_t<decltype(parts)>>{}(parts))), ...);
    }, t);
    return h;
  }
};

template <>
struct StableHash<MemberId> {
  size_t operator()(MemberId m) const { return fold_mix(m.raw); }
};

template <>
struct StableHash<ConnectionId> {
  size_t operator()(ConnectionId c) const { return fold_mix(c.raw); }
};

template <class K, class V>
using StableMap = absl::flat_hash_map<K, V, StableHash<K>>;

template <class K>
using StableSet = absl::flat_hash_set<K, StableHash<K>>;

// The run-time value of a KeyedSingleton: a view of the table some operator owns.
template <class K, class V>
struct KeyedTableView {
  const StableMap<K, V>* table = nullptr;

  size_t size() const { return table == nullptr ? 0 : table->size(); }
};

}  // namespace eddy::internal

namespace eddy {

// A read-only view of a KeyedSingleton's table, handed to KeyedSingleton::query() functions.
// Valid only during the call. for_each visits entries in no particular order (fixed for a given
// history of the table, but not sorted).
template <class K, class V>
class TableView {
 public:
  explicit TableView(internal::KeyedTableView<K, V> view) : view_(view) {}
  size_t size() const { return view_.size(); }
  // The value under `key`, or null.
  const V* find(const K& key) const {
    if (view_.table == nullptr) return nullptr;
    auto it = view_.table->find(key);
    return it == view_.table->end() ? nullptr : &it->second;
  }
  template <class F>
  void for_each(F&& f) const {
    if (view_.table == nullptr) return;
    for (const auto& [k, v] : *view_.table) f(k, v);
  }

 private:
  internal::KeyedTableView<K, V> view_;
};

}  // namespace eddy

#endif  // EDDY_DATAFLOW_CORE_INTERNAL_STABLE_HASH_H_

// KVSCore: the key-value table as dataflow operators, shared by every store of eddy.
//
//   ht_build(puts)          folds (key, lattice value) pairs into a KeyedSingleton table that
//                           lives across ticks; every value merges with the lattice's merge
//                           (with optional values, none removes the key: deletes collected).
//   batch_gets(ops, tick)   the GETs among the ops that arrived for this tick.
//   ht_query(gets, table)   answers every GET: a hit with the value, or an explicit miss.
//
// These are the building blocks; member_store.h composes them with the ordering a store needs
// (a GET sees the writes before it in the same tick, and none after it).
#ifndef EDDY_KVS_CORE_KVS_CORE_H_
#define EDDY_KVS_CORE_KVS_CORE_H_

#include <optional>
#include <utility>

#include "dataflow/eddy.h"
#include "kvs/core/types.h"

namespace eddy::kvs {

// The table of a tick's puts and of every earlier tick's.
template <class V, class L, class O>
KeyedSingleton<Key, V, L, Bounded> ht_build(const Stream<std::pair<Key, V>, L, Bounded, O>& puts) {
  return puts.across_ticks().reduce_keyed(commutative([](V& acc, V&& v) { acc.merge(v); }));
}

// The same, from (key, value or none) pairs in order: none drops the key's entry (a tombstone
// collected).
template <class V, class L>
KeyedSingleton<Key, V, L, Bounded> ht_build(
    const Stream<std::pair<Key, std::optional<V>>, L, Bounded, TotalOrder>& updates) {
  return updates.across_ticks().reduce_keyed_or_erase([](V& acc, V&& v) { acc.merge(v); });
}

// The GETs among `ops`, batched into `tick`.
template <class L, class O>
Stream<MemberOp, Tick<L>, Bounded, O> batch_gets(const Stream<MemberOp, L, Unbounded, O>& ops,
                                                const Tick<L>& tick) {
  return ops.batch(tick).filter([](const MemberOp& op) { return op.kind == OpKind::kGet; });
}

// (key, (get, value or miss)) for every get, in order.
template <class V, class L, class O>
auto ht_query(const Stream<MemberOp, L, Bounded, O>& gets,
              const KeyedSingleton<Key, V, L, Bounded>& table) {
  return table.lookup(
      gets.map([](MemberOp op) {
            Key key = op.key;
            return std::pair<Key, MemberOp>(std::move(key), std::move(op));
          })
          .into_keyed());
}

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CORE_KVS_CORE_H_

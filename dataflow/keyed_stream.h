// KeyedStream<K, V, L, Bound, Order>: a stream of (key, value) pairs grouped by key. Order is
// the order within each key; across keys there is none. Network receivers that hear from a
// Cluster get a KeyedStream keyed by the sending MemberId; client ports give one keyed by
// ConnectionId. Include "dataflow/eddy.h" rather than this header alone.
#ifndef EDDY_DATAFLOW_KEYED_STREAM_H_
#define EDDY_DATAFLOW_KEYED_STREAM_H_

#include <utility>
#include <vector>

#include "dataflow/stream.h"

namespace eddy {

template <class K, class V, class L, class B, class O>
class KeyedStream : public internal::Handle<L> {
  using Top = internal::TopOf<L>;
  using Pairs = Stream<std::pair<K, V>, L, B, O>;

 public:
  using LocationType = L;
  using Repr = std::vector<std::pair<K, V>>;

  // Made by operators.
  KeyedStream(L location, internal::NodeId node) : internal::Handle<L>(std::move(location), node) {}

  // Every (key, value) pair.
  Stream<std::pair<K, V>, L, B, NoOrder> entries() const {
    return Stream<std::pair<K, V>, L, B, NoOrder>(this->location_, this->node_);
  }
  // Every value, dropping keys.
  Stream<V, L, B, NoOrder> values() const {
    return entries().map([](std::pair<K, V>&& kv) { return std::move(kv.second); });
  }
  // Every key, once per value.
  Stream<K, L, B, NoOrder> keys() const {
    return entries().map([](std::pair<K, V>&& kv) { return std::move(kv.first); });
  }

  // f(v) for each value, keys kept.
  template <class F>
  auto map_values(F f) const {
    static_assert(internal::kIsUserCallable<F, V&&>,
                  "map_values(f): f must accept the stream's value type");
    using U = std::decay_t<internal::UserResult<F, V&&>>;
    auto mapped = pairs().map([f = std::move(f)](Context& ctx, std::pair<K, V>&& kv) mutable {
      return std::pair<K, U>(std::move(kv.first), internal::call_user(f, ctx, std::move(kv.second)));
    });
    return KeyedStream<K, U, L, B, O>(this->location_, mapped.node());
  }

  // The pairs for which f(key, value) is true.
  template <class F>
  KeyedStream<K, V, L, B, O> filter(F f) const {
    auto kept = pairs().filter([f = std::move(f)](const std::pair<K, V>& kv) mutable {
      return f(kv.first, kv.second);
    });
    return KeyedStream<K, V, L, B, O>(this->location_, kept.node());
  }

  // Per key, the accumulator after f(acc, v) for each of its values (see Stream::fold).
  template <class A, class F>
  KeyedSingleton<K, A, L, B> fold_keyed(A init, F f) const {
    return pairs().fold_keyed(std::move(init), std::move(f));
  }
  // Per key, f folded over its values (see Stream::reduce).
  template <class F>
  KeyedSingleton<K, V, L, B> reduce_keyed(F f) const {
    return pairs().reduce_keyed(std::move(f));
  }

  KeyedStream<K, V, Tick<L>, Bounded, O> batch(const Tick<L>& tick) const {
    auto batched = pairs().batch(tick);
    return KeyedStream<K, V, Tick<L>, Bounded, O>(tick, batched.node());
  }
  KeyedStream<K, V, Top, Unbounded, O> all_ticks() const {
    auto all = pairs().all_ticks();
    return KeyedStream<K, V, Top, Unbounded, O>(all.location(), all.node());
  }
  AcrossTicks<std::pair<K, V>, L, B, O> across_ticks() const { return pairs().across_ticks(); }

  // Sinks over the (key, value) pairs (see Stream::for_each and Stream::collect).
  template <class F>
  void for_each(F f) const {
    pairs().for_each(std::move(f));
  }
  Collected<std::pair<K, V>> collect() const { return pairs().collect(); }

 private:
  Pairs pairs() const { return Pairs(this->location_, this->node_); }
};

}  // namespace eddy

#endif  // EDDY_DATAFLOW_KEYED_STREAM_H_

// KeyedSingleton<K, V, L, Bound>: a table with one value per key, made by fold_keyed or
// reduce_keyed. It is a view of the table its aggregation owns, so reading it costs nothing
// per tick beyond what is read. Lookups answer every probe: a hit, or an explicit miss.
// Include "dataflow/eddy.h" rather than this header alone.
#ifndef EDDY_DATAFLOW_KEYED_SINGLETON_H_
#define EDDY_DATAFLOW_KEYED_SINGLETON_H_

#include <optional>
#include <utility>

#include "dataflow/keyed_stream.h"
#include "dataflow/ops/keyed.h"
#include "dataflow/ops/tick_ops.h"
#include "dataflow/singleton.h"

namespace eddy {

template <class K, class V, class L, class B>
class KeyedSingleton : public internal::Handle<L> {
 public:
  using LocationType = L;
  using Repr = internal::KeyedTableView<K, V>;

  // Made by operators.
  KeyedSingleton(L location, internal::NodeId node)
      : internal::Handle<L>(std::move(location), node) {}

  // The table as it stands in `tick`.
  KeyedSingleton<K, V, Tick<L>, Bounded> snapshot(const Tick<L>& tick) const {
    static_assert(!kIsBounded<B>, "snapshot(tick) applies to a top-level table");
    internal::require_same_location(this->location_, tick, "snapshot");
    return KeyedSingleton<K, V, Tick<L>, Bounded>(
        tick, internal::add_node<internal::AliasNode<Repr>>(
                  tick, this->spec_at_other(tick, "snapshot"),
                  internal::type_name<std::pair<K, V>>()));
  }

  // The table as it stood at the end of the previous tick (empty in the first), without a copy:
  // within each tick, whatever reads this view runs before the table takes this tick's updates
  // (so a reader may compute this tick's updates from it: read, then write). A reader that also
  // needs this tick's table is a same-tick cycle, which validate() reports.
  KeyedSingleton<K, V, L, B> defer_tick() const {
    static_assert(kIsBounded<B>, "defer_tick() applies to a table in a tick: snapshot(tick) first");
    return KeyedSingleton<K, V, L, B>(
        this->location_, this->template add<internal::PreviousTickViewNode<Repr>>(
                             this->spec("defer_tick"), internal::type_name<std::pair<K, V>>()));
  }

  // For each probe key k, (k, value) on a hit and (k, nullopt) on a miss, in probe order.
  template <class O2>
  Stream<std::pair<K, std::optional<V>>, L, Bounded, O2> lookup(
      const Stream<K, L, Bounded, O2>& probes) const {
    require_bounded("lookup");
    internal::require_same_location(this->location_, probes.location(), "lookup");
    return Stream<std::pair<K, std::optional<V>>, L, Bounded, O2>(
        this->location_, this->template add<internal::LookupNode<K, V, int, false>>(
                             this->spec("lookup", {probes.node()})));
  }
  // For each probe (k, p): (k, (p, value)) on a hit and (k, (p, nullopt)) on a miss.
  template <class P, class O2>
  KeyedStream<K, std::pair<P, std::optional<V>>, L, Bounded, O2> lookup(
      const KeyedStream<K, P, L, Bounded, O2>& probes) const {
    require_bounded("lookup");
    internal::require_same_location(this->location_, probes.location(), "lookup");
    return KeyedStream<K, std::pair<P, std::optional<V>>, L, Bounded, O2>(
        this->location_, this->template add<internal::LookupNode<K, V, P, true>>(
                             this->spec("lookup", {probes.node()})));
  }

  // The value under the key `key` holds; empty on a miss or while `key` is empty.
  template <template <class, class, class> class KeyKind, class B2>
  Optional<V, L, B> get(const KeyKind<K, L, B2>& key) const {
    internal::require_same_location(this->location_, key.location(), "get");
    return Optional<V, L, B>(this->location_, this->template add<internal::GetNode<K, V>>(
                                                  this->spec("get", {key.node()})));
  }

  // f(table, probe) for each probe, in probe order: a computation over the whole table (a
  // count, a digest) that costs nothing in ticks without probes. f gets a TableView.
  template <class P, class O2, class F>
  auto query(const Stream<P, L, Bounded, O2>& probes, F f) const {
    require_bounded("query");
    internal::require_same_location(this->location_, probes.location(), "query");
    static_assert(std::is_invocable_v<F&, const TableView<K, V>&, const P&>,
                  "query(probes, f): f must accept (const eddy::TableView<K, V>&, const P&)");
    using Out = std::decay_t<std::invoke_result_t<F&, const TableView<K, V>&, const P&>>;
    return Stream<Out, L, Bounded, O2>(
        this->location_, this->template add<internal::QueryNode<K, V, P, Out, F>>(
                             this->spec("query", {probes.node()}), std::move(f)));
  }

  // Runs f(state, table, x) over `events` in order, starting from `init`, and emits what f
  // returns (a std::optional or a range), as Stream::scan does; f reads this table in place
  // through a TableView (with defer_tick(): as the previous tick left it). The state restarts
  // every tick, or lives on with `across_ticks = true`.
  template <class In, class O2, class S, class F>
  auto scan_over(const Stream<In, L, Bounded, O2>& events, S init, F f,
                 bool across_ticks = false) const {
    require_bounded("scan_over");
    static_assert(kIsTotalOrder<O2>, "scan_over runs f in event order: the events need TotalOrder");
    internal::require_same_location(this->location_, events.location(), "scan_over");
    static_assert(internal::kIsUserCallable<F, S&, const TableView<K, V>&, In&&>,
                  "scan_over(events, init, f): f must accept (S&, const TableView<K, V>&, event)");
    using R = std::decay_t<internal::UserResult<F, S&, const TableView<K, V>&, In&&>>;
    using Out = typename internal::ScanOutput<R>::type;
    return Stream<Out, L, Bounded, TotalOrder>(
        this->location_, this->template add<internal::TableScanNode<K, V, In, S, Out, F>>(
                             this->spec("scan_over", {events.node()}), std::move(init),
                             std::move(f), across_ticks));
  }

  Stream<std::pair<K, V>, L, B, NoOrder> entries() const {
    return read<internal::TableRead::kEntries>("entries");
  }
  Stream<K, L, B, NoOrder> keys() const { return read<internal::TableRead::kKeys>("keys"); }
  Stream<V, L, B, NoOrder> values() const { return read<internal::TableRead::kValues>("values"); }

  // The number of keys.
  Singleton<size_t, L, B> key_count() const {
    return Singleton<size_t, L, B>(
        this->location_,
        this->template add<internal::KeyCountNode<K, V>>(this->spec("key_count")));
  }

 private:
  static constexpr void require_bounded(const char*) {
    static_assert(kIsBounded<B>,
                  "reading a top-level table's entries needs a tick: snapshot(tick) it first");
  }

  template <internal::TableRead kRead>
  Stream<internal::TableReadElement<K, V, kRead>, L, B, NoOrder> read(const char* op) const {
    require_bounded(op);
    return Stream<internal::TableReadElement<K, V, kRead>, L, B, NoOrder>(
        this->location_,
        this->template add<internal::TableReadNode<K, V, kRead>>(this->spec(op)));
  }
};

}  // namespace eddy

#endif  // EDDY_DATAFLOW_KEYED_SINGLETON_H_

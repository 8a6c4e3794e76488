// Stream<T, L, Bound, Order>: a live collection of elements of type T at location L.
//
// At a top-level location (Process, Cluster) a stream is Unbounded: elements keep arriving, and
// each tick sees the ones that arrived since the last. In a Tick<L> it is Bounded: exactly one
// tick's elements. Order says whether the element order is deterministic (TotalOrder) or not
// (NoOrder). Handles are cheap values: using one twice feeds both uses the same elements.
//
//   auto tick = process.tick();
//   auto totals = process.source_iter({1, 2, 3})
//                     .map([](int x) { return x * 10; })
//                     .batch(tick)
//                     .fold(0, [](int& sum, int x) { sum += x; });
//
// Lambdas given to map, filter, filter_map, flat_map, inspect and for_each receive each element
// as an rvalue, optionally after an eddy::Context& (see core/context.h). Misuse that the types
// can see (sorting an unbounded stream, an order-sensitive fold over a NoOrder stream, sending
// to the wrong kind of location) fails to compile with a message that says what to do instead.
// Include "dataflow/eddy.h" rather than this header alone.
#ifndef EDDY_DATAFLOW_STREAM_H_
#define EDDY_DATAFLOW_STREAM_H_

#include <array>
#include <optional>
#include <ranges>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "dataflow/core/forward.h"
#include "dataflow/core/internal/handle.h"
#include "dataflow/core/location.h"
#include "dataflow/ops/aggregate.h"
#include "dataflow/ops/elementwise.h"
#include "dataflow/ops/external.h"
#include "dataflow/ops/network.h"
#include "dataflow/ops/relational.h"
#include "dataflow/ops/sinks.h"
#include "dataflow/ops/tick_ops.h"
#include "dataflow/ops/time_ops.h"

namespace eddy {

namespace internal {
template <class T>
inline constexpr bool kIsOptional = false;
template <class T>
inline constexpr bool kIsOptional<std::optional<T>> = true;

// What scan emits per call: the value type of the std::optional or range f returns.
template <class R>
struct ScanOutput {
  static_assert(std::ranges::range<R>, "scan(init, f): f must return a std::optional or a range");
  using type = std::decay_t<std::ranges::range_value_t<R>>;
};
template <class U>
struct ScanOutput<std::optional<U>> {
  using type = U;
};
}  // namespace internal

template <class T, class L, class B, class O>
class AcrossTicks;

template <class T, class L, class B, class O>
class Stream : public internal::Handle<L> {
  static_assert(internal::kIsTick<L> == kIsBounded<B>,
                "a Stream at a top-level location is Unbounded and one in a Tick is Bounded");
  using Top = internal::TopOf<L>;

 public:
  using Element = T;
  using LocationType = L;
  using Repr = std::vector<T>;

  // Made by operators; users get streams from sources and other operators.
  Stream(L location, internal::NodeId node) : internal::Handle<L>(std::move(location), node) {}

  // A TotalOrder stream may be used wherever a NoOrder one is expected (forgetting an order is
  // always safe; the opposite needs sort()).
  template <class O2>
    requires(std::is_same_v<O, NoOrder> && !std::is_same_v<O2, NoOrder>)
  Stream(const Stream<T, L, B, O2>& ordered) : internal::Handle<L>(ordered.location(), ordered.node()) {}

  // ---- Element-wise ---------------------------------------------------------------------

  // Stream of f(x) for each x.
  template <class F>
  auto map(F f) const {
    static_assert(internal::kIsUserCallable<F, T&&>,
                  "map(f): f must accept the stream's element type (optionally after "
                  "eddy::Context&)");
    using U = std::decay_t<internal::UserResult<F, T&&>>;
    return elementwise<internal::ElementwiseKind::kMap, U>("map", std::move(f));
  }

  // The elements for which f(x) is true.
  template <class F>
  Stream<T, L, B, O> filter(F f) const {
    static_assert(internal::kIsUserCallable<F, const T&>,
                  "filter(f): f must accept `const T&` for the stream's element type T");
    static_assert(std::is_convertible_v<internal::UserResult<F, const T&>, bool>,
                  "filter(f): f must return bool");
    return elementwise<internal::ElementwiseKind::kFilter, T>("filter", std::move(f));
  }

  // Stream of *f(x) for each x where f returns a non-empty std::optional.
  template <class F>
  auto filter_map(F f) const {
    static_assert(internal::kIsUserCallable<F, T&&>,
                  "filter_map(f): f must accept the stream's element type");
    using R = std::decay_t<internal::UserResult<F, T&&>>;
    static_assert(internal::kIsOptional<R>, "filter_map(f): f must return a std::optional");
    return elementwise<internal::ElementwiseKind::kFilterMap, typename R::value_type>(
        "filter_map", std::move(f));
  }

  // Every element of every range f(x), in order.
  template <class F>
  auto flat_map(F f) const {
    static_assert(internal::kIsUserCallable<F, T&&>,
                  "flat_map(f): f must accept the stream's element type");
    using R = std::decay_t<internal::UserResult<F, T&&>>;
    static_assert(std::ranges::range<R>, "flat_map(f): f must return a range (a vector, ...)");
    using U = std::decay_t<std::ranges::range_value_t<R>>;
    return elementwise<internal::ElementwiseKind::kFlatMap, U>("flat_map", std::move(f));
  }

  // The same stream; f(const T&) sees each element on the way (logging, counters).
  template <class F>
  Stream<T, L, B, O> inspect(F f) const {
    static_assert(internal::kIsUserCallable<F, const T&>,
                  "inspect(f): f must accept `const T&` for the stream's element type T");
    return elementwise<internal::ElementwiseKind::kInspect, T>("inspect", std::move(f));
  }

  // (index, x) pairs; indices restart each tick inside a Tick and never at top level.
  Stream<std::pair<size_t, T>, L, B, O> enumerate() const {
    static_assert(kIsTotalOrder<O>,
                  "enumerate() needs a TotalOrder stream: indices of a NoOrder stream would "
                  "differ from run to run; sort() it first");
    return Stream<std::pair<size_t, T>, L, B, O>(
        this->location_,
        this->template add<internal::EnumerateNode<T>>(this->spec("enumerate"), kIsBounded<B>));
  }

  // ---- Combining ------------------------------------------------------------------------

  // All of this tick's elements of this stream, then all of `other`'s.
  template <class L2, class B2, class O2>
  Stream<T, L, B, MinOrder<O, O2>> chain(const Stream<T, L2, B2, O2>& other) const {
    static_assert(kIsBounded<B> && kIsBounded<B2>,
                  "chain(other) puts all of one stream before all of the other, which only "
                  "means something within a tick: batch(tick) both streams first, or merge() "
                  "unbounded streams");
    static_assert(std::is_same_v<L, L2>, "chain(other): both streams must be in the same tick");
    internal::require_same_location(this->location_, other.location(), "chain");
    return Stream<T, L, B, MinOrder<O, O2>>(
        this->location_,
        this->template add<internal::ConcatNode<T>>(this->spec("chain", {other.node()})));
  }

  // This stream's and `other`'s elements, interleaved in no promised order.
  template <class O2>
  Stream<T, L, B, NoOrder> merge(const Stream<T, L, B, O2>& other) const {
    internal::require_same_location(this->location_, other.location(), "merge");
    return Stream<T, L, B, NoOrder>(
        this->location_,
        this->template add<internal::ConcatNode<T>>(this->spec("merge", {other.node()})));
  }

  // ---- Relational (this is a stream of (key, value) pairs where noted) -------------------

  // (k, (v1, v2)) for every (k, v1) here and (k, v2) in `other` with the same key. Inside a
  // tick it joins the tick's elements; at top level, everything either side ever received.
  template <class T2, class B2, class O2>
  auto join(const Stream<T2, L, B2, O2>& other) const {
    static_assert(internal::kIsPair<T> && internal::kIsPair<T2>,
                  "join(other) works on two streams of (key, value) pairs");
    using K = typename T::first_type;
    static_assert(std::is_same_v<K, typename T2::first_type>,
                  "join(other): both streams need the same key type");
    static_assert(std::is_same_v<B, B2>,
                  "join(other): both streams must be in a tick, or both at top level");
    internal::require_same_location(this->location_, other.location(), "join");
    using V1 = typename T::second_type;
    using V2 = typename T2::second_type;
    return Stream<std::pair<K, std::pair<V1, V2>>, L, B, NoOrder>(
        this->location_, this->template add<internal::JoinNode<K, V1, V2>>(
                             this->spec("join", {other.node()}), !kIsBounded<B>));
  }

  // The (k, v) pairs whose key k is not in `keys`.
  template <class K2, class B2, class O2>
  Stream<T, L, B, O> anti_join(const Stream<K2, L, B2, O2>& keys) const {
    static_assert(kIsBounded<B> && kIsBounded<B2>,
                  "anti_join(keys) needs bounded streams: it must see every key before it can "
                  "emit anything, and an unbounded stream never ends; batch(tick) both first");
    static_assert(internal::kIsPair<T>, "anti_join(keys) works on a stream of (key, value) pairs");
    static_assert(std::is_same_v<typename T::first_type, K2>,
                  "anti_join(keys): the keys must have the pairs' key type");
    internal::require_same_location(this->location_, keys.location(), "anti_join");
    return Stream<T, L, B, O>(
        this->location_,
        this->template add<internal::AntiJoinNode<T, K2, internal::FirstOfPair>>(
            this->spec("anti_join", {keys.node()})));
  }

  // The elements that do not appear in `other`.
  template <class B2, class O2>
  Stream<T, L, B, O> filter_not_in(const Stream<T, L, B2, O2>& other) const {
    static_assert(kIsBounded<B> && kIsBounded<B2>,
                  "filter_not_in(other) needs bounded streams: batch(tick) both first");
    internal::require_same_location(this->location_, other.location(), "filter_not_in");
    return Stream<T, L, B, O>(this->location_,
                              this->template add<internal::AntiJoinNode<T, T, internal::Itself>>(
                                  this->spec("filter_not_in", {other.node()})));
  }

  // Every pair (a, b) of an element a here and b in `other`.
  template <class U, class B2, class O2>
  Stream<std::pair<T, U>, L, B, MinOrder<O, O2>> cross_product(
      const Stream<U, L, B2, O2>& other) const {
    static_assert(kIsBounded<B> && kIsBounded<B2>,
                  "cross_product(other) needs bounded streams: pairing two unbounded streams "
                  "never completes; batch(tick) both first");
    internal::require_same_location(this->location_, other.location(), "cross_product");
    return Stream<std::pair<T, U>, L, B, MinOrder<O, O2>>(
        this->location_, this->template add<internal::CrossProductNode<T, U>>(
                             this->spec("cross_product", {other.node()})));
  }

  // (x, s) for each element x, where s is the singleton's current value.
  template <class S, class B2>
  Stream<std::pair<T, S>, L, B, O> cross_singleton(const Singleton<S, L, B2>& single) const {
    return cross_singleton_impl<S>(single.location(), single.node());
  }
  // As above; nothing while the optional is empty.
  template <class S, class B2>
  Stream<std::pair<T, S>, L, B, O> cross_singleton(const Optional<S, L, B2>& single) const {
    return cross_singleton_impl<S>(single.location(), single.node());
  }

  // The first occurrence of each element: per tick inside a Tick, ever at top level.
  Stream<T, L, B, O> unique() const { return unique_impl(!kIsBounded<B>); }

  // The tick's elements in ascending order (stable).
  Stream<T, L, B, TotalOrder> sort() const {
    static_assert(kIsBounded<B>,
                  "sort() needs a bounded stream: an unbounded stream never ends, so it can "
                  "never be sorted; batch(tick) it first");
    return Stream<T, L, B, TotalOrder>(
        this->location_, this->template add<internal::SortNode<T>>(this->spec("sort")));
  }

  // ---- Aggregation ------------------------------------------------------------------------
  // Inside a Tick the result covers this tick's elements; at top level, every element so far.

  // The accumulator after f(acc, x) for each x, starting from init. f may update acc in place
  // (void f(A&, T)) or return it (A f(A, T)). Over a NoOrder stream f must be marked
  // commutative: eddy::commutative(f).
  template <class A, class F>
  Singleton<A, L, B> fold(A init, F f) const {
    static_assert(kIsTotalOrder<O> || kIsCommutative<F>,
                  "fold over a NoOrder stream needs a commutative combiner, or its result "
                  "would depend on arrival order: wrap it as eddy::commutative(f)");
    static_assert(internal::kIsCombiner<F, A, T&&>,
                  "fold(init, f): f must accept (Acc&, element)");
    return fold_impl("fold", std::move(init), std::move(f), !kIsBounded<B>);
  }

  // f folded over the elements, starting from the first; empty when there are none.
  template <class F>
  Optional<T, L, B> reduce(F f) const {
    static_assert(kIsTotalOrder<O> || kIsCommutative<F>,
                  "reduce over a NoOrder stream needs a commutative combiner, or its result "
                  "would depend on arrival order: wrap it as eddy::commutative(f)");
    static_assert(internal::kIsCombiner<F, T, T&&>, "reduce(f): f must accept (T&, element)");
    return reduce_impl("reduce", std::move(f), !kIsBounded<B>);
  }

  Singleton<size_t, L, B> count() const { return count_impl(!kIsBounded<B>); }

  // Runs f(state, x) over the elements in order, starting from `init`, and emits what f returns
  // for each: a std::optional (nothing or one element) or a range (any number). The state
  // restarts every tick inside a Tick, and lives on at top level (or after across_ticks()).
  // f may take eddy::Context& first.
  template <class S, class F>
  auto scan(S init, F f) const {
    return scan_impl(std::move(init), std::move(f), !kIsBounded<B>);
  }

  Optional<T, L, B> min() const {
    return reduce_impl("min", commutative([](T& acc, T&& x) {
                         if (x < acc) acc = std::move(x);
                       }),
                       !kIsBounded<B>);
  }

  Optional<T, L, B> max() const {
    return reduce_impl("max", commutative([](T& acc, T&& x) {
                         if (acc < x) acc = std::move(x);
                       }),
                       !kIsBounded<B>);
  }

  Optional<T, L, B> first() const {
    static_assert(kIsTotalOrder<O>, "first() of a NoOrder stream would differ from run to run");
    return reduce_impl("first", [](T&, T&&) {}, !kIsBounded<B>);
  }

  Optional<T, L, B> last() const {
    static_assert(kIsTotalOrder<O>, "last() of a NoOrder stream would differ from run to run");
    return reduce_impl("last", [](T& acc, T&& x) { acc = std::move(x); }, !kIsBounded<B>);
  }

  // N streams: each element moves to branch f(x), a number below N (no copies). Order within a
  // branch is kept.
  //   auto [small, large] = s.partition<2>([](const int& x) { return x < 10 ? 0 : 1; });
  template <size_t N, class F>
  std::array<Stream<T, L, B, O>, N> partition(F f) const {
    static_assert(N >= 1, "partition<N>: N must be at least 1");
    static_assert(internal::kIsUserCallable<F, const T&>,
                  "partition<N>(f): f must accept `const T&` and return the branch number");
    const internal::NodeId whole = this->template add<internal::PartitionNode<T, N, F>>(
        this->spec("partition"), std::move(f));
    return make_branches<N>(whole, std::make_index_sequence<N>());
  }

  // The same elements, declared TotalOrder. REQUIRES: nothing downstream depends on the order
  // (e.g. a scan whose result is the same for any order, like re-sequencing by a number the
  // elements carry). The caller vouches for it; the engine cannot check.
  Stream<T, L, B, TotalOrder> assume_ordered() const {
    return Stream<T, L, B, TotalOrder>(this->location_, this->node_);
  }

  // ---- Keyed (this is a stream of (key, value) pairs) -------------------------------------

  // The same pairs, viewed as a stream grouped by key.
  auto into_keyed() const {
    static_assert(internal::kIsPair<T>, "into_keyed() needs a stream of (key, value) pairs");
    return KeyedStream<typename T::first_type, typename T::second_type, L, B, O>(this->location_,
                                                                                this->node_);
  }

  // Per key, the accumulator after f(acc, v) for each of its values (see fold).
  template <class A, class F>
  auto fold_keyed(A init, F f) const {
    return fold_keyed_impl(std::move(init), std::move(f), !kIsBounded<B>);
  }

  // Per key, f folded over its values (see reduce).
  template <class F>
  auto reduce_keyed(F f) const {
    return reduce_keyed_impl(std::move(f), !kIsBounded<B>);
  }

  // ---- Ticks ------------------------------------------------------------------------------

  // The elements that arrived since the last tick, as a bounded stream in `tick`.
  Stream<T, Tick<L>, Bounded, O> batch(const Tick<L>& tick) const {
    static_assert(!kIsBounded<B>, "batch(tick) applies to a top-level stream");
    internal::require_same_location(this->location_, tick, "batch");
    return Stream<T, Tick<L>, Bounded, O>(
        tick, internal::add_node<internal::AliasNode<Repr>>(
                  tick, this->spec_at_other(tick, "batch"), internal::type_name<T>()));
  }

  // Every tick's elements, as one top-level stream.
  Stream<T, Top, Unbounded, O> all_ticks() const {
    static_assert(kIsBounded<B>, "all_ticks() applies to a stream in a tick");
    const Top& top = this->location_.outer();
    return Stream<T, Top, Unbounded, O>(
        top, internal::add_node<internal::AliasNode<Repr>>(
                 top, this->spec_at_other(top, "all_ticks"), internal::type_name<T>()));
  }

  // This tick's elements, delivered in the next tick; nothing in the first tick.
  Stream<T, L, B, O> defer_tick() const {
    static_assert(kIsBounded<B>, "defer_tick() applies to a stream in a tick");
    return Stream<T, L, B, O>(this->location_,
                              this->template add<internal::DeferTickNode<Repr, true>>(
                                  this->spec("defer_tick"), internal::type_name<T>()));
  }

  // As defer_tick(), but the deferred elements do not make the next tick happen by themselves:
  // they wait for whichever tick something else causes (work parked until new input).
  Stream<T, L, B, O> defer_tick_lazy() const {
    static_assert(kIsBounded<B>, "defer_tick_lazy() applies to a stream in a tick");
    return Stream<T, L, B, O>(this->location_,
                              this->template add<internal::DeferTickNode<Repr, false>>(
                                  this->spec("defer_tick_lazy"), internal::type_name<T>()));
  }

  // Every element of every tick so far, in each tick.
  Stream<T, L, B, O> persist() const {
    static_assert(kIsBounded<B>, "persist() applies to a stream in a tick");
    return Stream<T, L, B, O>(
        this->location_, this->template add<internal::PersistNode<T>>(this->spec("persist")));
  }

  // The aggregations of this stream with state kept across ticks instead of restarting each
  // tick: stream.across_ticks().fold(...).
  AcrossTicks<T, L, B, O> across_ticks() const {
    static_assert(kIsBounded<B>, "across_ticks() applies to a stream in a tick");
    return AcrossTicks<T, L, B, O>(*this);
  }

  // ---- Time (top-level streams; driven by the injected Clock) ----------------------------

  // The elements of the ticks in which an `interval` timer fires; others are dropped.
  Stream<T, L, B, O> sample_every(Duration interval) const {
    static_assert(!kIsBounded<B>, "sample_every(interval) applies to a top-level stream");
    auto id = this->template add<internal::SampleEveryNode<T, false>>(this->spec("sample_every"),
                                                                     interval);
    return Stream<T, L, B, O>(this->location_, id);
  }

  // While no element has arrived for `timeout`, the instant of the last one (or of the start);
  // empty otherwise. A failure detector over heartbeats.
  Optional<Instant, L, Unbounded> timeout(Duration timeout) const {
    static_assert(!kIsBounded<B>, "timeout(duration) applies to a top-level stream");
    return Optional<Instant, L, Unbounded>(
        this->location_,
        this->template add<internal::TimeoutNode<T>>(this->spec("timeout"), timeout));
  }

  // ---- Networking -------------------------------------------------------------------------
  // Elements a tick sends leave at the end of that tick and arrive as a top-level stream. From
  // a Process they arrive as a Stream in send order; from a Cluster, as a KeyedStream keyed by
  // the sending member (in send order per sender).

  // To a Process.
  template <class D>
  auto send(const D& destination) const {
    static_assert(std::is_same_v<D, Process>,
                  "send(destination) reaches a Process; to reach the members of a Cluster use "
                  "broadcast(), round_robin() or demux()");
    return network<T>(destination, internal::Routing::kToProcess, "send", false);
  }

  // To every member of a Cluster. A cluster broadcasting to itself must use the two-argument
  // form and say whether members get their own elements.
  template <class D>
  auto broadcast(const D& destination) const {
    static_assert(std::is_same_v<D, Cluster>,
                  "broadcast(destination) sends to every member of a Cluster; to reach a "
                  "Process use send()");
    if constexpr (std::is_same_v<Top, Cluster>) {
      EDDY_CHECK(destination.id() != this->location_.id(),
                 "cluster '", destination.name(),
                 "' broadcasts to itself: say whether members receive their own elements with "
                 "broadcast(cluster, eddy::IncludeSelf::kYes) or (..., eddy::IncludeSelf::kNo)");
    }
    return network<T>(destination, internal::Routing::kBroadcast, "broadcast", true);
  }

  // From a Cluster to itself: every member, and the sender itself only with kYes.
  template <class D>
  auto broadcast(const D& destination, IncludeSelf include_self) const {
    static_assert(std::is_same_v<Top, Cluster> && std::is_same_v<D, Cluster>,
                  "include_self only applies when a Cluster broadcasts to itself; from a "
                  "Process call broadcast(cluster)");
    EDDY_CHECK(destination.id() == this->location_.id(),
               "include_self only applies when a cluster broadcasts to itself; to reach "
               "cluster '", destination.name(), "' call broadcast(cluster)");
    return network<T>(destination, internal::Routing::kBroadcast, "broadcast",
                      include_self == IncludeSelf::kYes);
  }

  // Each element to the next member in turn.
  template <class D>
  auto round_robin(const D& destination) const {
    static_assert(std::is_same_v<D, Cluster>,
                  "round_robin(destination) spreads elements over the members of a Cluster; "
                  "to reach a Process use send()");
    return network<T>(destination, internal::Routing::kRoundRobin, "round_robin", false);
  }

  // Each (member, x) element's x to that member (this is a stream of (MemberId, U) pairs).
  template <class D>
  auto demux(const D& destination) const {
    static_assert(std::is_same_v<D, Cluster>,
                  "demux(destination) routes elements to members of a Cluster; to reach a "
                  "Process use send()");
    static_assert(internal::kIsPair<T> && std::is_same_v<typename T::first_type, MemberId>,
                  "demux(cluster) needs a stream of (eddy::MemberId, element) pairs");
    return network<typename T::second_type>(destination, internal::Routing::kDemux, "demux",
                                            false);
  }

  // Replies to clients: this is a stream of (ConnectionId, Resp) pairs at the port's process;
  // each reply reaches its connection, in order.
  template <class Req, class Resp>
  void send_external(const ExternalPort<Req, Resp>& port) const {
    static_assert(std::is_same_v<T, std::pair<ConnectionId, Resp>>,
                  "send_external(port) needs a stream of (eddy::ConnectionId, reply) pairs whose "
                  "reply type is the port's");
    internal::require_same_location(this->location_, port.process(), "send_external");
    internal::NodeSpec spec = this->spec("send_external");
    spec.detail = port.name();
    spec.external = port.clients();
    this->template add<internal::SendExternalNode<Req, Resp>>(std::move(spec), port.node());
  }

  // ---- Sinks ------------------------------------------------------------------------------

  // Calls f(x) for each element, on the instance's thread.
  template <class F>
  void for_each(F f) const {
    static_assert(internal::kIsUserCallable<F, T&&>,
                  "for_each(f): f must accept the stream's element type");
    this->template add<internal::ForEachNode<T, F>>(this->spec("for_each"), std::move(f));
  }

  // Keeps every element for a test to read, with the tick it arrived in.
  Collected<T> collect() const {
    auto state = std::make_shared<internal::CollectedState<T>>();
    this->template add<internal::CollectNode<T>>(this->spec("collect"), state);
    return Collected<T>(state);
  }

 private:
  template <class, class, class, class>
  friend class AcrossTicks;

  template <size_t N, size_t... I>
  std::array<Stream<T, L, B, O>, N> make_branches(internal::NodeId whole,
                                                   std::index_sequence<I...>) const {
    return {Stream<T, L, B, O>(
        this->location_, internal::add_node<internal::PartitionBranchNode<T, N>>(
                             this->location_,
                             internal::spec_at(this->location_, "branch " + std::to_string(I), {whole}),
                             I))...};
  }

  template <internal::ElementwiseKind kKind, class U, class F>
  Stream<U, L, B, O> elementwise(const char* op, F f) const {
    return Stream<U, L, B, O>(
        this->location_,
        this->template add<internal::ElementwiseNode<kKind, T, U, F>>(this->spec(op), std::move(f)));
  }

  template <class S, class SL>
  Stream<std::pair<T, S>, L, B, O> cross_singleton_impl(const SL& where,
                                                        internal::NodeId single) const {
    internal::require_same_location(this->location_, where, "cross_singleton");
    return Stream<std::pair<T, S>, L, B, O>(
        this->location_, this->template add<internal::CrossSingletonNode<T, S>>(
                             this->spec("cross_singleton", {single})));
  }

  template <class A, class F>
  Singleton<A, L, B> fold_impl(const char* op, A init, F f, bool persistent) const {
    return Singleton<A, L, B>(this->location_,
                              this->template add<internal::FoldNode<T, A, F>>(
                                  this->spec(op), std::move(init), std::move(f), persistent));
  }

  template <class F>
  Optional<T, L, B> reduce_impl(const char* op, F f, bool persistent) const {
    return Optional<T, L, B>(this->location_, this->template add<internal::ReduceNode<T, F>>(
                                                  this->spec(op), std::move(f), persistent));
  }

  Singleton<size_t, L, B> count_impl(bool persistent) const {
    return fold_impl("count", size_t{0}, commutative([](size_t& n, const T&) { ++n; }),
                     persistent);
  }

  template <class S, class F>
  auto scan_impl(S init, F f, bool persistent) const {
    static_assert(kIsTotalOrder<O>,
                  "scan(init, f) runs f over the elements in order, so over a NoOrder stream its "
                  "outputs would depend on arrival order: sort() first, or assume_ordered() if "
                  "f's results do not depend on the order");
    static_assert(internal::kIsUserCallable<F, S&, T&&>,
                  "scan(init, f): f must accept (S&, element), optionally after eddy::Context&");
    using R = std::decay_t<internal::UserResult<F, S&, T&&>>;
    using U = typename internal::ScanOutput<R>::type;
    return Stream<U, L, B, O>(this->location_, this->template add<internal::ScanNode<T, S, U, F>>(
                                                   this->spec("scan"), std::move(init),
                                                   std::move(f), persistent));
  }

  Stream<T, L, B, O> unique_impl(bool persistent) const {
    return Stream<T, L, B, O>(this->location_, this->template add<internal::UniqueNode<T>>(
                                                   this->spec("unique"), persistent));
  }

  template <class A, class F>
  auto fold_keyed_impl(A init, F f, bool persistent) const {
    static_assert(internal::kIsPair<T>, "fold_keyed needs a stream of (key, value) pairs");
    using K = typename T::first_type;
    using V = typename T::second_type;
    static_assert(kIsTotalOrder<O> || kIsCommutative<F>,
                  "fold_keyed over a NoOrder stream needs a commutative combiner: wrap it as "
                  "eddy::commutative(f)");
    static_assert(internal::kIsCombiner<F, A, V&&>, "fold_keyed(init, f): f must accept (Acc&, value)");
    return KeyedSingleton<K, A, L, B>(
        this->location_, this->template add<internal::FoldKeyedNode<K, V, A, F, false>>(
                             this->spec("fold_keyed"), std::optional<A>(std::move(init)),
                             std::move(f), persistent));
  }

  template <class F>
  auto reduce_keyed_impl(F f, bool persistent) const {
    static_assert(internal::kIsPair<T>, "reduce_keyed needs a stream of (key, value) pairs");
    using K = typename T::first_type;
    using V = typename T::second_type;
    static_assert(kIsTotalOrder<O> || kIsCommutative<F>,
                  "reduce_keyed over a NoOrder stream needs a commutative combiner: wrap it as "
                  "eddy::commutative(f)");
    static_assert(internal::kIsCombiner<F, V, V&&>, "reduce_keyed(f): f must accept (V&, value)");
    return KeyedSingleton<K, V, L, B>(
        this->location_, this->template add<internal::FoldKeyedNode<K, V, V, F, true>>(
                             this->spec("reduce_keyed"), std::nullopt, std::move(f), persistent));
  }

  template <class F>
  auto reduce_keyed_or_erase_impl(F f) const {
    static_assert(internal::kIsPair<T>, "reduce_keyed_or_erase needs (key, optional value) pairs");
    static_assert(kIsTotalOrder<O>,
                  "reduce_keyed_or_erase needs a TotalOrder stream: removing a key does not "
                  "commute with combining into it");
    using K = typename T::first_type;
    using V = typename T::second_type::value_type;
    static_assert(std::is_same_v<typename T::second_type, std::optional<V>>,
                  "reduce_keyed_or_erase needs (key, std::optional<value>) pairs");
    static_assert(internal::kIsCombiner<F, V, V&&>,
                  "reduce_keyed_or_erase(f): f must accept (V&, value)");
    return KeyedSingleton<K, V, L, B>(
        this->location_, this->template add<internal::ReduceKeyedOrEraseNode<K, V, F>>(
                             this->spec("reduce_keyed_or_erase"), std::move(f)));
  }

  template <class U, class D>
  auto network(const D& destination, internal::Routing routing, const char* op,
               bool include_self) const {
    EDDY_CHECK(&destination.graph() == &this->location_.graph(), op,
               ": the destination belongs to another flow");
    const internal::NodeId sent = this->template add<internal::NetworkSendNode<U, T>>(
        this->spec(op), destination.id(), routing, include_self);
    if constexpr (std::is_same_v<Top, Process>) {
      return Stream<U, D, Unbounded, TotalOrder>(
          destination, internal::add_node<internal::NetworkRecvNode<U, false>>(
                           destination, internal::spec_at(destination, "receive", {sent})));
    } else {
      return KeyedStream<MemberId, U, D, Unbounded, TotalOrder>(
          destination, internal::add_node<internal::NetworkRecvNode<U, true>>(
                           destination, internal::spec_at(destination, "receive", {sent})));
    }
  }
};

// The aggregations of a tick's stream with their state kept across ticks: the fold of tick t
// covers every element of ticks 0..t. Made by Stream::across_ticks().
template <class T, class L, class B, class O>
class AcrossTicks {
 public:
  explicit AcrossTicks(Stream<T, L, B, O> stream) : stream_(std::move(stream)) {}

  template <class A, class F>
  Singleton<A, L, B> fold(A init, F f) const {
    static_assert(kIsTotalOrder<O> || kIsCommutative<F>,
                  "fold over a NoOrder stream needs a commutative combiner: wrap it as "
                  "eddy::commutative(f)");
    static_assert(internal::kIsCombiner<F, A, T&&>, "fold(init, f): f must accept (Acc&, element)");
    return stream_.fold_impl("fold", std::move(init), std::move(f), true);
  }
  template <class F>
  Optional<T, L, B> reduce(F f) const {
    static_assert(kIsTotalOrder<O> || kIsCommutative<F>,
                  "reduce over a NoOrder stream needs a commutative combiner: wrap it as "
                  "eddy::commutative(f)");
    return stream_.reduce_impl("reduce", std::move(f), true);
  }
  Singleton<size_t, L, B> count() const { return stream_.count_impl(true); }
  Stream<T, L, B, O> unique() const { return stream_.unique_impl(true); }
  template <class S, class F>
  auto scan(S init, F f) const {
    return stream_.scan_impl(std::move(init), std::move(f), true);
  }
  template <class A, class F>
  auto fold_keyed(A init, F f) const {
    return stream_.fold_keyed_impl(std::move(init), std::move(f), true);
  }
  template <class F>
  auto reduce_keyed(F f) const {
    return stream_.reduce_keyed_impl(std::move(f), true);
  }
  // Like reduce_keyed, over (key, std::optional<value>) pairs: an empty value removes its key's
  // entry (a table whose keys can be dropped, such as a store collecting its tombstones).
  // Removal does not commute with combining, so the stream must be totally ordered.
  template <class F>
  auto reduce_keyed_or_erase(F f) const {
    return stream_.reduce_keyed_or_erase_impl(std::move(f));
  }

 private:
  Stream<T, L, B, O> stream_;
};

}  // namespace eddy

#endif  // EDDY_DATAFLOW_STREAM_H_

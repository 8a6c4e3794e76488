// Singleton<T, L, Bound> and Optional<T, L, Bound>: one value (or at most one) at location L.
//
// In a Tick the value belongs to that tick (a fold of the tick's elements); at top level it
// changes over time (a fold of everything so far, the latest value of a tick's singleton).
// snapshot(tick) reads a top-level value inside a tick; latest() and all_ticks() go back out.
// Include "dataflow/eddy.h" rather than this header alone.
#ifndef EDDY_DATAFLOW_SINGLETON_H_
#define EDDY_DATAFLOW_SINGLETON_H_

#include <optional>
#include <utility>

#include "dataflow/ops/singleton_ops.h"
#include "dataflow/stream.h"

namespace eddy {
namespace internal {

// What Singleton and Optional share. Kind is the handle template itself: map() of a Singleton
// is a Singleton, of an Optional an Optional.
template <template <class, class, class> class Kind, class T, class L, class B>
class ValueHandle : public Handle<L> {
  using Top = TopOf<L>;
  using Self = Kind<T, L, B>;

 public:
  using LocationType = L;
  using Repr = std::optional<T>;

  // f(value).
  template <class F>
  auto map(F f) const {
    static_assert(kIsUserCallable<F, const T&>, "map(f): f must accept `const T&`");
    using U = std::decay_t<UserResult<F, const T&>>;
    return Kind<U, L, B>(this->location_,
                         this->template add<SingletonFnNode<SingletonOp::kMap, T, U, F>>(
                             this->spec("map"), std::move(f)));
  }
  // The value when f(value) is true; empty otherwise.
  template <class F>
  Optional<T, L, B> filter(F f) const {
    static_assert(kIsUserCallable<F, const T&>, "filter(f): f must accept `const T&`");
    return Optional<T, L, B>(this->location_,
                             this->template add<SingletonFnNode<SingletonOp::kFilter, T, T, F>>(
                                 this->spec("filter"), std::move(f)));
  }
  // *f(value) when f returns a non-empty std::optional; empty otherwise.
  template <class F>
  auto filter_map(F f) const {
    using R = std::decay_t<UserResult<F, const T&>>;
    static_assert(kIsOptional<R>, "filter_map(f): f must return a std::optional");
    using U = typename R::value_type;
    return Optional<U, L, B>(this->location_,
                             this->template add<SingletonFnNode<SingletonOp::kFilterMap, T, U, F>>(
                                 this->spec("filter_map"), std::move(f)));
  }

  // A stream of the value (nothing when empty), in this tick.
  Stream<T, L, B, TotalOrder> into_stream() const {
    static_assert(kIsBounded<B>, "into_stream() applies to a value in a tick");
    return Stream<T, L, B, TotalOrder>(
        this->location_,
        this->template add<SingletonToStreamNode<T>>(this->spec("into_stream")));
  }
  // The value of every tick, as a top-level stream.
  Stream<T, Top, Unbounded, TotalOrder> all_ticks() const {
    static_assert(kIsBounded<B>, "all_ticks() applies to a value in a tick");
    const Top& top = this->location_.outer();
    return Stream<T, Top, Unbounded, TotalOrder>(
        top, add_node<SingletonToStreamNode<T>>(top, this->spec_at_other(top, "all_ticks")));
  }
  // The value of the most recent tick that had one, held at top level.
  Kind<T, Top, Unbounded> latest() const {
    static_assert(kIsBounded<B>, "latest() applies to a value in a tick");
    const Top& top = this->location_.outer();
    return Kind<T, Top, Unbounded>(
        top, add_node<LatestNode<T>>(top, this->spec_at_other(top, "latest")));
  }
  // The current value, inside `tick`.
  Kind<T, Tick<L>, Bounded> snapshot(const Tick<L>& tick) const {
    static_assert(!kIsBounded<B>, "snapshot(tick) applies to a top-level value");
    require_same_location(this->location_, tick, "snapshot");
    return Kind<T, Tick<L>, Bounded>(
        tick, add_node<AliasNode<Repr>>(tick, this->spec_at_other(tick, "snapshot"),
                                        type_name<T>()));
  }
  // The previous tick's value, in the next tick that runs; empty in the first. Unlike a
  // deferred stream it does not make that tick happen (a value is always there to defer).
  Optional<T, L, B> defer_tick() const {
    static_assert(kIsBounded<B>, "defer_tick() applies to a value in a tick");
    return Optional<T, L, B>(this->location_, this->template add<DeferTickNode<Repr, false>>(
                                                  this->spec("defer_tick"), type_name<T>()));
  }
  // The current value every `interval`, as a stream (nothing while empty).
  Stream<T, L, Unbounded, TotalOrder> sample_every(Duration interval) const {
    static_assert(!kIsBounded<B>, "sample_every(interval) applies to a top-level value");
    return Stream<T, L, Unbounded, TotalOrder>(
        this->location_, this->template add<SampleEveryNode<T, true>>(this->spec("sample_every"),
                                                                      interval));
  }

 protected:
  ValueHandle(L location, NodeId node) : Handle<L>(std::move(location), node) {}

  template <template <class, class, class> class Out, class U, class Other>
  auto zip_with(const Other& other) const {
    require_same_location(this->location_, other.location(), "zip");
    return Out<std::pair<T, U>, L, B>(
        this->location_, this->template add<ZipNode<T, U>>(this->spec("zip", {other.node()})));
  }
};

}  // namespace internal

template <class T, class L, class B>
class Singleton : public internal::ValueHandle<Singleton, T, L, B> {
 public:
  // Made by operators.
  Singleton(L location, internal::NodeId node)
      : internal::ValueHandle<Singleton, T, L, B>(std::move(location), node) {}

  // Both values as a pair.
  template <class U, class B2>
  Singleton<std::pair<T, U>, L, B> zip(const Singleton<U, L, B2>& other) const {
    return this->template zip_with<Singleton, U>(other);
  }
  // Both values as a pair; empty while `other` is.
  template <class U, class B2>
  Optional<std::pair<T, U>, L, B> zip(const Optional<U, L, B2>& other) const {
    return this->template zip_with<Optional, U>(other);
  }
  // The same value, typed as an Optional.
  Optional<T, L, B> into_optional() const { return Optional<T, L, B>(this->location_, this->node_); }
};

template <class T, class L, class B>
class Optional : public internal::ValueHandle<Optional, T, L, B> {
 public:
  // Made by operators.
  Optional(L location, internal::NodeId node)
      : internal::ValueHandle<Optional, T, L, B>(std::move(location), node) {}

  // Both values as a pair; empty while either is.
  template <class U, class B2>
  Optional<std::pair<T, U>, L, B> zip(const Singleton<U, L, B2>& other) const {
    return this->template zip_with<Optional, U>(other);
  }
  template <class U, class B2>
  Optional<std::pair<T, U>, L, B> zip(const Optional<U, L, B2>& other) const {
    return this->template zip_with<Optional, U>(other);
  }
  // The value, or `fallback` while empty.
  Singleton<T, L, B> unwrap_or(T fallback) const {
    return Singleton<T, L, B>(this->location_, this->template add<internal::UnwrapOrNode<T>>(
                                                   this->spec("unwrap_or"), std::move(fallback)));
  }
};

}  // namespace eddy

#endif  // EDDY_DATAFLOW_SINGLETON_H_

// The guarantees a live collection carries in its type.
//
// Bound: `Bounded` collections hold one tick's worth of data and live in a Tick<L>;
// `Unbounded` collections live at a top-level location and grow over time.
// Order: `TotalOrder` streams deliver elements in a deterministic order; `NoOrder` streams may
// interleave them arbitrarily (merges, many senders, hash tables), so order-sensitive
// operators need a commutative combiner over them.
#ifndef EDDY_DATAFLOW_CORE_GUARANTEES_H_
#define EDDY_DATAFLOW_CORE_GUARANTEES_H_

#include <type_traits>
#include <utility>

namespace eddy {

struct Bounded {};
struct Unbounded {};
struct TotalOrder {};
struct NoOrder {};

template <class B>
inline constexpr bool kIsBounded = std::is_same_v<B, Bounded>;
template <class O>
inline constexpr bool kIsTotalOrder = std::is_same_v<O, TotalOrder>;

// The weaker of two orders: merging a TotalOrder stream with a NoOrder one gives NoOrder.
template <class A, class B>
using MinOrder = std::conditional_t<kIsTotalOrder<A> && kIsTotalOrder<B>, TotalOrder, NoOrder>;

// Marks a combiner as commutative, which fold/reduce require over NoOrder streams:
//   stream.fold(0, eddy::commutative([](int& acc, int x) { acc += x; }))
// The engine trusts the mark; property tests of the combiner are the caller's job.
template <class F>
struct Commutative {
  F f;
  template <class... Args>
  auto operator()(Args&&... args) const -> decltype(f(std::forward<Args>(args)...)) {
    return f(std::forward<Args>(args)...);
  }
  template <class... Args>
  auto operator()(Args&&... args) -> decltype(f(std::forward<Args>(args)...)) {
    return f(std::forward<Args>(args)...);
  }
};

template <class F>
Commutative<std::decay_t<F>> commutative(F&& f) {
  return {std::forward<F>(f)};
}

template <class F>
inline constexpr bool kIsCommutative = false;
template <class F>
inline constexpr bool kIsCommutative<Commutative<F>> = true;

// Whether a cluster broadcasting to itself delivers each element to its own sender too.
enum class IncludeSelf { kNo, kYes };

// A value-less element, for signals such as timeouts.
struct Unit {
  friend bool operator==(Unit, Unit) { return true; }
  template <class Archive>
  void serialize(Archive&) {}
};

}  // namespace eddy

#endif  // EDDY_DATAFLOW_CORE_GUARANTEES_H_

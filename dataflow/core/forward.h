// Forward declarations of eddy's user-facing types, with their default template arguments.
#ifndef EDDY_DATAFLOW_CORE_FORWARD_H_
#define EDDY_DATAFLOW_CORE_FORWARD_H_

#include <utility>

#include "dataflow/core/guarantees.h"

namespace eddy {

class Flow;
class Location;
class Process;
class Cluster;
class External;
template <class L>
class Tick;

template <class T, class L, class B = Unbounded, class O = TotalOrder>
class Stream;
template <class K, class V, class L, class B = Unbounded, class O = TotalOrder>
class KeyedStream;
template <class T, class L, class B = Unbounded>
class Singleton;
template <class T, class L, class B = Unbounded>
class Optional;
template <class K, class V, class L, class B = Unbounded>
class KeyedSingleton;
template <class C>
class ForwardRef;
template <class Req, class Resp>
class ExternalPort;
template <class T>
class ChannelSender;
template <class T>
class Collected;

namespace internal {

template <class L>
inline constexpr bool kIsTick = false;
template <class L>
inline constexpr bool kIsTick<Tick<L>> = true;

// The top-level location of L: L itself, or the location a Tick belongs to.
template <class L>
struct TopOfImpl {
  using type = L;
};
template <class L>
struct TopOfImpl<Tick<L>> {
  using type = L;
};
template <class L>
using TopOf = typename TopOfImpl<L>::type;

template <class T>
inline constexpr bool kIsPair = false;
template <class A, class B>
inline constexpr bool kIsPair<std::pair<A, B>> = true;

}  // namespace internal
}  // namespace eddy

#endif  // EDDY_DATAFLOW_CORE_FORWARD_H_

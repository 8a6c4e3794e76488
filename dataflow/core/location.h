// Locations: where live collections live.
//
//   Process   one instance.
//   Cluster   N members running the same code; N is chosen when the flow is run.
//   External  clients outside the flow, reaching a Process through ports.
//   Tick<L>   a logical clock nested in L: collections in a Tick hold one tick's worth of data.
//
// Location handles are cheap values made by Flow (flow.process("leader")). Every operator
// checks that the collections it combines live at the same location.
#ifndef EDDY_DATAFLOW_CORE_LOCATION_H_
#define EDDY_DATAFLOW_CORE_LOCATION_H_

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "dataflow/core/clock.h"
#include "dataflow/core/forward.h"
#include "dataflow/core/ids.h"
#include "dataflow/core/internal/graph.h"
#include "dataflow/ops/external.h"

namespace eddy {

class Location {
 public:
  LocationId id() const { return id_; }
  const std::string& name() const { return graph_->location(id_).name; }
  internal::FlowGraph& graph() const { return *graph_; }

  friend bool operator==(const Location& a, const Location& b) {
    return a.graph_ == b.graph_ && a.id_ == b.id_;
  }

 protected:
  Location(internal::FlowGraph* graph, LocationId id) : graph_(graph), id_(id) {}

 private:
  internal::FlowGraph* graph_;
  LocationId id_;
};

namespace internal {

// What Process and Cluster share: ticks, sources, timers and forward references.
template <class Self>
class TopLevelLocation : public Location {
 public:
  // The logical clock of this location.
  Tick<Self> tick() const;

  // A stream of `items`, all delivered in the first tick.
  template <class T>
  Stream<T, Self> source_iter(std::vector<T> items) const;
  template <class T>
  Stream<T, Self> source_iter(std::initializer_list<T> items) const {
    return source_iter(std::vector<T>(items));
  }

  // One element, the instant it fired, every `interval` of the injected clock (the first one
  // an interval after the instance starts).
  Stream<Instant, Self> source_interval(Duration interval) const;

  // A placeholder for a collection at this location defined later: use `value` now, and
  // call `ref.complete(c)` once c exists. A cycle through it must cross a defer_tick().
  //   auto [ref, value] = process.forward_ref<Stream<int, Process>>();
  template <class C>
  std::pair<ForwardRef<C>, C> forward_ref() const;

 protected:
  using Location::Location;
};

}  // namespace internal

class Process : public internal::TopLevelLocation<Process> {
 public:
  // Made by Flow::process().
  Process(internal::FlowGraph* graph, LocationId id) : TopLevelLocation(graph, id) {}

  // A stream fed by host code through the returned sender, from any thread: the hook for
  // embedding a flow in a larger program.
  template <class T>
  std::pair<ChannelSender<T>, Stream<T, Process>> source_channel() const;

  // A bidirectional port for the clients of `clients`: their requests arrive keyed by
  // connection; replies sent with send_external() reach the connection that asked.
  // `port_name` names the port in topology files and pictures (default: the External's name).
  // `codec` turns a network client's bytes into requests and replies into bytes; the default
  // is eddy's native framed protocol (net/native_codec.h, spoken by eddy::Client).
  template <class Req, class Resp>
  std::pair<ExternalPort<Req, Resp>, KeyedStream<ConnectionId, Req, Process>> source_external(
      const External& clients, std::string port_name = "",
      CodecFactory<Req, Resp> codec = nullptr) const;
};

class Cluster : public internal::TopLevelLocation<Cluster> {
 public:
  // Made by Flow::cluster().
  Cluster(internal::FlowGraph* graph, LocationId id) : TopLevelLocation(graph, id) {}
};

class External : public Location {
 public:
  // Made by Flow::external().
  External(internal::FlowGraph* graph, LocationId id) : Location(graph, id) {}
};

template <class L>
class Tick {
 public:
  explicit Tick(L outer) : outer_(std::move(outer)) {}

  const L& outer() const { return outer_; }
  LocationId id() const { return outer_.id(); }
  const std::string& name() const { return outer_.name(); }
  internal::FlowGraph& graph() const { return outer_.graph(); }

  // The same value in every tick.
  template <class T>
  Singleton<T, Tick<L>, Bounded> singleton(T value) const;

  // A stream whose every tick holds what `ref.complete(s)` gave it in the previous tick (and
  // nothing in the first): the way to iterate across ticks. Order is the order `s` promises.
  //   auto [ref, previous] = tick.cycle<int>();
  template <class T, class O = TotalOrder>
  std::pair<ForwardRef<Stream<T, Tick<L>, Bounded, O>>, Stream<T, Tick<L>, Bounded, O>> cycle()
      const;

  // As TopLevelLocation::forward_ref, for collections inside this tick.
  template <class C>
  std::pair<ForwardRef<C>, C> forward_ref() const;

  friend bool operator==(const Tick& a, const Tick& b) { return a.outer_ == b.outer_; }

 private:
  L outer_;
};

template <class Self>
Tick<Self> internal::TopLevelLocation<Self>::tick() const {
  return Tick<Self>(static_cast<const Self&>(*this));
}

}  // namespace eddy

#endif  // EDDY_DATAFLOW_CORE_LOCATION_H_

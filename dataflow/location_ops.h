// Definitions of the operators that start at a location (sources, timers, client ports,
// forward references, tick constants), declared in core/location.h. They need every collection
// type complete, so they come after all of them. Include "dataflow/eddy.h".
#ifndef EDDY_DATAFLOW_LOCATION_OPS_H_
#define EDDY_DATAFLOW_LOCATION_OPS_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "dataflow/core/location.h"
#include "dataflow/external_port.h"
#include "dataflow/forward_ref.h"
#include "dataflow/keyed_singleton.h"
#include "dataflow/keyed_stream.h"
#include "dataflow/net/native_codec.h"
#include "dataflow/ops/sources.h"
#include "dataflow/ops/time_ops.h"
#include "dataflow/singleton.h"
#include "dataflow/stream.h"

namespace eddy {
namespace internal {

// A forward-reference placeholder node of C's representation at `where`.
template <class C, class Where>
std::pair<ForwardRef<C>, C> make_forward_ref(const Where& where) {
  static_assert(std::is_same_v<typename C::LocationType, Where>,
                "forward_ref<C>(): C must be a collection type at this location (or tick)");
  const NodeId ref = add_node<AliasNode<typename C::Repr>>(
      where, spec_at(where, kForwardRefOp, {}), "forward reference");
  return {ForwardRef<C>(&where.graph(), ref), C(where, ref)};
}

}  // namespace internal

template <class Self>
template <class T>
Stream<T, Self> internal::TopLevelLocation<Self>::source_iter(std::vector<T> items) const {
  const Self& self = static_cast<const Self&>(*this);
  return Stream<T, Self>(self, add_node<SourceIterNode<T>>(
                                   self, spec_at(self, "source_iter", {}), std::move(items)));
}

template <class Self>
Stream<Instant, Self> internal::TopLevelLocation<Self>::source_interval(Duration interval) const {
  const Self& self = static_cast<const Self&>(*this);
  NodeSpec spec = spec_at(self, "source_interval", {});
  spec.detail = absl::StrCat(interval.count() / 1000000, "ms");
  return Stream<Instant, Self>(self, add_node<SourceIntervalNode>(self, std::move(spec), interval));
}

template <class Self>
template <class C>
std::pair<ForwardRef<C>, C> internal::TopLevelLocation<Self>::forward_ref() const {
  return make_forward_ref<C>(static_cast<const Self&>(*this));
}

template <class T>
std::pair<ChannelSender<T>, Stream<T, Process>> Process::source_channel() const {
  auto state = std::make_shared<internal::ChannelState<T>>();
  const internal::NodeId node = internal::add_node<internal::SourceChannelNode<T>>(
      *this, internal::spec_at(*this, "source_channel", {}), state);
  return {ChannelSender<T>(state), Stream<T, Process>(*this, node)};
}

template <class Req, class Resp>
std::pair<ExternalPort<Req, Resp>, KeyedStream<ConnectionId, Req, Process>>
Process::source_external(const External& clients, std::string port_name,
                         CodecFactory<Req, Resp> codec) const {
  EDDY_CHECK(&clients.graph() == &graph(), "source_external: the External belongs to another flow");
  if (port_name.empty()) port_name = clients.name();
  if (!codec) codec = default_codec<Req, Resp>(port_name);
  internal::NodeSpec spec = internal::spec_at(*this, "source_external", {});
  spec.detail = std::move(port_name);
  spec.external = clients.id();
  const internal::NodeId node = internal::add_node<internal::ExternalSourceNode<Req, Resp>>(
      *this, std::move(spec), std::move(codec));
  return {ExternalPort<Req, Resp>(*this, clients.id(), node),
          KeyedStream<ConnectionId, Req, Process>(*this, node)};
}

template <class L>
template <class T>
Singleton<T, Tick<L>, Bounded> Tick<L>::singleton(T value) const {
  return Singleton<T, Tick<L>, Bounded>(
      *this, internal::add_node<internal::ConstantNode<T>>(
                 *this, internal::spec_at(*this, "singleton", {}), std::move(value)));
}

template <class L>
template <class T, class O>
std::pair<ForwardRef<Stream<T, Tick<L>, Bounded, O>>, Stream<T, Tick<L>, Bounded, O>>
Tick<L>::cycle() const {
  auto [ref, placeholder] = internal::make_forward_ref<Stream<T, Tick<L>, Bounded, O>>(*this);
  return {ref, placeholder.defer_tick()};
}

template <class L>
template <class C>
std::pair<ForwardRef<C>, C> Tick<L>::forward_ref() const {
  return internal::make_forward_ref<C>(*this);
}

}  // namespace eddy

#endif  // EDDY_DATAFLOW_LOCATION_OPS_H_

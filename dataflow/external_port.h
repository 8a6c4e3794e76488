// ExternalPort<Req, Resp>: a client port of a Process, made by Process::source_external().
// Requests arrive keyed by ConnectionId; a stream of (ConnectionId, Resp) sent with
// send_external(port) reaches the connections that asked. Include "dataflow/eddy.h".
#ifndef EDDY_DATAFLOW_EXTERNAL_PORT_H_
#define EDDY_DATAFLOW_EXTERNAL_PORT_H_

#include <string>
#include <utility>

#include "dataflow/stream.h"

namespace eddy {

template <class Req, class Resp>
class ExternalPort {
 public:
  // Made by Process::source_external().
  ExternalPort(Process process, LocationId clients, internal::NodeId node)
      : process_(std::move(process)), clients_(clients), node_(node) {}

  const Process& process() const { return process_; }
  // The External location whose clients connect here.
  LocationId clients() const { return clients_; }
  // The port's id within the flow (the id of its source operator).
  internal::NodeId node() const { return node_; }
  const std::string& name() const { return process_.graph().node(node_).detail(); }

  // The connections that closed, each once, in the tick after they closed.
  Stream<ConnectionId, Process> disconnects() const {
    internal::NodeSpec spec = internal::spec_at(process_, "disconnects", {});
    spec.detail = name();
    spec.external = clients_;
    return Stream<ConnectionId, Process>(
        process_, internal::add_node<internal::DisconnectsNode<Req, Resp>>(process_, std::move(spec),
                                                                          node_));
  }

 private:
  Process process_;
  LocationId clients_;
  internal::NodeId node_;
};

}  // namespace eddy

#endif  // EDDY_DATAFLOW_EXTERNAL_PORT_H_

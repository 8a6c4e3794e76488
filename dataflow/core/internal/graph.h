// The flow's intermediate representation: locations and typed operator nodes.
//
// Building a flow appends IrNodes to a FlowGraph; each node knows its location, its inputs and,
// being a template instantiated with the user's element types and lambdas, how to make its
// run-time parts for one location instance (see compile.h). The graph is append-only, except
// that a forward reference gets its input when it is completed. Not thread safe: a flow is
// built on one thread, then only read.
#ifndef EDDY_DATAFLOW_CORE_INTERNAL_GRAPH_H_
#define EDDY_DATAFLOW_CORE_INTERNAL_GRAPH_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dataflow/core/ids.h"

namespace eddy::internal {

using NodeId = uint32_t;

enum class LocationKind { kProcess, kCluster, kExternal };

struct LocationInfo {
  LocationId id = 0;
  LocationKind kind = LocationKind::kProcess;
  std::string name;
};

const char* to_string(LocationKind kind);

// How a node takes part in a tick.
enum class NodeShape {
  kSource,   // no same-location inputs; fills its port at the start of its run
  kStage,    // element-wise: transforms chunks and passes them on (map, filter, ...)
  kSink,     // consumes one stream chunk by chunk and produces its own port (fold, sort, send)
  kGeneral,  // reads whole input ports (chain, join, singleton ops, ...)
  kDefer,    // emits last tick's input: its input edge does not order this tick
  kAlias,    // its input's data under another type: shares the input's port
};

// What every node is made from.
struct NodeSpec {
  std::string op;            // operator name as the user wrote it: "map", "broadcast", ...
  LocationId location = 0;
  bool in_tick = false;      // inside the location's Tick (bounded) or at top level
  std::vector<NodeId> inputs;
  std::string detail = {};   // extra words for pictures: a port name, an interval
  // For client-port operators: the External location on the other side.
  std::optional<LocationId> external = std::nullopt;
};

class InstanceBuilder;
class PortBase;
class RuntimeNode;
class SinkBase;

class IrNode {
 public:
  IrNode(NodeSpec spec, std::string type_name);
  virtual ~IrNode();
  IrNode(const IrNode&) = delete;
  IrNode& operator=(const IrNode&) = delete;

  NodeId id() const { return id_; }
  LocationId location() const { return location_; }
  bool in_tick() const { return in_tick_; }
  // Operator name as the user wrote it: "map", "fold_keyed", "broadcast", ...
  const std::string& op() const { return op_; }
  // Element type of this node's output, for pictures and the fingerprint.
  const std::string& type_name() const { return type_name_; }
  const std::vector<NodeId>& inputs() const { return inputs_; }
  // Extra words shown in graph pictures (a port name, an interval).
  const std::string& detail() const { return detail_; }
  // For client-port operators, the External location they talk to.
  std::optional<LocationId> external() const { return external_; }

  virtual NodeShape shape() const = 0;
  // Creates the buffer that holds this node's output during a tick.
  virtual std::unique_ptr<PortBase> make_port() const = 0;
  // True when this node's port holds only the current tick's output, so a sole consumer may
  // move elements out of it. False for ports that carry state (persist, latest, ...).
  virtual bool port_is_scratch() const { return true; }
  // True when this node can receive input from outside the flow at any time (host channels,
  // client ports, timers): a flow without such nodes finishes once it is idle.
  virtual bool open_input() const { return false; }
  // True for the receiving half of a network operator: its input is the sending half, whose
  // data reaches it through the transport, never within a tick (even when a cluster sends to
  // itself and both halves share a location).
  virtual bool receives_from_network() const { return false; }
  // True for a view of its input as it stood at the end of the previous tick (without a copy):
  // its readers run before its input is updated in each tick.
  virtual bool views_previous_tick() const { return false; }
  // True when `input` (one of this node's inputs) is data of this same tick.
  bool reads_in_tick(const IrNode& input) const {
    return !receives_from_network() && shape() != NodeShape::kDefer && !views_previous_tick() &&
           input.location() == location();
  }

  // kSource, kGeneral, kDefer: the node's run-time part.
  virtual std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& builder) const;
  // kStage: a chunk transformer that feeds `next` (a ChunkSink of this node's output type).
  virtual std::unique_ptr<SinkBase> make_stage(InstanceBuilder& builder,
                                               std::unique_ptr<SinkBase> next) const;
  // kStage: a sink that stores this node's output in its own port (when it is not fused).
  virtual std::unique_ptr<SinkBase> make_materializer(InstanceBuilder& builder) const;
  // kSink: the chunk consumer, writing this node's port.
  virtual std::unique_ptr<SinkBase> make_sink(InstanceBuilder& builder) const;
  // kStage, kSink: a run-time node that reads this node's input port and pushes it, in
  // chunks, into `head` (this node's stage or sink, with everything fused behind it).
  virtual std::unique_ptr<RuntimeNode> make_driver(InstanceBuilder& builder,
                                                   std::unique_ptr<SinkBase> head) const;

 private:
  friend class FlowGraph;
  NodeId id_ = 0;
  LocationId location_;
  bool in_tick_;
  std::string op_;
  std::string type_name_;
  std::string detail_;
  std::optional<LocationId> external_;
  std::vector<NodeId> inputs_;
};

class FlowGraph {
 public:
  FlowGraph() = default;
  FlowGraph(const FlowGraph&) = delete;
  FlowGraph& operator=(const FlowGraph&) = delete;

  LocationId add_location(LocationKind kind, std::string name);
  const LocationInfo& location(LocationId id) const;
  const std::vector<LocationInfo>& locations() const { return locations_; }

  // Appends `node`, assigning it the next id, and returns that id.
  NodeId add(std::unique_ptr<IrNode> node);
  const IrNode& node(NodeId id) const;
  size_t size() const { return nodes_.size(); }

  // Gives the forward reference `ref` its source. REQUIRES: ref is an uncompleted forward ref.
  void complete_forward_ref(NodeId ref, NodeId source);

  // Called when a graph is compiled: after this, nodes may not be added (a handle reaching a
  // running flow is a bug).
  void freeze() const { frozen_ = true; }
  bool frozen() const { return frozen_; }

 private:
  std::vector<LocationInfo> locations_;
  std::vector<std::unique_ptr<IrNode>> nodes_;
  mutable bool frozen_ = false;
};

// The op name of forward references; one without an input was never completed.
inline constexpr const char* kForwardRefOp = "forward_ref";

}  // namespace eddy::internal

#endif  // EDDY_DATAFLOW_CORE_INTERNAL_GRAPH_H_

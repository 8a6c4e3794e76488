#include "dataflow/core/internal/graph.h"

#include <utility>

#include "dataflow/core/check.h"
#include "dataflow/core/internal/runtime.h"

namespace eddy::internal {

const char* to_string(LocationKind kind) {
  switch (kind) {
    case LocationKind::kProcess:
      return "Process";
    case LocationKind::kCluster:
      return "Cluster";
    case LocationKind::kExternal:
      return "External";
  }
  return "?";
}

IrNode::IrNode(NodeSpec spec, std::string type_name)
    : location_(spec.location),
      in_tick_(spec.in_tick),
      op_(std::move(spec.op)),
      type_name_(std::move(type_name)),
      detail_(std::move(spec.detail)),
      external_(spec.external),
      inputs_(std::move(spec.inputs)) {}

IrNode::~IrNode() = default;

static void wrong_shape(const IrNode& node, const char* what) {
  EDDY_CHECK(false, "operator '", node.op(), "' (node ", node.id(), ") cannot ", what);
}

std::unique_ptr<RuntimeNode> IrNode::make_runtime(InstanceBuilder&) const {
  wrong_shape(*this, "run on its own");
  return nullptr;
}

std::unique_ptr<SinkBase> IrNode::make_stage(InstanceBuilder&, std::unique_ptr<SinkBase>) const {
  wrong_shape(*this, "be a stage");
  return nullptr;
}

std::unique_ptr<SinkBase> IrNode::make_materializer(InstanceBuilder&) const {
  wrong_shape(*this, "be materialized");
  return nullptr;
}

std::unique_ptr<SinkBase> IrNode::make_sink(InstanceBuilder&) const {
  wrong_shape(*this, "be a sink");
  return nullptr;
}

std::unique_ptr<RuntimeNode> IrNode::make_driver(InstanceBuilder&,
                                                 std::unique_ptr<SinkBase>) const {
  wrong_shape(*this, "drive a pipeline");
  return nullptr;
}

LocationId FlowGraph::add_location(LocationKind kind, std::string name) {
  EDDY_CHECK(!frozen_, "locations cannot be added to a flow that is already running");
  for (const LocationInfo& existing : locations_) {
    EDDY_CHECK(existing.name != name, "two locations are both named '", name, "'");
  }
  const auto id = static_cast<LocationId>(locations_.size());
  locations_.push_back(LocationInfo{id, kind, std::move(name)});
  return id;
}

const LocationInfo& FlowGraph::location(LocationId id) const {
  EDDY_CHECK(id < locations_.size(), "no location ", id);
  return locations_[id];
}

NodeId FlowGraph::add(std::unique_ptr<IrNode> node) {
  EDDY_CHECK(!frozen_, "operator '", node->op(),
             "' added to a flow that is already running; build the whole flow first");
  const auto id = static_cast<NodeId>(nodes_.size());
  node->id_ = id;
  for (NodeId input : node->inputs_) {
    EDDY_CHECK(input < id, "node ", id, " reads node ", input, " which does not exist yet");
  }
  nodes_.push_back(std::move(node));
  return id;
}

const IrNode& FlowGraph::node(NodeId id) const {
  EDDY_CHECK(id < nodes_.size(), "no node ", id);
  return *nodes_[id];
}

void FlowGraph::complete_forward_ref(NodeId ref, NodeId source) {
  EDDY_CHECK(!frozen_, "a forward reference was completed after the flow started running");
  IrNode& node = *nodes_.at(ref);
  EDDY_CHECK(node.op_ == kForwardRefOp && node.inputs_.empty(),
             "forward reference (node ", ref, ") completed twice");
  EDDY_CHECK(nodes_.at(source)->location_ == node.location_,
             "forward reference at '", locations_[node.location_].name,
             "' completed with a collection at '",
             locations_[nodes_.at(source)->location_].name, "'");
  node.inputs_.push_back(source);
}

}  // namespace eddy::internal

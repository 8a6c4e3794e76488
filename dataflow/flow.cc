#include "dataflow/flow.h"

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "dataflow/core/internal/render.h"
#include "dataflow/core/rng.h"

namespace eddy {

using internal::FlowGraph;
using internal::IrNode;
using internal::LocationKind;
using internal::NodeId;
using internal::NodeShape;

Flow::Flow() : graph_(std::make_unique<FlowGraph>()) {}

Process Flow::process(std::string name) {
  return Process(graph_.get(), graph_->add_location(LocationKind::kProcess, std::move(name)));
}

Cluster Flow::cluster(std::string name) {
  return Cluster(graph_.get(), graph_->add_location(LocationKind::kCluster, std::move(name)));
}

External Flow::external(std::string name) {
  return External(graph_.get(), graph_->add_location(LocationKind::kExternal, std::move(name)));
}

namespace {

std::string describe(const FlowGraph& graph, NodeId id) {
  const IrNode& node = graph.node(id);
  return absl::StrCat(node.op(), " (node ", id, " at '", graph.location(node.location()).name,
                      "')");
}

// Edges that order a tick: same location, not into a defer_tick or a network receive.
bool orders_tick(const FlowGraph& graph, NodeId from, NodeId to) {
  return graph.node(to).reads_in_tick(graph.node(from));
}

// Finds a cycle among tick-ordering edges; returns its nodes in order, or nothing.
std::vector<NodeId> find_same_tick_cycle(const FlowGraph& graph) {
  const size_t n = graph.size();
  std::vector<std::vector<NodeId>> readers(n);
  for (NodeId id = 0; id < n; ++id) {
    for (NodeId input : graph.node(id).inputs()) {
      if (orders_tick(graph, input, id)) readers[input].push_back(id);
      // Reading a previous-tick view orders the reader before the viewed table's update (the
      // node behind any renamings of it).
      if (graph.node(input).views_previous_tick() && orders_tick(graph, input, id)) {
        NodeId table = graph.node(input).inputs().at(0);
        while (graph.node(table).shape() == NodeShape::kAlias && !graph.node(table).inputs().empty()) {
          table = graph.node(table).inputs().at(0);
        }
        readers[id].push_back(table);
      }
    }
  }
  enum class Mark { kNew, kActive, kDone };
  std::vector<Mark> mark(n, Mark::kNew);
  std::vector<NodeId> path;
  std::vector<NodeId> cycle;
  std::function<bool(NodeId)> visit = [&](NodeId id) {
    mark[id] = Mark::kActive;
    path.push_back(id);
    for (NodeId next : readers[id]) {
      if (mark[next] == Mark::kActive) {
        auto start = std::find(path.begin(), path.end(), next);
        cycle.assign(start, path.end());
        cycle.push_back(next);
        return true;
      }
      if (mark[next] == Mark::kNew && visit(next)) return true;
    }
    path.pop_back();
    mark[id] = Mark::kDone;
    return false;
  };
  for (NodeId id = 0; id < n; ++id) {
    if (mark[id] == Mark::kNew && visit(id)) return cycle;
  }
  return {};
}

}  // namespace

absl::Status Flow::validate() const {
  const FlowGraph& graph = *graph_;
  for (NodeId id = 0; id < graph.size(); ++id) {
    const IrNode& node = graph.node(id);
    if (node.op() == internal::kForwardRefOp && node.inputs().empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat(describe(graph, id), " was never completed: call complete() on its ref"));
    }
  }
  std::vector<NodeId> cycle = find_same_tick_cycle(graph);
  if (!cycle.empty()) {
    std::vector<std::string> names;
    for (NodeId id : cycle) names.push_back(describe(graph, id));
    return absl::FailedPreconditionError(absl::StrCat(
        "same-tick cycle: ", absl::StrJoin(names, " -> "),
        "; a cycle must pass through defer_tick() (or use tick.cycle())"));
  }
  return absl::OkStatus();
}

std::string Flow::to_mermaid() const { return internal::render_mermaid(*graph_); }

std::string Flow::to_dot() const { return internal::render_dot(*graph_); }

uint64_t Flow::fingerprint() const {
  // FNV-1a over a canonical text of the graph, finished with a strong mixer.
  uint64_t h = 0xcbf29ce484222325ULL;
  auto feed = [&h](std::string_view text) {
    for (unsigned char c : text) {
      h ^= c;
      h *= 0x100000001b3ULL;
    }
    h ^= 0xff;
    h *= 0x100000001b3ULL;
  };
  for (const auto& location : graph_->locations()) {
    feed(internal::to_string(location.kind));
    feed(location.name);
  }
  for (NodeId id = 0; id < graph_->size(); ++id) {
    const IrNode& node = graph_->node(id);
    feed(absl::StrCat(node.op(), "@", node.location(), node.in_tick() ? "t" : "", ":",
                      node.type_name(), ":", node.detail(), "<",
                      absl::StrJoin(node.inputs(), ",")));
  }
  return mix64(h);
}

}  // namespace eddy

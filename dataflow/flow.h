// Flow: one program's description of a whole distributed system, as one dataflow graph.
//
//   eddy::Flow flow;
//   auto leader = flow.process("leader");
//   auto workers = flow.cluster("workers");
//   leader.source_iter({1, 2, 3}).broadcast(workers).for_each([](int x) { ... });
//
// Every process of a deployment builds the same Flow from the same code, so node and channel
// ids agree everywhere. A Flow must outlive every runner of it. Not thread safe while being
// built; read-only (and shareable) once running.
#ifndef EDDY_DATAFLOW_FLOW_H_
#define EDDY_DATAFLOW_FLOW_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "dataflow/core/internal/graph.h"
#include "dataflow/core/location.h"

namespace eddy {

class Flow {
 public:
  Flow();
  Flow(Flow&&) = default;
  Flow& operator=(Flow&&) = default;

  // Adds a location. Names must be unique within the flow; topology files refer to them.
  Process process(std::string name);
  Cluster cluster(std::string name);
  External external(std::string name);

  // OK when the flow can run. Otherwise the reason, naming the operators involved: a
  // forward_ref that was never completed, or a cycle within one tick (a cycle must pass
  // through defer_tick()).
  absl::Status validate() const;

  // The graph as a Mermaid flowchart / Graphviz digraph: one box per location, operators
  // labelled, network edges dashed.
  std::string to_mermaid() const;
  std::string to_dot() const;

  // A hash of the graph's structure and element types: equal for two binaries built from the
  // same flow, different (with overwhelming probability) otherwise. Peers compare it.
  uint64_t fingerprint() const;

  const internal::FlowGraph& graph() const { return *graph_; }

 private:
  std::unique_ptr<internal::FlowGraph> graph_;
};

}  // namespace eddy

#endif  // EDDY_DATAFLOW_FLOW_H_

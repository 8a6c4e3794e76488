// Handle<L>: what every live-collection handle holds (its location and its IR node), and the
// helpers operators use to append nodes.
#ifndef EDDY_DATAFLOW_CORE_INTERNAL_HANDLE_H_
#define EDDY_DATAFLOW_CORE_INTERNAL_HANDLE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dataflow/core/check.h"
#include "dataflow/core/forward.h"
#include "dataflow/core/internal/graph.h"
#include "dataflow/core/internal/typed_nodes.h"

namespace eddy::internal {

template <class L>
NodeSpec spec_at(const L& location, std::string op, std::vector<NodeId> inputs) {
  return NodeSpec{std::move(op), location.id(), kIsTick<L>, std::move(inputs)};
}

// Appends a node built from `args` and returns its id.
template <class Node, class L, class... Args>
NodeId add_node(const L& location, Args&&... args) {
  return location.graph().add(std::make_unique<Node>(std::forward<Args>(args)...));
}

template <class A, class B>
void require_same_location(const A& a, const B& b, const char* op) {
  EDDY_CHECK(&a.graph() == &b.graph(), op, ": the two collections belong to different flows");
  EDDY_CHECK(a.id() == b.id(), op, ": both collections must live at the same location, but one is at '",
             a.name(), "' and the other at '", b.name(), "'");
}

template <class L>
class Handle {
 public:
  const L& location() const { return location_; }
  NodeId node() const { return node_; }

 protected:
  Handle(L location, NodeId node) : location_(std::move(location)), node_(node) {}

  NodeSpec spec(std::string op, std::vector<NodeId> extra_inputs = {}) const {
    std::vector<NodeId> inputs{node_};
    inputs.insert(inputs.end(), extra_inputs.begin(), extra_inputs.end());
    return spec_at(location_, std::move(op), std::move(inputs));
  }
  // The same spec placed at another location (top-level or tick) of the same place.
  template <class L2>
  NodeSpec spec_at_other(const L2& where, std::string op) const {
    return spec_at(where, std::move(op), {node_});
  }
  template <class Node, class... Args>
  NodeId add(Args&&... args) const {
    return add_node<Node>(location_, std::forward<Args>(args)...);
  }

  L location_;
  NodeId node_;
};

}  // namespace eddy::internal

#endif  // EDDY_DATAFLOW_CORE_INTERNAL_HANDLE_H_

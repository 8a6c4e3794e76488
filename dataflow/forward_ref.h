// ForwardRef<C>: the completing half of a forward reference (see forward_ref() and
// Tick::cycle()). Include "dataflow/eddy.h".
#ifndef EDDY_DATAFLOW_FORWARD_REF_H_
#define EDDY_DATAFLOW_FORWARD_REF_H_

#include "dataflow/core/internal/graph.h"

namespace eddy {

// Completes a forward reference (see forward_ref() and Tick::cycle()).
template <class C>
class ForwardRef {
 public:
  ForwardRef(internal::FlowGraph* graph, internal::NodeId ref) : graph_(graph), ref_(ref) {}

  // Makes the placeholder stand for `source` from now on. REQUIRES: called once.
  void complete(const C& source) const { graph_->complete_forward_ref(ref_, source.node()); }

 private:
  internal::FlowGraph* graph_;
  internal::NodeId ref_;
};

}  // namespace eddy

#endif  // EDDY_DATAFLOW_FORWARD_REF_H_

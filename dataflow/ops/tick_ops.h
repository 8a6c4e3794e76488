// Operators that move data between ticks: defer_tick (this tick's data, delivered in the next
// tick) and the zero-cost renamings batch / all_ticks / snapshot / forward_ref (AliasNode).
#ifndef EDDY_DATAFLOW_OPS_TICK_OPS_H_
#define EDDY_DATAFLOW_OPS_TICK_OPS_H_

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "dataflow/core/internal/typed_nodes.h"

namespace eddy::internal {

template <class Repr>
bool repr_empty(const Repr& r) {
  if constexpr (requires { r.has_value(); }) {
    return !r.has_value();
  } else {
    return r.empty();
  }
}

template <class Repr>
void repr_clear(Repr& r) {
  if constexpr (requires { r.reset(); }) {
    r.reset();
  } else {
    r.clear();
  }
}

// defer_tick: emits at tick t+1 what its input held at the end of tick t; empty at tick 0.
// Its input edge does not order the current tick, which is what lets cycles through it exist.
// kWakes: deferred data asks for the next tick by itself (streams, so that cycles iterate to a
// fixpoint). A deferred singleton always has a value, so it only carries the previous tick's
// value into whichever tick runs next; otherwise it would tick forever.
template <class Repr, bool kWakes>
class DeferTickNode final : public TypedNode<Repr> {
 public:
  DeferTickNode(NodeSpec spec, std::string type_name)
      : TypedNode<Repr>(std::move(spec), std::move(type_name)) {}

  NodeShape shape() const override { return NodeShape::kDefer; }

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    return std::make_unique<Runtime>(&b.port<Repr>(this->id()), &b.port<Repr>(this->inputs()[0]),
                                     b.may_move_from(this->inputs()[0]));
  }

 private:
  class Runtime final : public RuntimeNode {
   public:
    Runtime(Repr* out, Repr* in, bool may_move) : out_(out), in_(in), may_move_(may_move) {}
    void run() override {
      using std::swap;
      swap(*out_, stash_);
      repr_clear(stash_);
    }
    void end_tick() override {
      if (may_move_) {
        stash_ = std::move(*in_);
        repr_clear(*in_);
      } else {
        stash_ = *in_;
      }
    }
    bool has_pending() const override { return kWakes && !repr_empty(stash_); }

   private:
    Repr* out_;
    Repr* in_;
    bool may_move_;
    Repr stash_{};
  };
};

// A previous-tick view: shares its input's port (a table some aggregation updates in place);
// the scheduler runs every reader of the view before that aggregation runs in each tick, so
// they see the table as the previous tick left it, at no copying cost.
template <class Repr>
class PreviousTickViewNode final : public TypedNode<Repr> {
 public:
  using TypedNode<Repr>::TypedNode;
  NodeShape shape() const override { return NodeShape::kAlias; }
  bool views_previous_tick() const override { return true; }
};

}  // namespace eddy::internal

#endif  // EDDY_DATAFLOW_OPS_TICK_OPS_H_

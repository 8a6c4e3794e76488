// Typed IR node bases: the generic builders every operator is a thin wrapper over.
//
//   StageNode<In, Out>     element-wise: one chunk transformer per instance
//   SinkNode<In, Repr>     consumes one stream chunk by chunk, owns a port of Repr
//   GeneralNode<Repr>      reads whole ports (binary operators, singleton operators)
//   SourceNode<Repr>       fills its port from outside the tick (network, clients, timers)
//   AliasNode<Repr>        the same data under another type (batch, snapshot, forward_ref):
//                          shares its input's port, costs nothing at run time
//
// call_user() invokes a user lambda, passing the instance's Context first when the lambda
// asks for it.
#ifndef EDDY_DATAFLOW_CORE_INTERNAL_TYPED_NODES_H_
#define EDDY_DATAFLOW_CORE_INTERNAL_TYPED_NODES_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "dataflow/core/context.h"
#include "dataflow/core/internal/graph.h"
#include "dataflow/core/internal/instance_core.h"
#include "dataflow/core/internal/runtime.h"
#include "dataflow/core/internal/type_name.h"

namespace eddy::internal {

template <class F, class... Args>
decltype(auto) call_user(F& f, Context& ctx, Args&&... args) {
  if constexpr (std::is_invocable_v<F&, Context&, Args&&...>) {
    return std::invoke(f, ctx, std::forward<Args>(args)...);
  } else {
    return std::invoke(f, std::forward<Args>(args)...);
  }
}

template <class F, class... Args>
inline constexpr bool kIsUserCallable =
    std::is_invocable_v<F&, Context&, Args&&...> || std::is_invocable_v<F&, Args&&...>;

template <class F, class... Args>
using UserResult = decltype(call_user(std::declval<F&>(), std::declval<Context&>(),
                                      std::declval<Args>()...));

template <class Repr>
class TypedNode : public IrNode {
 public:
  TypedNode(NodeSpec spec, std::string type_name) : IrNode(std::move(spec), std::move(type_name)) {}
  std::unique_ptr<PortBase> make_port() const override { return std::make_unique<Port<Repr>>(); }
};

template <class In, class Out>
class StageNode : public TypedNode<std::vector<Out>> {
 public:
  StageNode(NodeSpec spec) : TypedNode<std::vector<Out>>(std::move(spec), type_name<Out>()) {}

  NodeShape shape() const final { return NodeShape::kStage; }

  std::unique_ptr<SinkBase> make_stage(InstanceBuilder& builder,
                                       std::unique_ptr<SinkBase> next) const final {
    return make_typed_stage(builder, sink_cast<Out>(std::move(next)));
  }
  std::unique_ptr<SinkBase> make_materializer(InstanceBuilder& builder) const final {
    return std::make_unique<MaterializeSink<Out>>(
        &builder.port<std::vector<Out>>(this->id()));
  }
  std::unique_ptr<RuntimeNode> make_driver(InstanceBuilder& builder,
                                           std::unique_ptr<SinkBase> head) const final {
    const NodeId input = this->inputs().at(0);
    return std::make_unique<StreamDriver<In>>(&builder.port<std::vector<In>>(input),
                                              builder.may_move_from(input),
                                              sink_cast<In>(std::move(head)));
  }

 protected:
  virtual std::unique_ptr<ChunkSink<In>> make_typed_stage(
      InstanceBuilder& builder, std::unique_ptr<ChunkSink<Out>> next) const = 0;
};

template <class In, class Repr>
class SinkNode : public TypedNode<Repr> {
 public:
  SinkNode(NodeSpec spec, std::string type_name)
      : TypedNode<Repr>(std::move(spec), std::move(type_name)) {}

  NodeShape shape() const final { return NodeShape::kSink; }

  std::unique_ptr<SinkBase> make_sink(InstanceBuilder& builder) const final {
    return make_typed_sink(builder);
  }
  std::unique_ptr<RuntimeNode> make_driver(InstanceBuilder& builder,
                                           std::unique_ptr<SinkBase> head) const final {
    const NodeId input = this->inputs().at(0);
    return std::make_unique<StreamDriver<In>>(&builder.port<std::vector<In>>(input),
                                              builder.may_move_from(input),
                                              sink_cast<In>(std::move(head)));
  }

 protected:
  virtual std::unique_ptr<ChunkSink<In>> make_typed_sink(InstanceBuilder& builder) const = 0;
};

template <class Repr>
class GeneralNode : public TypedNode<Repr> {
 public:
  using TypedNode<Repr>::TypedNode;
  NodeShape shape() const override { return NodeShape::kGeneral; }
};

template <class Repr>
class SourceNode : public TypedNode<Repr> {
 public:
  using TypedNode<Repr>::TypedNode;
  NodeShape shape() const final { return NodeShape::kSource; }
};

template <class Repr>
class AliasNode final : public TypedNode<Repr> {
 public:
  using TypedNode<Repr>::TypedNode;
  NodeShape shape() const final { return NodeShape::kAlias; }
};

// A run-time node made from a lambda, for operators whose whole tick is a few lines.
template <class Run>
class LambdaRuntime final : public RuntimeNode {
 public:
  explicit LambdaRuntime(Run run) : run_(std::move(run)) {}
  void run() override { run_(); }

 private:
  Run run_;
};

template <class Run>
std::unique_ptr<RuntimeNode> make_lambda_runtime(Run run) {
  return std::make_unique<LambdaRuntime<Run>>(std::move(run));
}

// A chunk sink made from lambdas.
template <class T, class Begin, class Push, class Finish>
class LambdaSink final : public ChunkSink<T> {
 public:
  LambdaSink(Begin begin, Push push, Finish finish)
      : begin_(std::move(begin)), push_(std::move(push)), finish_(std::move(finish)) {}
  void begin() override { begin_(); }
  void push(std::span<T> items) override { push_(items); }
  void finish() override { finish_(); }

 private:
  Begin begin_;
  Push push_;
  Finish finish_;
};

template <class T, class Begin, class Push, class Finish>
std::unique_ptr<ChunkSink<T>> make_lambda_sink(Begin begin, Push push, Finish finish) {
  return std::make_unique<LambdaSink<T, Begin, Push, Finish>>(std::move(begin), std::move(push),
                                                              std::move(finish));
}

}  // namespace eddy::internal

#endif  // EDDY_DATAFLOW_CORE_INTERNAL_TYPED_NODES_H_

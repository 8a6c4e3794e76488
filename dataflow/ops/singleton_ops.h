// Operators on Singletons and Optionals (run-time value: std::optional<T>, always engaged for a
// Singleton once its producer ran): map, filter, zip, unwrap_or, into_stream, latest, and
// tick.singleton().
#ifndef EDDY_DATAFLOW_OPS_SINGLETON_OPS_H_
#define EDDY_DATAFLOW_OPS_SINGLETON_OPS_H_

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "dataflow/core/internal/typed_nodes.h"

namespace eddy::internal {

enum class SingletonOp { kMap, kFilter, kFilterMap };

// map / filter / filter_map over a 0-or-1 value.
template <SingletonOp kOp, class In, class Out, class F>
class SingletonFnNode final : public GeneralNode<std::optional<Out>> {
 public:
  SingletonFnNode(NodeSpec spec, F f)
      : GeneralNode<std::optional<Out>>(std::move(spec), type_name<Out>()), f_(std::move(f)) {}

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    auto* out = &b.port<std::optional<Out>>(this->id());
    auto* in = &b.port<std::optional<In>>(this->inputs()[0]);
    InstanceCore* core = &b.core();
    return make_lambda_runtime([=, f = f_]() mutable {
      out->reset();
      if (!in->has_value()) return;
      Context& ctx = core->context();
      if constexpr (kOp == SingletonOp::kMap) {
        out->emplace(call_user(f, ctx, static_cast<const In&>(**in)));
      } else if constexpr (kOp == SingletonOp::kFilter) {
        if (call_user(f, ctx, static_cast<const In&>(**in))) *out = *in;
      } else {
        *out = call_user(f, ctx, static_cast<const In&>(**in));
      }
    });
  }

 private:
  F f_;
};

// zip: both values as a pair; empty when either is.
template <class A, class B>
class ZipNode final : public GeneralNode<std::optional<std::pair<A, B>>> {
 public:
  explicit ZipNode(NodeSpec spec)
      : GeneralNode<std::optional<std::pair<A, B>>>(std::move(spec), type_name<std::pair<A, B>>()) {}

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    auto* out = &b.port<std::optional<std::pair<A, B>>>(this->id());
    auto* a = &b.port<std::optional<A>>(this->inputs()[0]);
    auto* c = &b.port<std::optional<B>>(this->inputs()[1]);
    return make_lambda_runtime([=] {
      out->reset();
      if (a->has_value() && c->has_value()) out->emplace(**a, **c);
    });
  }
};

// unwrap_or: the Optional's value, or `fallback` when it is empty.
template <class T>
class UnwrapOrNode final : public GeneralNode<std::optional<T>> {
 public:
  UnwrapOrNode(NodeSpec spec, T fallback)
      : GeneralNode<std::optional<T>>(std::move(spec), type_name<T>()),
        fallback_(std::move(fallback)) {}

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    auto* out = &b.port<std::optional<T>>(this->id());
    auto* in = &b.port<std::optional<T>>(this->inputs()[0]);
    return make_lambda_runtime([=, this] { *out = in->has_value() ? *in : fallback_; });
  }

 private:
  T fallback_;
};

// into_stream / all_ticks of a singleton: a stream of its value (none when empty).
template <class T>
class SingletonToStreamNode final : public GeneralNode<std::vector<T>> {
 public:
  explicit SingletonToStreamNode(NodeSpec spec)
      : GeneralNode<std::vector<T>>(std::move(spec), type_name<T>()) {}

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    auto* out = &b.port<std::vector<T>>(this->id());
    auto* in = &b.port<std::optional<T>>(this->inputs()[0]);
    InstanceCore* core = &b.core();
    return make_lambda_runtime([=, id = this->id()] {
      out->clear();
      if (in->has_value()) {
        out->push_back(**in);
        core->count(id, 1);
      }
    });
  }
};

// latest: the most recent value a tick produced, held across ticks.
template <class T>
class LatestNode final : public GeneralNode<std::optional<T>> {
 public:
  explicit LatestNode(NodeSpec spec) : GeneralNode<std::optional<T>>(std::move(spec), type_name<T>()) {}
  bool port_is_scratch() const override { return false; }

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    auto* out = &b.port<std::optional<T>>(this->id());
    auto* in = &b.port<std::optional<T>>(this->inputs()[0]);
    return make_lambda_runtime([=] {
      if (in->has_value()) *out = *in;
    });
  }
};

// tick.singleton(value): the same value in every tick.
template <class T>
class ConstantNode final : public SourceNode<std::optional<T>> {
 public:
  ConstantNode(NodeSpec spec, T value)
      : SourceNode<std::optional<T>>(std::move(spec), type_name<T>()), value_(std::move(value)) {}

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    auto* out = &b.port<std::optional<T>>(this->id());
    *out = value_;
    return make_lambda_runtime([] {});
  }

 private:
  T value_;
};

}  // namespace eddy::internal

#endif  // EDDY_DATAFLOW_OPS_SINGLETON_OPS_H_

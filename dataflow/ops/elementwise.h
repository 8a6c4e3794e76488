// Element-wise operators: map, filter, filter_map, flat_map, inspect, enumerate.
//
// Each is a StageNode: at run time a chunk transformer that writes into a buffer it reuses and
// passes the chunk on, so a run of them is one pass over the data with no stored intermediate
// streams. Elements are handed to the user's lambda as rvalues: take them by value to own them
// or by const reference to read them.
#ifndef EDDY_DATAFLOW_OPS_ELEMENTWISE_H_
#define EDDY_DATAFLOW_OPS_ELEMENTWISE_H_

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "dataflow/core/internal/typed_nodes.h"

namespace eddy::internal {

// Shared plumbing of the element-wise stages: the next sink, an output buffer of one chunk,
// and the counter of elements produced.
template <class In, class Out>
class StageBase : public ChunkSink<In> {
 public:
  StageBase(InstanceCore& core, NodeId id, std::unique_ptr<ChunkSink<Out>> next)
      : core_(core), id_(id), next_(std::move(next)) {
    buffer_.reserve(kChunkSize);
  }
  void begin() override { next_->begin(); }
  void finish() override { next_->finish(); }

 protected:
  void flush() {
    if (buffer_.empty()) return;
    core_.count(id_, buffer_.size());
    next_->push(std::span<Out>(buffer_));
    buffer_.clear();
  }

  InstanceCore& core_;
  NodeId id_;
  std::unique_ptr<ChunkSink<Out>> next_;
  std::vector<Out> buffer_;
};

enum class ElementwiseKind { kMap, kFilter, kFilterMap, kFlatMap, kInspect };

template <ElementwiseKind kKind, class In, class Out, class F>
class ElementwiseStage final : public StageBase<In, Out> {
 public:
  ElementwiseStage(InstanceCore& core, NodeId id, F f, std::unique_ptr<ChunkSink<Out>> next)
      : StageBase<In, Out>(core, id, std::move(next)), f_(std::move(f)) {}

  void push(std::span<In> items) override {
    Context& ctx = this->core_.context();
    if constexpr (kKind == ElementwiseKind::kInspect) {
      for (const In& x : items) call_user(f_, ctx, x);
      this->core_.count(this->id_, items.size());
      this->next_->push(items);
      return;
    } else {
      auto& out = this->buffer_;
      for (In& x : items) {
        if constexpr (kKind == ElementwiseKind::kMap) {
          out.push_back(call_user(f_, ctx, std::move(x)));
        } else if constexpr (kKind == ElementwiseKind::kFilter) {
          if (call_user(f_, ctx, static_cast<const In&>(x))) out.push_back(std::move(x));
        } else if constexpr (kKind == ElementwiseKind::kFilterMap) {
          if (auto result = call_user(f_, ctx, std::move(x))) out.push_back(std::move(*result));
        } else {  // kFlatMap
          for (auto&& y : call_user(f_, ctx, std::move(x))) {
            out.push_back(std::move(y));
            if (out.size() >= kChunkSize) this->flush();
          }
        }
      }
      this->flush();
    }
  }

 private:
  F f_;
};

template <ElementwiseKind kKind, class In, class Out, class F>
class ElementwiseNode final : public StageNode<In, Out> {
 public:
  ElementwiseNode(NodeSpec spec, F f) : StageNode<In, Out>(std::move(spec)), f_(std::move(f)) {}

 protected:
  std::unique_ptr<ChunkSink<In>> make_typed_stage(
      InstanceBuilder& builder, std::unique_ptr<ChunkSink<Out>> next) const override {
    return std::make_unique<ElementwiseStage<kKind, In, Out, F>>(builder.core(), this->id(), f_,
                                                                 std::move(next));
  }

 private:
  F f_;
};

// enumerate: pairs each element with its index. Indices restart every tick inside a Tick and
// run on forever at a top-level location.
template <class T>
class EnumerateNode final : public StageNode<T, std::pair<size_t, T>> {
  using Out = std::pair<size_t, T>;

 public:
  EnumerateNode(NodeSpec spec, bool per_tick)
      : StageNode<T, Out>(std::move(spec)), per_tick_(per_tick) {}

 protected:
  class Stage final : public StageBase<T, Out> {
   public:
    Stage(InstanceCore& core, NodeId id, bool per_tick, std::unique_ptr<ChunkSink<Out>> next)
        : StageBase<T, Out>(core, id, std::move(next)), per_tick_(per_tick) {}
    void begin() override {
      if (per_tick_) next_index_ = 0;
      StageBase<T, Out>::begin();
    }
    void push(std::span<T> items) override {
      for (T& x : items) this->buffer_.emplace_back(next_index_++, std::move(x));
      this->flush();
    }

   private:
    bool per_tick_;
    size_t next_index_ = 0;
  };

  std::unique_ptr<ChunkSink<T>> make_typed_stage(
      InstanceBuilder& builder, std::unique_ptr<ChunkSink<Out>> next) const override {
    return std::make_unique<Stage>(builder.core(), this->id(), per_tick_, std::move(next));
  }

 private:
  bool per_tick_;
};

}  // namespace eddy::internal

#endif  // EDDY_DATAFLOW_OPS_ELEMENTWISE_H_

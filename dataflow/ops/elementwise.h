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
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "dataflow/core/internal/typed_nodes.h"

namespace eddy::internal {

// A chunk-sized output buffer. For types that can be default-constructed and assigned, its
// slots live for the whole run and are overwritten in place (no per-element size checks, so
// simple loops vectorize); other types are appended to a reserved vector.
template <class T>
class ChunkBuffer {
 public:
  static constexpr bool kSlots = std::is_default_constructible_v<T> && std::is_move_assignable_v<T>;

  ChunkBuffer() {
    if constexpr (kSlots) {
      slots_.resize(kChunkSize);
    } else {
      slots_.reserve(kChunkSize);
    }
  }
  size_t size() const { return size_; }
  bool full() const { return size_ == kChunkSize; }
  void push(T&& value) {
    if constexpr (kSlots) {
      slots_[size_] = std::move(value);
    } else {
      slots_.push_back(std::move(value));
    }
    ++size_;
  }
  T* data() { return slots_.data(); }
  // After writing slots [0, n) through data(). REQUIRES: kSlots, n <= kChunkSize.
  void set_size(size_t n) requires kSlots { size_ = n; }
  std::span<T> span() { return std::span<T>(slots_.data(), size_); }
  void clear() {
    size_ = 0;
    if constexpr (!kSlots) slots_.clear();
  }

 private:
  std::vector<T> slots_;
  size_t size_ = 0;
};

// Shared plumbing of the element-wise stages: the next sink, an output buffer of one chunk,
// and the counter of elements produced.
template <class In, class Out>
class StageBase : public ChunkSink<In> {
 public:
  StageBase(InstanceCore& core, NodeId id, std::unique_ptr<ChunkSink<Out>> next)
      : core_(core), id_(id), next_(std::move(next)) {}
  void begin() override { next_->begin(); }
  void finish() override { next_->finish(); }

 protected:
  void flush() {
    if (buffer_.size() == 0) return;
    core_.count(id_, buffer_.size());
    next_->push(buffer_.span());
    buffer_.clear();
  }

  InstanceCore& core_;
  NodeId id_;
  std::unique_ptr<ChunkSink<Out>> next_;
  ChunkBuffer<Out> buffer_;
};

enum class ElementwiseKind { kMap, kFilter, kFilterMap, kFlatMap, kInspect };

template <ElementwiseKind kKind, class In, class Out, class F>
class ElementwiseStage final : public StageBase<In, Out> {
 public:
  ElementwiseStage(InstanceCore& core, NodeId id, F f, std::unique_ptr<ChunkSink<Out>> next)
      : StageBase<In, Out>(core, id, std::move(next)), f_(std::move(f)) {}

  // Shared elements are read in place when f takes them by const reference (or by value, which
  // copies only what f needs); only a stage that would move from them copies the chunk first.
  void push_shared(std::span<const In> items) override {
    if constexpr (kReadsInPlace) {
      process(items);
    } else {
      ChunkSink<In>::push_shared(items);
    }
  }

  void push(std::span<In> items) override { process(items); }

 private:
  static constexpr bool kReadsInPlace =
      kKind == ElementwiseKind::kInspect ||
      (kKind == ElementwiseKind::kFilter && std::is_copy_constructible_v<In>) ||
      ((kKind == ElementwiseKind::kMap || kKind == ElementwiseKind::kFilterMap ||
        kKind == ElementwiseKind::kFlatMap) &&
       kIsUserCallable<F, const In&>);

  // Items is std::span<In> (ours to move from) or std::span<const In> (shared: read only).
  template <class Items>
  void process(Items items) {
    constexpr bool kOwned = !std::is_const_v<typename Items::element_type>;
    auto take = [](auto& x) -> decltype(auto) {
      if constexpr (kOwned) {
        return std::move(x);
      } else {
        return static_cast<const In&>(x);
      }
    };
    Context& ctx = this->core_.context();
    auto& out = this->buffer_;
    if constexpr (kKind == ElementwiseKind::kInspect) {
      for (const In& x : items) call_user(f_, ctx, x);
      this->core_.count(this->id_, items.size());
      if constexpr (kOwned) {
        this->next_->push(items);
      } else {
        this->next_->push_shared(items);
      }
      return;
    } else if constexpr (kKind == ElementwiseKind::kMap && ChunkBuffer<Out>::kSlots) {
      // Chunks are at most kChunkSize long, so every result has a slot.
      Out* slots = out.data();
      const size_t n = items.size();
      for (size_t i = 0; i < n; ++i) slots[i] = call_user(f_, ctx, take(items[i]));
      out.set_size(n);
    } else if constexpr (kKind == ElementwiseKind::kFilter && ChunkBuffer<Out>::kSlots &&
                         std::is_trivially_copyable_v<In>) {
      // Branch-free, with the count in a local: a member counter may alias the slots.
      In* slots = out.data();
      size_t kept = 0;
      for (auto& x : items) {
        const bool keep = call_user(f_, ctx, static_cast<const In&>(x));
        slots[kept] = x;
        kept += keep;
      }
      out.set_size(kept);
    } else {
      for (auto& x : items) {
        if constexpr (kKind == ElementwiseKind::kMap) {
          out.push(call_user(f_, ctx, take(x)));
        } else if constexpr (kKind == ElementwiseKind::kFilter) {
          if (call_user(f_, ctx, static_cast<const In&>(x))) out.push(In(take(x)));
        } else if constexpr (kKind == ElementwiseKind::kFilterMap) {
          if (auto result = call_user(f_, ctx, take(x))) out.push(std::move(*result));
        } else {  // kFlatMap
          for (auto&& y : call_user(f_, ctx, take(x))) {
            out.push(std::move(y));
            if (out.full()) this->flush();
          }
        }
      }
    }
    this->flush();
  }

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
      for (T& x : items) this->buffer_.push(Out(next_index_++, std::move(x)));
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

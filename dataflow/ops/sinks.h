// Sinks: for_each (run a lambda per element) and collect (keep every element for a test to
// read, with the tick it arrived in).
#ifndef EDDY_DATAFLOW_OPS_SINKS_H_
#define EDDY_DATAFLOW_OPS_SINKS_H_

#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <variant>
#include <vector>

#include "dataflow/core/internal/typed_nodes.h"

namespace eddy {

namespace internal {
template <class T>
struct CollectedState {
  mutable std::mutex mutex;
  std::map<MemberId, std::vector<std::pair<uint64_t, T>>> by_member;
};
}  // namespace internal

// What collect() gathered, per location instance. Thread safe; readable while the flow runs.
template <class T>
class Collected {
 public:
  explicit Collected(std::shared_ptr<internal::CollectedState<T>> state)
      : state_(std::move(state)) {}

  // Every element, member by member (ascending), each member's in arrival order.
  std::vector<T> values() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    std::vector<T> out;
    for (const auto& [member, items] : state_->by_member) {
      for (const auto& [tick, x] : items) out.push_back(x);
    }
    return out;
  }
  // The elements one member (0 for a Process) collected, in arrival order.
  std::vector<T> values_at(MemberId member) const {
    std::vector<T> out;
    for (auto& [tick, x] : with_ticks(member)) out.push_back(std::move(x));
    return out;
  }
  // (tick number, element) pairs one member collected.
  std::vector<std::pair<uint64_t, T>> with_ticks(MemberId member = MemberId{}) const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    auto it = state_->by_member.find(member);
    return it == state_->by_member.end() ? std::vector<std::pair<uint64_t, T>>{} : it->second;
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    size_t n = 0;
    for (const auto& [member, items] : state_->by_member) n += items.size();
    return n;
  }
  void clear() {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->by_member.clear();
  }

 private:
  std::shared_ptr<internal::CollectedState<T>> state_;
};

namespace internal {

template <class T, class F>
class ForEachNode final : public SinkNode<T, std::monostate> {
 public:
  ForEachNode(NodeSpec spec, F f) : SinkNode<T, std::monostate>(std::move(spec), "()"), f_(std::move(f)) {}

 protected:
  std::unique_ptr<ChunkSink<T>> make_typed_sink(InstanceBuilder& builder) const override {
    InstanceCore* core = &builder.core();
    return make_lambda_sink<T>(
        [] {},
        [core, f = f_, id = this->id()](std::span<T> items) mutable {
          for (T& x : items) call_user(f, core->context(), std::move(x));
          core->count(id, items.size());
        },
        [] {});
  }

 private:
  F f_;
};

template <class T>
class CollectNode final : public SinkNode<T, std::monostate> {
 public:
  CollectNode(NodeSpec spec, std::shared_ptr<CollectedState<T>> state)
      : SinkNode<T, std::monostate>(std::move(spec), "()"), state_(std::move(state)) {}

 protected:
  std::unique_ptr<ChunkSink<T>> make_typed_sink(InstanceBuilder& builder) const override {
    InstanceCore* core = &builder.core();
    return make_lambda_sink<T>(
        [] {},
        [core, state = state_, id = this->id()](std::span<T> items) {
          std::lock_guard<std::mutex> lock(state->mutex);
          auto& mine = state->by_member[core->self().member];
          for (T& x : items) mine.emplace_back(core->tick(), std::move(x));
          core->count(id, items.size());
        },
        [] {});
  }

 private:
  std::shared_ptr<CollectedState<T>> state_;
};

}  // namespace internal
}  // namespace eddy

#endif  // EDDY_DATAFLOW_OPS_SINKS_H_

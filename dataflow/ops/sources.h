// Sources: source_iter (a fixed collection, emitted in the first tick) and source_channel (host
// code pushes elements in from any thread: the embedding hook).
#ifndef EDDY_DATAFLOW_OPS_SOURCES_H_
#define EDDY_DATAFLOW_OPS_SOURCES_H_

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "dataflow/core/internal/typed_nodes.h"

namespace eddy {

namespace internal {

template <class T>
class ChannelState {
 public:
  void push(std::vector<T>&& items) {
    InstanceCore* core;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (pending_.empty()) {
        pending_ = std::move(items);
      } else {
        pending_.insert(pending_.end(), std::make_move_iterator(items.begin()),
                        std::make_move_iterator(items.end()));
      }
      core = core_;
    }
    if (core != nullptr) core->notify_input();
  }
  void take(std::vector<T>& out) {
    std::lock_guard<std::mutex> lock(mutex_);
    out.clear();
    out.swap(pending_);
  }
  void bind(InstanceCore* core) {
    bool has_pending;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      core_ = core;
      has_pending = !pending_.empty();
    }
    if (core != nullptr && has_pending) core->notify_input();
  }

 private:
  std::mutex mutex_;
  std::vector<T> pending_;
  InstanceCore* core_ = nullptr;
};

}  // namespace internal

// The host side of source_channel(): pushes elements into a running flow. Copyable; every copy
// feeds the same stream. Thread safe. Elements pushed before the flow starts wait for its first
// tick; each push wakes the instance, whose next tick sees everything pushed so far.
template <class T>
class ChannelSender {
 public:
  explicit ChannelSender(std::shared_ptr<internal::ChannelState<T>> state)
      : state_(std::move(state)) {}

  void send(T item) {
    std::vector<T> one;
    one.push_back(std::move(item));
    state_->push(std::move(one));
  }
  // Pushes a whole batch at once (moved in: no per-element cost).
  void send_batch(std::vector<T> items) { state_->push(std::move(items)); }

 private:
  std::shared_ptr<internal::ChannelState<T>> state_;
};

namespace internal {

template <class T>
class SourceIterNode final : public SourceNode<std::vector<T>> {
 public:
  SourceIterNode(NodeSpec spec, std::vector<T> items)
      : SourceNode<std::vector<T>>(std::move(spec), type_name<T>()), items_(std::move(items)) {}

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    auto* out = &b.port<std::vector<T>>(this->id());
    InstanceCore* core = &b.core();
    return make_lambda_runtime([this, out, core, first = true]() mutable {
      out->clear();
      if (!first) return;
      first = false;
      *out = items_;
      core->count(this->id(), out->size());
    });
  }

 private:
  std::vector<T> items_;
};

template <class T>
class SourceChannelNode final : public SourceNode<std::vector<T>> {
 public:
  bool open_input() const override { return true; }
  SourceChannelNode(NodeSpec spec, std::shared_ptr<ChannelState<T>> state)
      : SourceNode<std::vector<T>>(std::move(spec), type_name<T>()), state_(std::move(state)) {}

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    return std::make_unique<Runtime>(state_, b.core(), &b.port<std::vector<T>>(this->id()),
                                     this->id());
  }

 private:
  class Runtime final : public RuntimeNode {
   public:
    Runtime(std::shared_ptr<ChannelState<T>> state, InstanceCore& core, std::vector<T>* out,
            NodeId id)
        : state_(std::move(state)), core_(core), out_(out), id_(id) {
      state_->bind(&core_);
    }
    ~Runtime() override { state_->bind(nullptr); }
    void run() override {
      state_->take(*out_);
      core_.count(id_, out_->size());
    }

   private:
    std::shared_ptr<ChannelState<T>> state_;
    InstanceCore& core_;
    std::vector<T>* out_;
    NodeId id_;
  };

  std::shared_ptr<ChannelState<T>> state_;
};

}  // namespace internal
}  // namespace eddy

#endif  // EDDY_DATAFLOW_OPS_SOURCES_H_

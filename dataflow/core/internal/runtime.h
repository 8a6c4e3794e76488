// Run-time building blocks of a location instance: ports, chunk sinks and run-time nodes.
//
// Each IR node owns one Port: the buffer holding its output during a tick (a vector for
// streams, an optional for singletons, a table view for keyed singletons). A tick runs the
// instance's RuntimeNodes once each, in topological order, so every port a node reads is
// complete before it runs. Runs of element-wise operators are fused: a driver reads a port and
// pushes it in chunks through ChunkSinks (one per operator) without storing the intermediate
// streams. All of this runs on the instance's own thread.
#ifndef EDDY_DATAFLOW_CORE_INTERNAL_RUNTIME_H_
#define EDDY_DATAFLOW_CORE_INTERNAL_RUNTIME_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <typeinfo>
#include <vector>

#include "dataflow/core/check.h"
#include "dataflow/core/clock.h"
#include "dataflow/core/internal/graph.h"
#include "dataflow/core/internal/type_name.h"

namespace eddy::internal {

class InstanceCore;

// ---- Ports ---------------------------------------------------------------------------------

class PortBase {
 public:
  virtual ~PortBase() = default;
  virtual const std::type_info& repr_type() const = 0;
};

// The run-time representation of one node's output. R is std::vector<T> for streams,
// std::optional<T> for singletons and optionals, KeyedTableView<K, V> for keyed singletons.
template <class R>
class Port final : public PortBase {
 public:
  const std::type_info& repr_type() const override { return typeid(R); }
  R value{};
};

// ---- Chunk sinks ---------------------------------------------------------------------------

// Elements move through fused pipelines in chunks of at most this many.
inline constexpr size_t kChunkSize = 1024;

class SinkBase {
 public:
  virtual ~SinkBase() = default;
};

// A consumer of one stream during a tick: begin(), then push() per chunk, then finish().
template <class T>
class ChunkSink : public SinkBase {
 public:
  virtual void begin() {}
  // The receiver may move elements out of `items`.
  virtual void push(std::span<T> items) = 0;
  // Elements other readers share: the receiver must not change them. By default they are
  // copied and pushed; receivers that only read override this to skip the copy.
  virtual void push_shared(std::span<const T> items) {
    scratch_.assign(items.begin(), items.end());
    push(std::span<T>(scratch_));
  }
  virtual void finish() {}

 private:
  std::vector<T> scratch_;
};

template <class T>
std::unique_ptr<ChunkSink<T>> sink_cast(std::unique_ptr<SinkBase> sink) {
  auto* typed = dynamic_cast<ChunkSink<T>*>(sink.get());
  EDDY_CHECK(typed != nullptr, "pipeline stage expects elements of type ", type_name<T>());
  sink.release();
  return std::unique_ptr<ChunkSink<T>>(typed);
}

// ---- Run-time nodes ------------------------------------------------------------------------

class RuntimeNode {
 public:
  virtual ~RuntimeNode() = default;
  // Runs once per tick, after every node whose port this one reads.
  virtual void run() = 0;
  // Runs once per tick after every node ran (defer_tick keeps its input here).
  virtual void end_tick() {}
  // True when this node has data for the next tick even if nothing arrives (defer_tick).
  virtual bool has_pending() const { return false; }
  // The earliest instant at which this node wants a tick (timers), if any.
  virtual std::optional<Instant> next_deadline() const { return std::nullopt; }
};

// Reads a stream port and pushes it through `head` in chunks. Moves elements out of the port
// when this pipeline is the port's only reader and the port is scratch; copies otherwise.
template <class T>
class StreamDriver final : public RuntimeNode {
 public:
  StreamDriver(std::vector<T>* input, bool may_move, std::unique_ptr<ChunkSink<T>> head)
      : input_(input), may_move_(may_move), head_(std::move(head)) {}

  void run() override {
    head_->begin();
    const size_t n = input_->size();
    for (size_t start = 0; start < n; start += kChunkSize) {
      const size_t count = std::min(kChunkSize, n - start);
      if (may_move_) {
        head_->push(std::span<T>(input_->data() + start, count));
      } else {
        head_->push_shared(std::span<const T>(input_->data() + start, count));
      }
    }
    head_->finish();
  }

 private:
  std::vector<T>* input_;
  bool may_move_;
  std::unique_ptr<ChunkSink<T>> head_;
};

// Appends every element it receives to a stream port, cleared at the start of each tick.
template <class T>
class MaterializeSink final : public ChunkSink<T> {
 public:
  explicit MaterializeSink(std::vector<T>* port) : port_(port) {}
  void begin() override { port_->clear(); }
  void push(std::span<T> items) override {
    port_->insert(port_->end(), std::make_move_iterator(items.begin()),
                  std::make_move_iterator(items.end()));
  }

 private:
  std::vector<T>* port_;
};

// ---- Building an instance ------------------------------------------------------------------

// What an IR node sees while making its run-time parts for one location instance.
class InstanceBuilder {
 public:
  virtual ~InstanceBuilder() = default;

  virtual InstanceCore& core() = 0;
  virtual PortBase& port_base(NodeId node) = 0;
  // True when a driver reading `node`'s port may move elements out of it.
  virtual bool may_move_from(NodeId node) const = 0;

  // The typed port of `node`. REQUIRES: that node's output has representation R.
  template <class R>
  R& port(NodeId node) {
    PortBase& base = port_base(node);
    EDDY_CHECK(base.repr_type() == typeid(R), "node ", node, " does not produce ",
               type_name<R>());
    return static_cast<Port<R>&>(base).value;
  }
};

}  // namespace eddy::internal

#endif  // EDDY_DATAFLOW_CORE_INTERNAL_RUNTIME_H_

// Instance: one running location instance (the process, or one cluster member).
//
// Construction compiles the location's part of the flow: it creates every node's port, fuses
// runs of element-wise operators into pipelines and orders the run-time nodes topologically.
// run_tick() then does one tick: (1) move what arrived since the last tick into the sources,
// (2) run every node once in order, (3) hand the outbox to the transport. Ticks are lazy: a
// runner calls run_tick() only when has_work() says a tick would see something new.
//
// Thread safety: deliver() and core().notify_input() may be called from any thread; everything
// else belongs to the thread that runs the instance.
#ifndef EDDY_DATAFLOW_CORE_INTERNAL_INSTANCE_H_
#define EDDY_DATAFLOW_CORE_INTERNAL_INSTANCE_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "dataflow/core/internal/instance_core.h"
#include "dataflow/core/internal/runtime.h"
#include "dataflow/net/transport.h"

namespace eddy::internal {

class Instance final : public Receiver {
 public:
  // Compiles `graph` for `self`. `sizes[l]` is the number of instances of location l. The
  // transport may be null for a location that neither sends nor receives.
  // REQUIRES: the graph passed validate().
  Instance(const FlowGraph& graph, InstanceId self, std::vector<uint32_t> sizes,
           const Clock& clock, uint64_t seed, Transport* transport);
  ~Instance() override;

  InstanceCore& core() { return core_; }
  const InstanceCore& core() const { return core_; }

  // Starts receiving from the transport.
  void start();
  // Stops receiving; idempotent.
  void stop();

  // True when a tick would see something new: the first tick, input from the network or
  // another thread, data deferred by the last tick, or a timer that is due.
  bool has_work() const;
  // The earliest instant a timer wants a tick, if any timer is armed.
  std::optional<Instant> next_deadline() const;
  void run_tick();
  // Ticks run so far. Readable from any thread.
  uint64_t ticks_run() const { return ticks_run_.load(std::memory_order_relaxed); }
  // Messages received but not yet taken by a tick. Thread safe.
  size_t inbox_depth();

  // Receiver: thread safe.
  void deliver(Envelope envelope) override;
  void deliver_batch(std::vector<Envelope>& envelopes) override;

 private:
  void compile();
  void drain_network();

  const FlowGraph& graph_;
  InstanceCore core_;
  Transport* transport_;
  std::vector<std::unique_ptr<PortBase>> ports_;        // by NodeId; null elsewhere
  std::vector<std::unique_ptr<RuntimeNode>> schedule_;  // topological order
  std::atomic<uint64_t> ticks_run_{0};
  bool started_ = false;

  std::mutex inbox_mutex_;
  std::vector<Envelope> inbox_;  // guarded by inbox_mutex_
  std::vector<Envelope> draining_;
};

}  // namespace eddy::internal

#endif  // EDDY_DATAFLOW_CORE_INTERNAL_INSTANCE_H_

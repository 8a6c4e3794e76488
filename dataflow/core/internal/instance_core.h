// InstanceCore: the services one location instance offers its run-time nodes.
//
// Identity and deployment (who am I, how big is each cluster), the injected Clock and Rng, the
// outbox of messages this tick sends, registries through which the instance routes incoming
// network messages and client connections to their nodes, and per-operator counters.
// Everything here is used on the instance's thread, except where a method says otherwise.
#ifndef EDDY_DATAFLOW_CORE_INTERNAL_INSTANCE_CORE_H_
#define EDDY_DATAFLOW_CORE_INTERNAL_INSTANCE_CORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "dataflow/core/clock.h"
#include "dataflow/core/context.h"
#include "dataflow/core/internal/graph.h"
#include "dataflow/core/rng.h"
#include "dataflow/net/byte_stream.h"
#include "dataflow/net/transport.h"

namespace eddy::internal {

// A node that receives messages from the network (the receiving half of send/broadcast/...).
class NetworkInput {
 public:
  virtual ~NetworkInput() = default;
  // Decodes one message into the node's next batch. A payload that does not decode leaves the
  // batch unchanged and returns the reason.
  virtual absl::Status accept(const Envelope& envelope) = 0;
};

// The run-time state of an External port, found by the port's node id (see ops/external.h).
// The network layer serves it as a SessionAcceptor: one session per client connection.
class ExternalPortBase : public SessionAcceptor {
 public:
  // The port's name (topology files give it an address).
  virtual const std::string& name() const = 0;
  // False when the port's types have no wire codec, so it cannot be served over a network.
  virtual bool servable() const = 0;
};

class InstanceCore {
 public:
  InstanceCore(const FlowGraph& graph, InstanceId self, std::vector<uint32_t> sizes,
               const Clock& clock, uint64_t seed);
  InstanceCore(const InstanceCore&) = delete;
  InstanceCore& operator=(const InstanceCore&) = delete;

  const FlowGraph& graph() const { return graph_; }
  InstanceId self() const { return self_; }
  uint32_t location_size(LocationId location) const { return sizes_.at(location); }
  const std::vector<uint32_t>& sizes() const { return sizes_; }
  Context& context() { return context_; }
  Instant now() const { return clock_.now(); }
  Rng& rng() { return rng_; }
  uint64_t tick() const { return context_.tick_; }
  void set_tick(uint64_t tick) {
    context_.tick_ = tick;
    context_.tick_start_ = clock_.now();
  }

  // Queues `payload` for `to` on `channel`; the instance hands the outbox to its transport at
  // the end of the tick.
  void send(InstanceId to, ChannelId channel, Payload payload);
  std::vector<Envelope>& outbox() { return outbox_; }

  // Thread safe. Marks that input arrived from another thread and wakes the instance's loop.
  void notify_input();
  // Clears and returns the input-arrived mark.
  bool take_input_mark() { return input_mark_.exchange(false); }
  bool input_marked() const { return input_mark_.load(); }
  // Sets what notify_input() calls to wake the loop. REQUIRES: called before any other
  // thread can call notify_input().
  void set_waker(std::function<void()> waker) { waker_ = std::move(waker); }

  void register_network_input(ChannelId channel, NetworkInput* input);
  NetworkInput* network_input(ChannelId channel) const;
  void register_external_port(NodeId node, ExternalPortBase* port);
  ExternalPortBase* external_port(NodeId node) const;
  // Every port this instance serves, by node id.
  const absl::flat_hash_map<NodeId, ExternalPortBase*>& external_ports() const {
    return external_ports_;
  }

  // The largest serialized batch one message may carry; senders split bigger batches.
  size_t max_payload_bytes() const { return max_payload_bytes_; }
  void set_max_payload_bytes(size_t bytes) { max_payload_bytes_ = bytes; }

  // Per-channel traffic of this instance, in both directions. Thread safe.
  struct ChannelCounters {
    uint64_t messages_out = 0;
    uint64_t bytes_out = 0;
    uint64_t messages_in = 0;
    uint64_t bytes_in = 0;
  };
  void count_received(ChannelId channel, size_t bytes);
  std::map<ChannelId, ChannelCounters> channel_counters() const;

  // Per-operator counters: elements each node produced. Readable from any thread.
  void count(NodeId node, uint64_t items) {
    items_[node].fetch_add(items, std::memory_order_relaxed);
  }
  uint64_t items(NodeId node) const { return items_[node].load(std::memory_order_relaxed); }

 private:
  const FlowGraph& graph_;
  InstanceId self_;
  std::vector<uint32_t> sizes_;
  const Clock& clock_;
  Rng rng_;
  Context context_;
  std::vector<Envelope> outbox_;
  std::atomic<bool> input_mark_{false};
  std::function<void()> waker_;
  absl::flat_hash_map<ChannelId, NetworkInput*> network_inputs_;
  absl::flat_hash_map<NodeId, ExternalPortBase*> external_ports_;
  std::unique_ptr<std::atomic<uint64_t>[]> items_;
  size_t max_payload_bytes_ = SIZE_MAX;
  mutable std::mutex channels_mutex_;
  std::map<ChannelId, ChannelCounters> channels_;  // guarded by channels_mutex_
};

}  // namespace eddy::internal

#endif  // EDDY_DATAFLOW_CORE_INTERNAL_INSTANCE_CORE_H_

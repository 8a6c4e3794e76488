#include "dataflow/core/internal/instance_core.h"

#include "dataflow/core/check.h"

namespace eddy {

uint32_t Context::location_size(LocationId location) const { return sizes_->at(location); }

namespace internal {

InstanceCore::InstanceCore(const FlowGraph& graph, InstanceId self, std::vector<uint32_t> sizes,
                           const Clock& clock, uint64_t seed)
    : graph_(graph),
      self_(self),
      sizes_(std::move(sizes)),
      clock_(clock),
      rng_(mix64(seed ^ mix64((uint64_t{self.location} << 32) | self.member.raw))),
      context_(self, &sizes_, &clock_, &rng_),
      items_(new std::atomic<uint64_t>[graph.size()]()) {}

void InstanceCore::send(InstanceId to, ChannelId channel, Payload payload) {
  {
    std::lock_guard<std::mutex> lock(channels_mutex_);
    ChannelCounters& c = channels_[channel];
    c.messages_out += 1;
    c.bytes_out += payload.size();
  }
  outbox_.push_back(Envelope{self_, to, channel, std::move(payload)});
}

void InstanceCore::count_received(ChannelId channel, size_t bytes) {
  std::lock_guard<std::mutex> lock(channels_mutex_);
  ChannelCounters& c = channels_[channel];
  c.messages_in += 1;
  c.bytes_in += bytes;
}

std::map<ChannelId, InstanceCore::ChannelCounters> InstanceCore::channel_counters() const {
  std::lock_guard<std::mutex> lock(channels_mutex_);
  return channels_;
}

void InstanceCore::notify_input() {
  input_mark_.store(true);
  if (waker_) waker_();
}

void InstanceCore::register_network_input(ChannelId channel, NetworkInput* input) {
  EDDY_CHECK(network_inputs_.emplace(channel, input).second, "channel ", channel,
             " registered twice");
}

NetworkInput* InstanceCore::network_input(ChannelId channel) const {
  auto it = network_inputs_.find(channel);
  return it == network_inputs_.end() ? nullptr : it->second;
}

void InstanceCore::register_external_port(NodeId node, ExternalPortBase* port) {
  EDDY_CHECK(external_ports_.emplace(node, port).second, "external port ", node,
             " registered twice");
}

ExternalPortBase* InstanceCore::external_port(NodeId node) const {
  auto it = external_ports_.find(node);
  return it == external_ports_.end() ? nullptr : it->second;
}

}  // namespace internal
}  // namespace eddy

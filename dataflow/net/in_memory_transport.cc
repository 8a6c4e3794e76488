#include "dataflow/net/in_memory_transport.h"

#include <utility>

namespace eddy {

class InMemoryTransport final : public Transport {
 public:
  InMemoryTransport(InMemoryNetwork* network, InstanceId self) : network_(network), self_(self) {}
  ~InMemoryTransport() override { stop(); }

  void start(Receiver* receiver) override {
    network_->attach(self_, receiver);
    started_ = true;
  }
  void send(std::vector<Envelope>& messages) override {
    for (Envelope& envelope : messages) network_->deliver(std::move(envelope));
    messages.clear();
  }
  void stop() override {
    if (started_) network_->detach(self_);
    started_ = false;
  }

 private:
  InMemoryNetwork* network_;
  InstanceId self_;
  bool started_ = false;
};

std::unique_ptr<Transport> InMemoryNetwork::endpoint(InstanceId self) {
  return std::make_unique<InMemoryTransport>(this, self);
}

void InMemoryNetwork::attach(InstanceId id, Receiver* receiver) {
  std::lock_guard<std::mutex> lock(mutex_);
  receivers_[id] = receiver;
}

void InMemoryNetwork::detach(InstanceId id) {
  std::lock_guard<std::mutex> lock(mutex_);
  receivers_.erase(id);
}

void InMemoryNetwork::deliver(Envelope envelope) {
  // Delivering under the lock keeps detach() from racing a delivery into a dying receiver.
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = receivers_.find(envelope.to);
  if (it == receivers_.end()) {
    dropped_.fetch_add(1);
    return;
  }
  it->second->deliver(std::move(envelope));
}

}  // namespace eddy

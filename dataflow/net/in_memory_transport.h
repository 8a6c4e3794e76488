// An in-memory network: every instance of a flow in one OS process, messages handed from
// sender to receiver directly (already serialized, so the codec path is the same as TCP's).
// Delivery is immediate and FIFO; a message to an instance that is not started is dropped.
// Thread safe.
#ifndef EDDY_DATAFLOW_NET_IN_MEMORY_TRANSPORT_H_
#define EDDY_DATAFLOW_NET_IN_MEMORY_TRANSPORT_H_

#include <atomic>
#include <memory>
#include <mutex>

#include "absl/container/flat_hash_map.h"
#include "dataflow/net/transport.h"

namespace eddy {

class InMemoryNetwork {
 public:
  // A transport for the instance `self`. The network must outlive it.
  std::unique_ptr<Transport> endpoint(InstanceId self);

  // Messages dropped because their receiver was not started.
  uint64_t dropped() const { return dropped_.load(); }

 private:
  friend class InMemoryTransport;
  void attach(InstanceId id, Receiver* receiver);
  void detach(InstanceId id);
  void deliver(Envelope envelope);

  std::mutex mutex_;
  absl::flat_hash_map<InstanceId, Receiver*> receivers_;
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace eddy

#endif  // EDDY_DATAFLOW_NET_IN_MEMORY_TRANSPORT_H_

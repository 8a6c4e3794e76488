// Transport: how location instances exchange messages (a determinism seam).
//
// The engine hands a Transport every message one tick produces, already serialized, addressed
// to one instance; the transport delivers messages for this instance to its Receiver. Three
// transports implement the same contract: in-memory (tests, the in-process runner), TCP (real
// deployments) and simulated (seeded faults).
//
// The channel contract is fail-stop FIFO: messages from one instance to another on one channel
// arrive in the order sent, each at most once; when a connection dies, messages in flight may
// be lost, and nothing after a lost message is delivered out of order. Protocols above repair
// loss (anti-entropy).
#ifndef EDDY_DATAFLOW_NET_TRANSPORT_H_
#define EDDY_DATAFLOW_NET_TRANSPORT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "dataflow/core/ids.h"

namespace eddy {

// Channels are numbered by the flow (the id of the sending operator), so every process built
// from the same program agrees on them.
using ChannelId = uint32_t;

struct Envelope {
  InstanceId from;
  InstanceId to;
  ChannelId channel = 0;
  // The serialized batch. Shared, so a broadcast serializes once for every receiver.
  std::shared_ptr<const std::string> payload;
};

// Where a transport delivers incoming messages. Thread safe: called from transport threads.
class Receiver {
 public:
  virtual ~Receiver() = default;
  virtual void deliver(Envelope envelope) = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Starts delivering messages addressed to this instance to `receiver`, which must outlive
  // the transport or a call to stop().
  virtual void start(Receiver* receiver) = 0;
  // Hands over one tick's messages (taking their payloads). Never blocks waiting for a peer;
  // a message to an unreachable peer is dropped (see the channel contract above).
  virtual void send(std::vector<Envelope>& messages) = 0;
  // Stops delivering; after it returns the receiver is not called again.
  virtual void stop() = 0;
  // Reports that a message `from` could not be used (its payload does not decode): a transport
  // with connections closes the one it came on. Thread safe.
  virtual void reject(InstanceId from, const absl::Status& why) {
    (void)from;
    (void)why;
  }
};

}  // namespace eddy

#endif  // EDDY_DATAFLOW_NET_TRANSPORT_H_

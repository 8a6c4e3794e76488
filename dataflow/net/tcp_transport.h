// TcpTransport: the Transport between OS processes, over TCP with Boost.Asio.
//
// One listener per instance; one connection per pair of instances that share a channel,
// carrying every channel between them (the instance with the smaller id dials, the other
// accepts). A connection opens with the handshake of wire.h: magic, protocol version, the
// flow's fingerprint, both identities and, with a cluster secret, mutual HMAC-SHA256 proofs over
// fresh nonces. A peer with another fingerprint, a wrong or missing secret, or a bad handshake
// is refused, and both sides log exactly why.
//
// Sending never blocks: send() appends each message as a data frame to its peer's queue, and the
// I/O thread writes everything queued for a peer in one write. While a peer is unreachable its
// frames wait (up to max_queued_bytes, then new ones are dropped and counted); when a
// connection dies, frames already written to it may be lost. That is the fail-stop channel
// contract of net/transport.h. The dialer re-dials with capped exponential backoff.
//
// Bytes from the network are never trusted: a frame of length 0 or above max_frame_bytes, a
// malformed header, or (reported back through reject()) a payload that does not decode closes
// that one connection with a logged reason; every other connection carries on.
//
// Thread safety: send(), reject() and stats() may be called from any thread.
#ifndef EDDY_DATAFLOW_NET_TCP_TRANSPORT_H_
#define EDDY_DATAFLOW_NET_TCP_TRANSPORT_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dataflow/core/clock.h"
#include "dataflow/net/endpoint.h"
#include "dataflow/net/transport.h"
#include "dataflow/net/wire.h"

namespace eddy {

class IoLoop;

struct TcpTransportOptions {
  InstanceId self;
  Endpoint listen;
  // Every instance this one shares a channel with, and where it listens.
  std::map<InstanceId, Endpoint> peers;
  uint64_t fingerprint = 0;
  // The cluster secret; empty means none.
  std::string secret;
  size_t max_frame_bytes = wire::kDefaultMaxFrameBytes;
  // Per peer: frames beyond this many queued bytes are dropped while the peer is unreachable.
  size_t max_queued_bytes = size_t{256} << 20;
  Duration initial_backoff = std::chrono::milliseconds(50);
  Duration max_backoff = std::chrono::seconds(2);
  Duration handshake_timeout = std::chrono::seconds(10);
  // Names an instance in log lines ("workers/1"); defaults to "location L member M".
  std::function<std::string(InstanceId)> describe;
};

// Counters of one peer connection, for /metrics.
struct PeerStats {
  InstanceId peer;
  bool connected = false;
  uint64_t connects = 0;
  uint64_t frames_out = 0;
  uint64_t bytes_out = 0;
  uint64_t frames_in = 0;
  uint64_t bytes_in = 0;
  uint64_t dropped_frames = 0;
  uint64_t queued_bytes = 0;
  // Handshakes with this peer that either side refused (other flow, wrong secret, ...).
  uint64_t refusals = 0;
};

class TcpTransport final : public Transport {
 public:
  // Binds the listener (port 0 picks a free one) on `loop`, which must outlive the transport.
  // Fails when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<TcpTransport>> create(IoLoop& loop,
                                                              TcpTransportOptions options);
  ~TcpTransport() override;

  void start(Receiver* receiver) override;
  void send(std::vector<Envelope>& messages) override;
  void stop() override;
  void reject(InstanceId from, const absl::Status& why) override;

  // Where the listener is bound (the real port when 0 was asked for).
  Endpoint local_endpoint() const;
  std::vector<PeerStats> stats() const;
  // The largest payload one message may carry (the frame limit minus the data header).
  size_t max_payload_bytes() const;

  class Impl;

 private:
  explicit TcpTransport(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace eddy

#endif  // EDDY_DATAFLOW_NET_TCP_TRANSPORT_H_

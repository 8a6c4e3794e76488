// Byte-stream connections between the network layer and whoever serves them (client ports).
//
// The network layer owns the socket and implements ByteStream; the server side implements
// ByteSession and is fed the bytes that arrive. A SessionAcceptor makes one session per
// accepted connection.
#ifndef EDDY_DATAFLOW_NET_BYTE_STREAM_H_
#define EDDY_DATAFLOW_NET_BYTE_STREAM_H_

#include <cstddef>
#include <memory>
#include <string>

namespace eddy {

// The sending side of one connection.
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Thread safe. Queues bytes for the peer.
  virtual void write(std::string bytes) = 0;
  // Thread safe. Closes the connection once everything queued is written; `reason` is logged.
  virtual void close_after_writes(std::string reason) = 0;
};

// The receiving side of one connection.
class ByteSession {
 public:
  virtual ~ByteSession() = default;
  // Network thread: bytes the peer sent.
  virtual void on_bytes(const char* data, size_t n) = 0;
  // Network thread: the connection is gone; no more calls follow.
  virtual void on_closed() = 0;
};

class SessionAcceptor {
 public:
  virtual ~SessionAcceptor() = default;
  // Thread safe. The session for a new connection whose replies go to `stream`.
  virtual std::shared_ptr<ByteSession> open_session(std::shared_ptr<ByteStream> stream) = 0;
};

}  // namespace eddy

#endif  // EDDY_DATAFLOW_NET_BYTE_STREAM_H_

// SessionServer: a TCP listener whose every accepted connection becomes a ByteSession of a
// SessionAcceptor (a client port, typically). Bytes read are handed to the session as they
// arrive; what the session writes is queued and written in order by the I/O thread. A
// connection whose session asks to close is closed once its queued bytes are written.
//
// Thread safety: sessions may write from any thread; everything else runs on the IoLoop.
#ifndef EDDY_DATAFLOW_NET_SESSION_SERVER_H_
#define EDDY_DATAFLOW_NET_SESSION_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "dataflow/net/byte_stream.h"
#include "dataflow/net/endpoint.h"

namespace eddy {

class IoLoop;

class SessionServer {
 public:
  // Listens on `listen` (port 0 picks a free one); `name` labels log lines. `loop` and
  // `acceptor` must outlive the server.
  static absl::StatusOr<std::unique_ptr<SessionServer>> create(IoLoop& loop, Endpoint listen,
                                                               std::string name,
                                                               SessionAcceptor* acceptor);
  ~SessionServer();

  // Starts accepting.
  void start();
  // Stops accepting and closes every connection (their sessions see on_closed()). Idempotent.
  void stop();
  Endpoint local_endpoint() const;
  // Connections open now.
  size_t connections() const;

  class Impl;

 private:
  explicit SessionServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace eddy

#endif  // EDDY_DATAFLOW_NET_SESSION_SERVER_H_

// ClientSocket: a blocking TCP connection that reads and writes wire.h frames, for clients of
// External ports (eddy::Client) and for tests. Every wait has a timeout. Not thread safe.
#ifndef EDDY_DATAFLOW_NET_CLIENT_SOCKET_H_
#define EDDY_DATAFLOW_NET_CLIENT_SOCKET_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "dataflow/core/clock.h"
#include "dataflow/net/endpoint.h"
#include "dataflow/net/wire.h"

namespace eddy {

class ClientSocket {
 public:
  // Connects to `at` within `timeout`.
  static absl::StatusOr<std::unique_ptr<ClientSocket>> connect(const Endpoint& at, Duration timeout);
  ~ClientSocket();
  ClientSocket(const ClientSocket&) = delete;
  ClientSocket& operator=(const ClientSocket&) = delete;

  // Writes all of `bytes` (within `timeout`).
  absl::Status write(absl::string_view bytes, Duration timeout);
  // The next frame's body, waiting up to `timeout` for it to arrive whole.
  absl::StatusOr<std::string> read_frame(Duration timeout);
  // Raw bytes, for protocols without eddy's framing: at least 1 and at most `n` bytes, waiting up
  // to `timeout`. Fails when the peer closed the connection.
  absl::StatusOr<size_t> read_some(char* into, size_t n, Duration timeout);
  // Closes the connection; later calls fail.
  void close();

 private:
  explicit ClientSocket(int fd) : fd_(fd) {}
  int fd_;
  wire::FrameReader reader_;
};

}  // namespace eddy

#endif  // EDDY_DATAFLOW_NET_CLIENT_SOCKET_H_

// RespClient: a small blocking Redis-protocol client (RESP2), for eddy's demo, tools and tests.
// One connection; requests may be pipelined with send() and read back with receive(). Every wait
// has a timeout. Not thread safe.
#ifndef EDDY_KVS_PROTOCOL_RESP_CLIENT_H_
#define EDDY_KVS_PROTOCOL_RESP_CLIENT_H_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dataflow/net/client_socket.h"
#include "kvs/protocol/resp.h"

namespace eddy::kvs {

class RespClient {
 public:
  static absl::StatusOr<std::unique_ptr<RespClient>> connect(
      const Endpoint& at, Duration timeout = std::chrono::seconds(10));

  // Sends one command (as a multibulk array) without waiting for its reply.
  absl::Status send(const std::vector<std::string>& args);
  // The next reply.
  absl::StatusOr<RespValue> receive(Duration timeout = std::chrono::seconds(10));
  // send() then receive().
  absl::StatusOr<RespValue> call(const std::vector<std::string>& args,
                                 Duration timeout = std::chrono::seconds(10));

 private:
  explicit RespClient(std::unique_ptr<ClientSocket> socket) : socket_(std::move(socket)) {}
  std::unique_ptr<ClientSocket> socket_;
  RespReplyParser parser_;
};

// A reply as redis-cli prints it: OK, "text", (integer) 3, (nil), 1) ..., (error) ERR ...
std::string to_cli_text(const RespValue& value);

}  // namespace eddy::kvs

#endif  // EDDY_KVS_PROTOCOL_RESP_CLIENT_H_

// eddy::Client<Req, Resp>: a blocking client of an External port over eddy's native protocol
// (net/native_codec.h). Build it with the same Req and Resp types the port was declared with;
// the handshake refuses a client whose types differ.
//
//   auto client = eddy::Client<int, std::string>::connect(endpoint, "clients");
//   absl::StatusOr<std::string> reply = (*client)->call(42);
//
// Replies come back in request order. Not thread safe: one client per thread.
#ifndef EDDY_DATAFLOW_CLIENT_H_
#define EDDY_DATAFLOW_CLIENT_H_

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "dataflow/net/client_socket.h"
#include "dataflow/net/native_codec.h"

namespace eddy {

template <class Req, class Resp>
class Client {
 public:
  // Connects to the port `port_name` listening at `at` and completes the handshake.
  static absl::StatusOr<std::unique_ptr<Client>> connect(
      const Endpoint& at, const std::string& port_name,
      Duration timeout = std::chrono::seconds(10)) {
    absl::StatusOr<std::unique_ptr<ClientSocket>> socket = ClientSocket::connect(at, timeout);
    if (!socket.ok()) return socket.status();
    std::string hello;
    wire::append_client_hello(wire::ClientHello{port_fingerprint<Req, Resp>(), port_name}, &hello);
    if (absl::Status s = (*socket)->write(hello, timeout); !s.ok()) return s;
    absl::StatusOr<std::string> answer = (*socket)->read_frame(timeout);
    if (!answer.ok()) return answer.status();
    absl::StatusOr<wire::Kind> kind = wire::kind_of(*answer);
    if (!kind.ok()) return kind.status();
    if (*kind == wire::Kind::kRefuse) {
      return absl::FailedPreconditionError(
          absl::StrCat("port '", port_name, "' refused the client: ", answer->substr(1)));
    }
    if (*kind != wire::Kind::kAccept) {
      return absl::InvalidArgumentError("the server answered the handshake with a wrong frame");
    }
    return std::unique_ptr<Client>(new Client(*std::move(socket)));
  }

  // Sends one request.
  absl::Status send(const Req& request, Duration timeout = std::chrono::seconds(10)) {
    scratch_.clear();
    encode_value(request, &scratch_);
    frame_.clear();
    wire::append_data(wire::DataHeader{}, scratch_, &frame_);
    return socket_->write(frame_, timeout);
  }

  // The next reply, waiting up to `timeout`.
  absl::StatusOr<Resp> receive(Duration timeout = std::chrono::seconds(10)) {
    absl::StatusOr<std::string> frame = socket_->read_frame(timeout);
    if (!frame.ok()) return frame.status();
    absl::StatusOr<std::pair<wire::DataHeader, absl::string_view>> data = wire::parse_data(*frame);
    if (!data.ok()) return data.status();
    Resp reply;
    if (absl::Status s =
            decode_value(std::string_view(data->second.data(), data->second.size()), &reply);
        !s.ok()) {
      return s;
    }
    return reply;
  }

  // send() then receive().
  absl::StatusOr<Resp> call(const Req& request, Duration timeout = std::chrono::seconds(10)) {
    if (absl::Status s = send(request, timeout); !s.ok()) return s;
    return receive(timeout);
  }

 private:
  explicit Client(std::unique_ptr<ClientSocket> socket) : socket_(std::move(socket)) {}
  std::unique_ptr<ClientSocket> socket_;
  std::string scratch_;
  std::string frame_;
};

}  // namespace eddy

#endif  // EDDY_DATAFLOW_CLIENT_H_

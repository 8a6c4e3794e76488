// The native client protocol of an External port (see wire.h): a client_hello naming the port
// and the fingerprint of its request and reply types, answered by accept or refuse; then one
// Cereal-encoded request per data frame in, one reply per data frame out. eddy::Client
// (dataflow/client.h) speaks it.
#ifndef EDDY_DATAFLOW_NET_NATIVE_CODEC_H_
#define EDDY_DATAFLOW_NET_NATIVE_CODEC_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "dataflow/core/internal/type_name.h"
#include "dataflow/core/rng.h"
#include "dataflow/net/wire.h"
#include "dataflow/ops/external.h"
#include "dataflow/serde/codec.h"

namespace eddy {

// Identifies a port's (request, reply) types; clients and ports compare it in the handshake.
template <class Req, class Resp>
uint64_t port_fingerprint() {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const std::string& part : {internal::type_name<Req>(), std::string("|"),
                                  internal::type_name<Resp>()}) {
    for (unsigned char c : part) h = (h ^ c) * 0x100000001b3ULL;
  }
  return mix64(h);
}

template <class Req, class Resp>
class NativeCodec final : public WireCodec<Req, Resp> {
 public:
  NativeCodec(std::string port_name, size_t max_frame_bytes)
      : port_name_(std::move(port_name)), reader_(max_frame_bytes) {}

  absl::Status decode(const char* data, size_t n, std::vector<Req>* requests,
                      std::string* immediate) override {
    reader_.append(data, n);
    while (true) {
      absl::StatusOr<std::optional<absl::string_view>> frame = reader_.next();
      if (!frame.ok()) return frame.status();
      if (!frame->has_value()) return absl::OkStatus();
      if (!greeted_) {
        if (absl::Status s = greet(**frame, immediate); !s.ok()) return s;
        continue;
      }
      absl::StatusOr<std::pair<wire::DataHeader, absl::string_view>> parsed =
          wire::parse_data(**frame);
      if (!parsed.ok()) return parsed.status();
      Req request;
      const absl::string_view payload = parsed->second;
      if (absl::Status s = decode_value(std::string_view(payload.data(), payload.size()), &request);
          !s.ok()) {
        return s;
      }
      requests->push_back(std::move(request));
    }
  }

  bool encode(std::vector<Resp>& replies, std::string* out) override {
    for (const Resp& reply : replies) {
      scratch_.clear();
      encode_value(reply, &scratch_);
      wire::append_data(wire::DataHeader{}, scratch_, out);
    }
    return false;
  }

 private:
  absl::Status greet(absl::string_view frame, std::string* immediate) {
    absl::StatusOr<wire::ClientHello> hello = wire::parse_client_hello(frame);
    if (!hello.ok()) return hello.status();
    std::string refusal;
    if (hello->port_name != port_name_) {
      refusal = absl::StrCat("this is port '", port_name_, "', not '", hello->port_name, "'");
    } else if (hello->port_fingerprint != port_fingerprint<Req, Resp>()) {
      refusal = absl::StrFormat(
          "the client's request/reply types differ from port '%s' (%016x vs %016x): it was "
          "built against another version of the flow",
          port_name_, hello->port_fingerprint, port_fingerprint<Req, Resp>());
    }
    if (!refusal.empty()) {
      wire::append_refuse(refusal, immediate);
      return absl::FailedPreconditionError(refusal);
    }
    wire::append_accept(immediate);
    greeted_ = true;
    return absl::OkStatus();
  }

  std::string port_name_;
  wire::FrameReader reader_;
  bool greeted_ = false;
  std::string scratch_;
};

// The codec a port gets unless its flow names another: native when both types serialize,
// none otherwise (the port then works in process only).
template <class Req, class Resp>
CodecFactory<Req, Resp> default_codec(const std::string& port_name) {
  if constexpr (kIsSerializable<Req> && kIsSerializable<Resp>) {
    return [port_name] {
      return std::make_unique<NativeCodec<Req, Resp>>(port_name, wire::kDefaultMaxFrameBytes);
    };
  } else {
    return {};
  }
}

}  // namespace eddy

#endif  // EDDY_DATAFLOW_NET_NATIVE_CODEC_H_

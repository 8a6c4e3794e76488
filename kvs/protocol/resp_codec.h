// RespCodec: the wire codec of the Redis-protocol client port (see ops/external.h). Requests are
// RESP2 commands (multibulk or inline, split across reads or pipelined); replies are RESP bytes
// the store has already encoded.
//
// A connection's input ends at a QUIT or at a protocol error, as in Redis: the codec hands the
// flow that QUIT (or a request carrying the error) and ignores every byte after it, and the
// flow's reply to it, which comes after the replies to everything before it, closes the
// connection.
#ifndef EDDY_KVS_PROTOCOL_RESP_CODEC_H_
#define EDDY_KVS_PROTOCOL_RESP_CODEC_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "dataflow/ops/external.h"
#include "kvs/protocol/resp.h"

namespace eddy::kvs {

// A reply on its way to a Redis client: RESP bytes, and whether to close afterwards (QUIT).
struct RespOut {
  std::string bytes;
  bool close = false;
};

class RespCodec final : public WireCodec<RespRequest, RespOut> {
 public:
  // A client may not have more than this many bytes of unparsed requests buffered.
  static constexpr size_t kMaxQueryBufferBytes = size_t{256} << 20;

  explicit RespCodec(RespLimits limits = {}) : parser_(limits) {}

  absl::Status decode(const char* data, size_t n, std::vector<RespRequest>* requests,
                      std::string* /*immediate*/) override {
    if (input_ended_) return absl::OkStatus();
    parser_.feed(data, n);
    while (true) {
      absl::StatusOr<std::optional<RespRequest>> request = parser_.next();
      if (!request.ok()) {
        RespRequest last;
        last.protocol_error = std::string(request.status().message());
        requests->push_back(std::move(last));
        input_ended_ = true;
        return absl::OkStatus();
      }
      if (!request->has_value()) break;
      const bool quit = is_quit(**request);
      requests->push_back(std::move(**request));
      if (quit) {
        input_ended_ = true;
        return absl::OkStatus();
      }
    }
    if (parser_.buffered_bytes() > kMaxQueryBufferBytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "closed a client with more than ", kMaxQueryBufferBytes, " bytes of unread requests"));
    }
    return absl::OkStatus();
  }

  bool encode(std::vector<RespOut>& replies, std::string* out) override {
    bool close = false;
    for (RespOut& reply : replies) {
      if (out->empty()) {
        *out = std::move(reply.bytes);
      } else {
        out->append(reply.bytes);
      }
      close |= reply.close;
    }
    return close;
  }

 private:
  static bool is_quit(const RespRequest& request) {
    return !request.args.empty() && absl::EqualsIgnoreCase(request.args[0], "quit");
  }

  RespParser parser_;
  bool input_ended_ = false;  // after a QUIT or a protocol error
};

inline CodecFactory<RespRequest, RespOut> resp_codec(RespLimits limits = {}) {
  return [limits] { return std::make_unique<RespCodec>(limits); };
}

}  // namespace eddy::kvs

#endif  // EDDY_KVS_PROTOCOL_RESP_CODEC_H_

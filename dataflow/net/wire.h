// The wire format between eddy instances, and between clients and client ports.
//
// Every connection carries frames:
//
//   frame    := length:u32le body                 length = |body|, 1 <= length <= max_frame
//   body     := kind:u8 fields
//
// Peer connections (instance to instance) begin with a handshake, then carry data frames:
//
//   hello     (1) dialer -> acceptor: magic "EDDYPEER" version:u16 fingerprint:u64
//                 from:instance to:instance nonce:16B
//   challenge (2) acceptor -> dialer: fingerprint:u64 nonce:16B proof_len:u8 proof
//   proof     (3) dialer -> acceptor: proof_len:u8 proof
//   accept    (4) acceptor -> dialer: (no fields)
//   refuse    (5) either way: reason (UTF-8, to the end of the frame)
//   data      (6) channel:u32 from:instance payload (a serialized batch, see serde/codec.h)
//   instance  := location:u32 member:u32
//
// With a cluster secret, proofs are HMAC-SHA256(secret, role || other side's nonce || from || to)
// with role "eddy-acceptor" or "eddy-dialer"; without one, proofs are empty. Each side checks
// the other's, so neither can join without the secret, and a recorded proof cannot be replayed
// against a fresh nonce.
//
// Client connections (to an External port) begin with:
//
//   client_hello (7) client -> port: magic "EDDYCLNT" version:u16 port_fingerprint:u64 port_name
//
// answered by accept or refuse; then each data frame (6, channel and from ignored, 0) carries
// exactly one request or one reply.
//
// All integers are little-endian. Parsing never trusts lengths: every read is bounds-checked and
// a malformed frame is an error Status naming what was wrong.
#ifndef EDDY_DATAFLOW_NET_WIRE_H_
#define EDDY_DATAFLOW_NET_WIRE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "dataflow/core/ids.h"
#include "dataflow/net/byte_buffer.h"
#include "dataflow/net/transport.h"

namespace eddy::wire {

inline constexpr uint16_t kProtocolVersion = 1;
inline constexpr size_t kDefaultMaxFrameBytes = 8 << 20;
inline constexpr size_t kNonceBytes = 16;
using Nonce = std::array<uint8_t, kNonceBytes>;

enum class Kind : uint8_t {
  kHello = 1,
  kChallenge = 2,
  kProof = 3,
  kAccept = 4,
  kRefuse = 5,
  kData = 6,
  kClientHello = 7,
};

struct Hello {
  uint64_t fingerprint = 0;
  InstanceId from;
  InstanceId to;
  Nonce nonce{};
};

struct Challenge {
  uint64_t fingerprint = 0;
  Nonce nonce{};
  std::string proof;
};

struct ClientHello {
  uint64_t port_fingerprint = 0;
  std::string port_name;
};

struct DataHeader {
  uint32_t channel = 0;
  InstanceId from;
};
inline constexpr size_t kDataHeaderBytes = 1 + 4 + 4 + 4;

// Encoders append one whole frame (length prefix included) to `out`.
void append_hello(const Hello& hello, std::string* out);
void append_challenge(const Challenge& challenge, std::string* out);
void append_proof(absl::string_view proof, std::string* out);
void append_accept(std::string* out);
void append_refuse(absl::string_view reason, std::string* out);
void append_client_hello(const ClientHello& hello, std::string* out);
// A data frame around `payload`.
void append_data(const DataHeader& header, absl::string_view payload, std::string* out);
void append_data(const DataHeader& header, absl::string_view payload, ByteBuffer* out);

// Splits frames off the front of a byte stream.
//
// Frame bodies are views into the reader's buffer, valid until the next prepare()/append();
// share() turns part of one into a Payload that keeps its bytes alive, after which the reader
// reads into a fresh buffer instead of overwriting (no copy per message).
class FrameReader {
 public:
  explicit FrameReader(size_t max_frame_bytes = kDefaultMaxFrameBytes)
      : max_frame_bytes_(max_frame_bytes) {}

  // Where to read into: room for at least `n` more bytes; call commit(k) after k were written.
  char* prepare(size_t n);
  void commit(size_t n) { size_ += n; }
  void append(const char* data, size_t n);
  // The free room prepare() last guaranteed, and more if the buffer has it.
  size_t room() const { return capacity_ - size_; }

  // The next whole frame's body, std::nullopt when more bytes are needed, or an error for a
  // length of 0 or above the limit (the stream cannot be resynced: close the connection).
  absl::StatusOr<std::optional<absl::string_view>> next();
  // The same without building a Status per frame (the hot loop): true and `body` set for a
  // frame; false with `error` empty when more bytes are needed, or set to why the stream is bad.
  bool next_frame(absl::string_view* body, std::string* error);

  // A Payload of `bytes`, which must lie inside a frame body next() returned since the last
  // prepare()/append().
  Payload share(absl::string_view bytes);

  size_t buffered() const { return size_ - start_; }

 private:
  size_t max_frame_bytes_;
  std::shared_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  size_t start_ = 0;
  size_t size_ = 0;
  bool shared_ = false;  // some Payload points into buffer_
};

// Decoders take a frame body, kind byte included, and check its kind and length.
absl::StatusOr<Kind> kind_of(absl::string_view body);
absl::StatusOr<Hello> parse_hello(absl::string_view body);
absl::StatusOr<Challenge> parse_challenge(absl::string_view body);
absl::StatusOr<std::string> parse_proof(absl::string_view body);
absl::StatusOr<std::string> parse_refuse(absl::string_view body);
absl::StatusOr<ClientHello> parse_client_hello(absl::string_view body);
// The header of a data frame, and its payload (a view into `body`).
absl::StatusOr<std::pair<DataHeader, absl::string_view>> parse_data(absl::string_view body);

}  // namespace eddy::wire

#endif  // EDDY_DATAFLOW_NET_WIRE_H_

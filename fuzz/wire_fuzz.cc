// wire_fuzz: the bytes one eddy instance accepts from another or from a client, on arbitrary input:
// the frame format and handshakes of dataflow/net/wire.h, the native port codec
// (dataflow/net/native_codec.h) and the batch codec (dataflow/serde/codec.h).
//
// For every input:
// - each frame decoder (kind_of, parse_hello, parse_challenge, parse_proof, parse_refuse,
//   parse_client_hello, parse_data), given the input as a frame body, returns a value or a
//   Status; a decoder accepts only its own kind, and what it accepts encodes back to that frame;
// - FrameReader cuts the same frames, with the same error, whether the input arrives whole or in
//   two pieces (where the first byte says), through next() or next_frame(), append() or
//   prepare()/commit(); a Payload it share()s keeps its bytes while the reader reads on; every
//   frame goes through the decoders above;
// - NativeCodec hands over the same requests, answers and error whole or in two pieces;
// - decode_batch and decode_value of several element types (strings, pairs, optionals, vectors,
//   the KVS's MemberOp and MemberReply) return a Status, leave their output as it was on error,
//   and what they accept encodes back to the same bytes.
// Nothing may crash, trip a sanitizer or throw; a broken property traps (fuzz_check.h).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "dataflow/net/native_codec.h"
#include "dataflow/net/wire.h"
#include "dataflow/serde/codec.h"
#include "fuzz/fuzz_check.h"
#include "kvs/core/types.h"

namespace eddy::fuzz {
namespace {

using Pieces = std::vector<absl::string_view>;

// `body` with its length prefix: the frame an encoder would have written.
std::string framed(absl::string_view body) {
  const uint32_t length = static_cast<uint32_t>(body.size());
  std::string out(reinterpret_cast<const char*>(&length), sizeof length);
  out.append(body.data(), body.size());
  return out;
}

// Checks that the decoder for `kind` accepted `body` rightly: the body is of that kind, and
// `reencoded` (the accepted value, encoded again) is the frame it came in.
void check_accepted(absl::string_view body, wire::Kind kind, const std::string& reencoded) {
  absl::StatusOr<wire::Kind> actual = wire::kind_of(body);
  EDDY_FUZZ_CHECK(actual.ok() && *actual == kind, "a decoder accepts only frames of its kind");
  EDDY_FUZZ_CHECK(reencoded == framed(body), "an accepted frame encodes back to itself");
}

void check_frame(absl::string_view body) {
  std::string out;
  if (absl::StatusOr<wire::Hello> hello = wire::parse_hello(body); hello.ok()) {
    wire::append_hello(*hello, &out);
    check_accepted(body, wire::Kind::kHello, out);
  }
  out.clear();
  if (absl::StatusOr<wire::Challenge> challenge = wire::parse_challenge(body); challenge.ok()) {
    wire::append_challenge(*challenge, &out);
    check_accepted(body, wire::Kind::kChallenge, out);
  }
  out.clear();
  if (absl::StatusOr<std::string> proof = wire::parse_proof(body); proof.ok()) {
    wire::append_proof(*proof, &out);
    check_accepted(body, wire::Kind::kProof, out);
  }
  out.clear();
  if (absl::StatusOr<std::string> reason = wire::parse_refuse(body); reason.ok()) {
    wire::append_refuse(*reason, &out);
    // The encoder keeps the first 1024 bytes of a reason.
    if (reason->size() <= 1024) check_accepted(body, wire::Kind::kRefuse, out);
  }
  out.clear();
  if (absl::StatusOr<wire::ClientHello> hello = wire::parse_client_hello(body); hello.ok()) {
    wire::append_client_hello(*hello, &out);
    check_accepted(body, wire::Kind::kClientHello, out);
  }
  out.clear();
  if (auto data = wire::parse_data(body); data.ok()) {
    wire::append_data(data->first, data->second, &out);
    check_accepted(body, wire::Kind::kData, out);
    ByteBuffer buffer;
    wire::append_data(data->first, data->second, &buffer);
    EDDY_FUZZ_CHECK(absl::string_view(buffer.data(), buffer.size()) == out,
                    "append_data writes the same bytes to a string and a ByteBuffer");
  }
  out.clear();
  if (absl::StatusOr<wire::Kind> kind = wire::kind_of(body);
      kind.ok() && *kind == wire::Kind::kAccept && body.size() == 1) {
    wire::append_accept(&out);
    check_accepted(body, wire::Kind::kAccept, out);
  }
}

// How the reader is driven: next() or next_frame(); append() or prepare()/commit().
struct ReadMode {
  bool next_frame = false;
  bool prepare = false;
};

// Everything a FrameReader cut from some input: its frames, then its error if it failed.
struct FrameOutcome {
  std::vector<std::string> frames;
  std::optional<std::string> error;
  size_t buffered = 0;  // compared only without an error: reading stops at one

  bool operator==(const FrameOutcome& other) const {
    return frames == other.frames && error == other.error &&
           (error.has_value() || buffered == other.buffered);
  }
};

// Reads the frames ready in `reader` into `outcome`, sharing each body as a Payload.
void drain(wire::FrameReader& reader, ReadMode mode, FrameOutcome& outcome,
           std::vector<Payload>& shared) {
  while (!outcome.error.has_value()) {
    absl::string_view body;
    if (mode.next_frame) {
      std::string error;
      if (!reader.next_frame(&body, &error)) {
        if (!error.empty()) outcome.error = error;
        break;
      }
    } else {
      absl::StatusOr<std::optional<absl::string_view>> frame = reader.next();
      if (!frame.ok()) {
        outcome.error = std::string(frame.status().message());
        break;
      }
      if (!frame->has_value()) break;
      body = **frame;
    }
    outcome.frames.emplace_back(body);
    shared.push_back(reader.share(body));
  }
}

FrameOutcome read_frames(const Pieces& pieces, size_t max_frame_bytes, ReadMode mode) {
  wire::FrameReader reader(max_frame_bytes);
  FrameOutcome outcome;
  std::vector<Payload> shared;
  for (absl::string_view piece : pieces) {
    if (outcome.error.has_value()) break;
    if (mode.prepare) {
      std::memcpy(reader.prepare(piece.size()), piece.data(), piece.size());
      reader.commit(piece.size());
    } else {
      reader.append(piece.data(), piece.size());
    }
    drain(reader, mode, outcome, shared);
  }
  outcome.buffered = reader.buffered();
  for (size_t i = 0; i < shared.size(); ++i) {
    EDDY_FUZZ_CHECK(shared[i].view() == outcome.frames[i],
                    "a shared Payload keeps its bytes while the reader reads on");
  }
  return outcome;
}

void check_frames(absl::string_view whole, const Pieces& split) {
  for (size_t max_frame_bytes : {wire::kDefaultMaxFrameBytes, size_t{64}}) {
    const FrameOutcome expected = read_frames({whole}, max_frame_bytes, {});
    for (ReadMode mode : {ReadMode{false, false}, ReadMode{false, true}, ReadMode{true, false},
                          ReadMode{true, true}}) {
      EDDY_FUZZ_CHECK(read_frames(split, max_frame_bytes, mode) == expected,
                      "FrameReader cuts the same frames however the input arrives and is read");
    }
    for (const std::string& body : expected.frames) check_frame(body);
  }
}

// What a native port codec made of a connection's bytes.
struct CodecOutcome {
  std::vector<std::string> requests;
  std::string immediate;
  std::string status;

  bool operator==(const CodecOutcome&) const = default;
};

CodecOutcome decode_native(const Pieces& pieces) {
  NativeCodec<std::string, std::string> codec("port", 1024);
  CodecOutcome outcome;
  for (absl::string_view piece : pieces) {
    absl::Status status =
        codec.decode(piece.data(), piece.size(), &outcome.requests, &outcome.immediate);
    outcome.status = status.ToString();
    if (!status.ok()) break;  // the port closes the connection
  }
  return outcome;
}

// decode_batch<T> and decode_value<T> on `bytes`: a Status, `out` untouched on error, and an
// accepted batch or value encodes back to `bytes`.
template <class T>
void check_decode(absl::string_view bytes) {
  const std::string_view view(bytes.data(), bytes.size());
  std::vector<T> batch(1);
  if (decode_batch(view, &batch).ok()) {
    EDDY_FUZZ_CHECK(!batch.empty(), "decode_batch appends to its output");
    const std::vector<T> decoded(batch.begin() + 1, batch.end());
    EDDY_FUZZ_CHECK(encode_batch(decoded) == view, "an accepted batch encodes back to itself");
  } else {
    EDDY_FUZZ_CHECK(batch.size() == 1, "decode_batch leaves its output as it was on error");
  }
  T value{};
  if (decode_value(view, &value).ok()) {
    std::string encoded;
    encode_value(value, &encoded);
    EDDY_FUZZ_CHECK(encoded == view, "an accepted value encodes back to itself");
  }
}

void check_serde(absl::string_view bytes) {
  check_decode<std::string>(bytes);
  check_decode<std::pair<int, std::string>>(bytes);
  check_decode<std::vector<int64_t>>(bytes);
  check_decode<std::optional<std::string>>(bytes);
  check_decode<kvs::MemberOp>(bytes);
  check_decode<kvs::MemberReply>(bytes);
}

}  // namespace
}  // namespace eddy::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view whole(reinterpret_cast<const char*>(data), size);
  const size_t split = eddy::fuzz::split_point(data, size);
  const eddy::fuzz::Pieces pieces = {whole.substr(0, split), whole.substr(split)};
  eddy::fuzz::check_frame(whole);
  eddy::fuzz::check_frames(whole, pieces);
  EDDY_FUZZ_CHECK(eddy::fuzz::decode_native({whole}) == eddy::fuzz::decode_native(pieces),
                  "NativeCodec decodes the same requests however the input arrives");
  eddy::fuzz::check_serde(whole);
  return 0;
}

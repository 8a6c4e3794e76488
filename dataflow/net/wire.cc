#include "dataflow/net/wire.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace eddy::wire {
namespace {

constexpr absl::string_view kPeerMagic = "EDDYPEER";
constexpr absl::string_view kClientMagic = "EDDYCLNT";
constexpr uint8_t kMaxProofBytes = 64;

template <class T>
void put(std::string* out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));  // the machines eddy runs on are little-endian
  out->append(bytes, sizeof(T));
}

void put_instance(std::string* out, InstanceId id) {
  put<uint32_t>(out, id.location);
  put<uint32_t>(out, id.member.raw);
}

// Reserves the length prefix; finish_frame() fills it in.
size_t start_frame(std::string* out, Kind kind) {
  const size_t at = out->size();
  put<uint32_t>(out, 0);
  out->push_back(static_cast<char>(kind));
  return at;
}

void finish_frame(std::string* out, size_t at) {
  const uint32_t length = static_cast<uint32_t>(out->size() - at - sizeof(uint32_t));
  std::memcpy(out->data() + at, &length, sizeof length);
}

// Bounds-checked reading of a frame body.
class Cursor {
 public:
  Cursor(absl::string_view body, const char* what) : rest_(body), what_(what) {}

  template <class T>
  absl::Status get(T* value) {
    if (rest_.size() < sizeof(T)) return truncated();
    std::memcpy(value, rest_.data(), sizeof(T));
    rest_.remove_prefix(sizeof(T));
    return absl::OkStatus();
  }
  absl::Status get_instance(InstanceId* id) {
    if (absl::Status s = get(&id->location); !s.ok()) return s;
    return get(&id->member.raw);
  }
  absl::Status get_bytes(size_t n, absl::string_view* bytes) {
    if (rest_.size() < n) return truncated();
    *bytes = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return absl::OkStatus();
  }
  absl::Status get_nonce(Nonce* nonce) {
    absl::string_view bytes;
    if (absl::Status s = get_bytes(kNonceBytes, &bytes); !s.ok()) return s;
    std::memcpy(nonce->data(), bytes.data(), kNonceBytes);
    return absl::OkStatus();
  }
  absl::Status get_proof(std::string* proof) {
    uint8_t n = 0;
    if (absl::Status s = get(&n); !s.ok()) return s;
    if (n > kMaxProofBytes) {
      return absl::InvalidArgumentError(absl::StrCat(what_, " carries a ", n, "-byte proof"));
    }
    absl::string_view bytes;
    if (absl::Status s = get_bytes(n, &bytes); !s.ok()) return s;
    proof->assign(bytes.data(), bytes.size());
    return absl::OkStatus();
  }
  absl::string_view rest() const { return rest_; }
  absl::Status expect_end() const {
    if (rest_.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat(what_, " has ", rest_.size(), " unexpected trailing bytes"));
  }

 private:
  absl::Status truncated() const {
    return absl::InvalidArgumentError(absl::StrCat(what_, " is truncated"));
  }
  absl::string_view rest_;
  const char* what_;
};

absl::Status expect_kind(absl::string_view body, Kind kind, const char* what) {
  absl::StatusOr<Kind> actual = kind_of(body);
  if (!actual.ok()) return actual.status();
  if (*actual != kind) {
    return absl::InvalidArgumentError(absl::StrCat("expected a ", what, " frame, got kind ",
                                                   static_cast<int>(*actual)));
  }
  return absl::OkStatus();
}

absl::Status check_magic(Cursor& c, absl::string_view magic, const char* what) {
  absl::string_view got;
  if (absl::Status s = c.get_bytes(magic.size(), &got); !s.ok()) return s;
  if (got != magic) {
    return absl::InvalidArgumentError(absl::StrCat(what, " does not start with ", magic,
                                                   ": not an eddy ", what == std::string("hello")
                                                                         ? "peer" : "client"));
  }
  uint16_t version = 0;
  if (absl::Status s = c.get(&version); !s.ok()) return s;
  if (version != kProtocolVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "peer speaks protocol version ", version, ", this build speaks ", kProtocolVersion));
  }
  return absl::OkStatus();
}

}  // namespace

void append_hello(const Hello& hello, std::string* out) {
  const size_t at = start_frame(out, Kind::kHello);
  out->append(kPeerMagic.data(), kPeerMagic.size());
  put<uint16_t>(out, kProtocolVersion);
  put<uint64_t>(out, hello.fingerprint);
  put_instance(out, hello.from);
  put_instance(out, hello.to);
  out->append(reinterpret_cast<const char*>(hello.nonce.data()), kNonceBytes);
  finish_frame(out, at);
}

void append_challenge(const Challenge& challenge, std::string* out) {
  const size_t at = start_frame(out, Kind::kChallenge);
  put<uint64_t>(out, challenge.fingerprint);
  out->append(reinterpret_cast<const char*>(challenge.nonce.data()), kNonceBytes);
  put<uint8_t>(out, static_cast<uint8_t>(challenge.proof.size()));
  out->append(challenge.proof);
  finish_frame(out, at);
}

void append_proof(absl::string_view proof, std::string* out) {
  const size_t at = start_frame(out, Kind::kProof);
  put<uint8_t>(out, static_cast<uint8_t>(proof.size()));
  out->append(proof.data(), proof.size());
  finish_frame(out, at);
}

void append_accept(std::string* out) { finish_frame(out, start_frame(out, Kind::kAccept)); }

void append_refuse(absl::string_view reason, std::string* out) {
  const size_t at = start_frame(out, Kind::kRefuse);
  out->append(reason.data(), std::min<size_t>(reason.size(), 1024));
  finish_frame(out, at);
}

void append_client_hello(const ClientHello& hello, std::string* out) {
  const size_t at = start_frame(out, Kind::kClientHello);
  out->append(kClientMagic.data(), kClientMagic.size());
  put<uint16_t>(out, kProtocolVersion);
  put<uint64_t>(out, hello.port_fingerprint);
  out->append(hello.port_name);
  finish_frame(out, at);
}

// Writes a whole data frame at `at`, which has room for 4 + kDataHeaderBytes + |payload|.
static void write_data(const DataHeader& header, absl::string_view payload, char* at) {
  const uint32_t length = static_cast<uint32_t>(kDataHeaderBytes + payload.size());
  const uint32_t fields[3] = {header.channel, header.from.location, header.from.member.raw};
  std::memcpy(at, &length, 4);
  at[4] = static_cast<char>(Kind::kData);
  std::memcpy(at + 5, fields, sizeof fields);
  std::memcpy(at + 4 + kDataHeaderBytes, payload.data(), payload.size());
}

void append_data(const DataHeader& header, absl::string_view payload, std::string* out) {
  const size_t at = out->size();
  out->resize(at + 4 + kDataHeaderBytes + payload.size());
  write_data(header, payload, out->data() + at);
}

void append_data(const DataHeader& header, absl::string_view payload, ByteBuffer* out) {
  const size_t n = 4 + kDataHeaderBytes + payload.size();
  write_data(header, payload, out->prepare(n));
  out->commit(n);
}

char* FrameReader::prepare(size_t n) {
  constexpr size_t kMinimumBuffer = 256 << 10;
  const size_t unread = size_ - start_;
  const bool fits = capacity_ - size_ >= n;
  if (shared_ || buffer_ == nullptr || (!fits && unread + n > capacity_)) {
    // A fresh buffer: payloads still point into the old one, there is none yet (even for n = 0:
    // never hand memmove or a caller's memcpy a null pointer), or it is too small.
    const size_t capacity = std::max({kMinimumBuffer, unread + n, capacity_});
    std::shared_ptr<char[]> fresh(new char[capacity]);
    if (unread > 0) std::memcpy(fresh.get(), buffer_.get() + start_, unread);
    buffer_ = std::move(fresh);
    capacity_ = capacity;
    start_ = 0;
    size_ = unread;
    shared_ = false;
  } else if (!fits || start_ == size_) {
    // Slide the unread bytes to the front.
    std::memmove(buffer_.get(), buffer_.get() + start_, unread);
    start_ = 0;
    size_ = unread;
  }
  return buffer_.get() + size_;
}

void FrameReader::append(const char* data, size_t n) {
  std::memcpy(prepare(n), data, n);
  commit(n);
}

Payload FrameReader::share(absl::string_view bytes) {
  if (!Payload::fits_inline(bytes.size())) shared_ = true;
  return Payload(buffer_, bytes.data(), bytes.size());
}

bool FrameReader::next_frame(absl::string_view* body, std::string* error) {
  if (size_ - start_ < sizeof(uint32_t)) return false;
  uint32_t length = 0;
  std::memcpy(&length, buffer_.get() + start_, sizeof length);
  if (length == 0 || length > max_frame_bytes_) [[unlikely]] {
    *error = std::string(next().status().message());
    return false;
  }
  if (size_ - start_ < sizeof(uint32_t) + length) return false;
  *body = absl::string_view(buffer_.get() + start_ + sizeof(uint32_t), length);
  start_ += sizeof(uint32_t) + length;
  return true;
}

absl::StatusOr<std::optional<absl::string_view>> FrameReader::next() {
  if (size_ - start_ < sizeof(uint32_t)) return std::nullopt;
  uint32_t length = 0;
  std::memcpy(&length, buffer_.get() + start_, sizeof length);
  if (length == 0) return absl::InvalidArgumentError("empty frame (length 0)");
  if (length > max_frame_bytes_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "frame of ", length, " bytes exceeds the limit of ", max_frame_bytes_, " bytes"));
  }
  if (size_ - start_ < sizeof(uint32_t) + length) return std::nullopt;
  absl::string_view body(buffer_.get() + start_ + sizeof(uint32_t), length);
  start_ += sizeof(uint32_t) + length;
  return body;
}

absl::StatusOr<Kind> kind_of(absl::string_view body) {
  if (body.empty()) return absl::InvalidArgumentError("frame has no kind byte");
  const uint8_t kind = static_cast<uint8_t>(body[0]);
  if (kind < static_cast<uint8_t>(Kind::kHello) || kind > static_cast<uint8_t>(Kind::kClientHello)) {
    return absl::InvalidArgumentError(absl::StrCat("unknown frame kind ", kind));
  }
  return static_cast<Kind>(kind);
}

absl::StatusOr<Hello> parse_hello(absl::string_view body) {
  if (absl::Status s = expect_kind(body, Kind::kHello, "hello"); !s.ok()) return s;
  Cursor c(body.substr(1), "hello");
  Hello hello;
  if (absl::Status s = check_magic(c, kPeerMagic, "hello"); !s.ok()) return s;
  if (absl::Status s = c.get(&hello.fingerprint); !s.ok()) return s;
  if (absl::Status s = c.get_instance(&hello.from); !s.ok()) return s;
  if (absl::Status s = c.get_instance(&hello.to); !s.ok()) return s;
  if (absl::Status s = c.get_nonce(&hello.nonce); !s.ok()) return s;
  if (absl::Status s = c.expect_end(); !s.ok()) return s;
  return hello;
}

absl::StatusOr<Challenge> parse_challenge(absl::string_view body) {
  if (absl::Status s = expect_kind(body, Kind::kChallenge, "challenge"); !s.ok()) return s;
  Cursor c(body.substr(1), "challenge");
  Challenge challenge;
  if (absl::Status s = c.get(&challenge.fingerprint); !s.ok()) return s;
  if (absl::Status s = c.get_nonce(&challenge.nonce); !s.ok()) return s;
  if (absl::Status s = c.get_proof(&challenge.proof); !s.ok()) return s;
  if (absl::Status s = c.expect_end(); !s.ok()) return s;
  return challenge;
}

absl::StatusOr<std::string> parse_proof(absl::string_view body) {
  if (absl::Status s = expect_kind(body, Kind::kProof, "proof"); !s.ok()) return s;
  Cursor c(body.substr(1), "proof");
  std::string proof;
  if (absl::Status s = c.get_proof(&proof); !s.ok()) return s;
  if (absl::Status s = c.expect_end(); !s.ok()) return s;
  return proof;
}

absl::StatusOr<std::string> parse_refuse(absl::string_view body) {
  if (absl::Status s = expect_kind(body, Kind::kRefuse, "refuse"); !s.ok()) return s;
  return std::string(body.substr(1));
}

absl::StatusOr<ClientHello> parse_client_hello(absl::string_view body) {
  if (absl::Status s = expect_kind(body, Kind::kClientHello, "client hello"); !s.ok()) return s;
  Cursor c(body.substr(1), "client hello");
  ClientHello hello;
  if (absl::Status s = check_magic(c, kClientMagic, "client hello"); !s.ok()) return s;
  if (absl::Status s = c.get(&hello.port_fingerprint); !s.ok()) return s;
  hello.port_name = std::string(c.rest());
  return hello;
}

absl::StatusOr<std::pair<DataHeader, absl::string_view>> parse_data(absl::string_view body) {
  if (absl::Status s = expect_kind(body, Kind::kData, "data"); !s.ok()) return s;
  Cursor c(body.substr(1), "data frame header");
  DataHeader header;
  if (absl::Status s = c.get(&header.channel); !s.ok()) return s;
  if (absl::Status s = c.get_instance(&header.from); !s.ok()) return s;
  return std::pair(header, c.rest());
}

}  // namespace eddy::wire

// Transport: how location instances exchange messages (a determinism seam).
//
// The engine hands a Transport every message one tick produces, already serialized, addressed
// to one instance; the transport delivers messages for this instance to its Receiver. Three
// transports implement the same contract: in-memory (tests, the in-process runner), TCP (real
// deployments) and simulated (seeded faults).
//
// The channel contract is fail-stop FIFO: messages from one instance to another on one channel
// arrive in the order sent, each at most once; when a connection dies, messages in flight may
// be lost, and nothing after a lost message is delivered out of order. Protocols above repair
// loss (anti-entropy).
#ifndef EDDY_DATAFLOW_NET_TRANSPORT_H_
#define EDDY_DATAFLOW_NET_TRANSPORT_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "dataflow/core/ids.h"

namespace eddy {

// Channels are numbered by the flow (the id of the sending operator), so every process built
// from the same program agrees on them.
using ChannelId = uint32_t;

// Immutable bytes: a serialized batch, or a slice of one network read. Up to kInlineBytes are
// held inline (no allocation, no reference count: small messages are cheap to make, copy and
// drop); larger payloads are shared by every copy (a broadcast serializes once, a network read
// is not copied per message).
class Payload {
 public:
  static constexpr size_t kInlineBytes = 64;

  Payload() noexcept {}  // user-provided: value-initialization does not zero the inline bytes
  // Copies and moves copy only the inline bytes in use.
  Payload(const Payload& other) : owner_(other.owner_), data_(other.data_), size_(other.size_) {
    if (!owner_) std::memcpy(inline_, other.inline_, size_);
  }
  // A moved-from payload is empty (its shared bytes went with the move, so it must not keep
  // claiming their size).
  Payload(Payload&& other) noexcept
      : owner_(std::move(other.owner_)), data_(other.data_), size_(other.size_) {
    if (!owner_) std::memcpy(inline_, other.inline_, size_);
    other.data_ = nullptr;
    other.size_ = 0;
  }
  Payload& operator=(const Payload& other) {
    if (this != &other) *this = Payload(other);
    return *this;
  }
  Payload& operator=(Payload&& other) noexcept {
    if (this == &other) return *this;
    owner_ = std::move(other.owner_);
    data_ = other.data_;
    size_ = other.size_;
    if (!owner_) std::memcpy(inline_, other.inline_, size_);
    other.data_ = nullptr;
    other.size_ = 0;
    return *this;
  }
  explicit Payload(std::string bytes) {
    if (bytes.size() <= kInlineBytes) {
      hold_inline(bytes.data(), bytes.size());
      return;
    }
    auto owned = std::make_shared<const std::string>(std::move(bytes));
    data_ = owned->data();
    size_ = owned->size();
    owner_ = std::move(owned);
  }
  // The bytes [data, data + size), kept alive by `owner` (or copied, when small).
  template <class Owner>
  Payload(const std::shared_ptr<Owner>& owner, const char* data, size_t size) {
    if (size <= kInlineBytes) {
      hold_inline(data, size);  // no reference taken: small payloads never touch the owner
      return;
    }
    owner_ = owner;
    data_ = data;
    size_ = size;
  }
  // True when `size` bytes would be held inline rather than shared.
  static bool fits_inline(size_t size) { return size <= kInlineBytes; }

  const char* data() const { return owner_ ? data_ : inline_; }
  size_t size() const { return size_; }
  std::string_view view() const { return std::string_view(data(), size_); }

 private:
  void hold_inline(const char* data, size_t size) {
    std::memcpy(inline_, data, size);
    size_ = size;
  }

  std::shared_ptr<const void> owner_;  // empty: the bytes are in inline_
  const char* data_ = nullptr;
  size_t size_ = 0;
  char inline_[kInlineBytes];  // the first size_ bytes are the payload when owner_ is empty
};

struct Envelope {
  InstanceId from;
  InstanceId to;
  ChannelId channel = 0;
  Payload payload;
};

// Where a transport delivers incoming messages. Thread safe: called from transport threads.
class Receiver {
 public:
  virtual ~Receiver() = default;
  virtual void deliver(Envelope envelope) = 0;
  // Delivers several messages at once (everything one read from the network produced),
  // taking them; `envelopes` is left empty.
  virtual void deliver_batch(std::vector<Envelope>& envelopes) {
    for (Envelope& e : envelopes) deliver(std::move(e));
    envelopes.clear();
  }
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Starts delivering messages addressed to this instance to `receiver`, which must outlive
  // the transport or a call to stop().
  virtual void start(Receiver* receiver) = 0;
  // Hands over one tick's messages (taking their payloads). Never blocks waiting for a peer;
  // a message to an unreachable peer is dropped (see the channel contract above).
  virtual void send(std::vector<Envelope>& messages) = 0;
  // Stops delivering; after it returns the receiver is not called again.
  virtual void stop() = 0;
  // Reports that a message `from` could not be used (its payload does not decode): a transport
  // with connections closes the one it came on. Thread safe.
  virtual void reject(InstanceId from, const absl::Status& why) {
    (void)from;
    (void)why;
  }
};

}  // namespace eddy

#endif  // EDDY_DATAFLOW_NET_TRANSPORT_H_

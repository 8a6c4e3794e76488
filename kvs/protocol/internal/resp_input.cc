#include "kvs/protocol/internal/resp_input.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace eddy::kvs::internal {
namespace {

// The consumed prefix is dropped only past this size, so small pipelines never move bytes.
constexpr size_t kCompactThreshold = 4096;
// An empty buffer keeps at most this much capacity; a huge request's memory is given back.
constexpr size_t kMaxIdleCapacity = 1 << 20;

}  // namespace

void RespInput::append(const char* data, size_t n) {
  if (pos_ == buf_.size()) {
    if (buf_.capacity() > kMaxIdleCapacity) {
      std::string().swap(buf_);
    } else {
      buf_.clear();
    }
    pos_ = 0;
  } else if (pos_ >= kCompactThreshold && pos_ >= buf_.size() / 2) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(data, n);
}

void RespInput::consume(size_t n) {
  if (n > size()) [[unlikely]] {
    std::fprintf(stderr, "RespInput: consume(%zu) past the %zu buffered bytes\n", n, size());
    std::abort();
  }
  pos_ += n;
  scanned_ = 0;
}

size_t RespInput::find(char c) {
  if (c != scanned_for_) {
    scanned_for_ = c;
    scanned_ = 0;
  }
  const char* begin = data();
  const void* hit = std::memchr(begin + scanned_, c, size() - scanned_);
  if (hit == nullptr) {
    scanned_ = size();
    return kNotFound;
  }
  scanned_ = static_cast<const char*>(hit) - begin;
  return scanned_;
}

bool parse_resp_integer(const char* data, size_t n, int64_t* value) {
  if (n == 0 || n > 20) return false;
  if (n == 1 && data[0] == '0') {
    *value = 0;
    return true;
  }
  const bool negative = data[0] == '-';
  size_t i = negative ? 1 : 0;
  if (i == n || data[i] < '1' || data[i] > '9') return false;
  uint64_t v = 0;
  for (; i < n; ++i) {
    if (data[i] < '0' || data[i] > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(data[i] - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - digit) / 10) return false;
    v = v * 10 + digit;
  }
  constexpr uint64_t kMaxPositive = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (negative) {
    if (v > kMaxPositive + 1) return false;
    *value = static_cast<int64_t>(0 - v);  // two's complement; exact for v == 2^63 too
  } else {
    if (v > kMaxPositive) return false;
    *value = static_cast<int64_t>(v);
  }
  return true;
}

}  // namespace eddy::kvs::internal

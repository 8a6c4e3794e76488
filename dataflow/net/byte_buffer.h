// ByteBuffer: a growable byte array for outgoing frames, cheaper than std::string on the hot
// path: appends are a capacity check and a memcpy, growth does not zero memory, and consumed
// bytes can be dropped from the front. Not thread safe.
#ifndef EDDY_DATAFLOW_NET_BYTE_BUFFER_H_
#define EDDY_DATAFLOW_NET_BYTE_BUFFER_H_

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <utility>

namespace eddy {

class ByteBuffer {
 public:
  const char* data() const { return bytes_.get() + start_; }
  size_t size() const { return end_ - start_; }
  bool empty() const { return end_ == start_; }

  // Room for `n` more bytes at the end; write them, then commit(n).
  char* prepare(size_t n) {
    if (capacity_ - end_ < n) grow(n);
    return bytes_.get() + end_;
  }
  void commit(size_t n) { end_ += n; }
  void append(const void* data, size_t n) {
    std::memcpy(prepare(n), data, n);
    end_ += n;
  }
  // Drops the first `n` bytes.
  void consume(size_t n) {
    start_ += std::min(n, size());
    if (start_ == end_) start_ = end_ = 0;
  }
  void clear() { start_ = end_ = 0; }
  void swap(ByteBuffer& other) noexcept {
    std::swap(bytes_, other.bytes_);
    std::swap(capacity_, other.capacity_);
    std::swap(start_, other.start_);
    std::swap(end_, other.end_);
  }

 private:
  void grow(size_t n) {
    const size_t live = size();
    if (start_ > 0 && capacity_ - live >= n && live <= capacity_ / 2) {
      std::memmove(bytes_.get(), bytes_.get() + start_, live);  // reuse the consumed front
    } else {
      const size_t capacity = std::max({capacity_ * 2, live + n, size_t{4096}});
      std::unique_ptr<char[]> fresh(new char[capacity]);
      if (live > 0) std::memcpy(fresh.get(), bytes_.get() + start_, live);
      bytes_ = std::move(fresh);
      capacity_ = capacity;
    }
    start_ = 0;
    end_ = live;
  }

  std::unique_ptr<char[]> bytes_;
  size_t capacity_ = 0;
  size_t start_ = 0;
  size_t end_ = 0;
};

}  // namespace eddy

#endif  // EDDY_DATAFLOW_NET_BYTE_BUFFER_H_

// RespInput: the byte buffer behind the RESP parsers, and the integer syntax they share.
//
// Bytes are appended at the back and consumed from the front by advancing an offset; the
// consumed prefix is dropped only when it is at least half of the buffer, so each byte is moved
// O(1) times amortized. A delimiter search remembers how far it got, so a parser that keeps
// asking for a line that has not arrived yet costs O(new bytes), not O(line) per call.
// Not thread safe; owned by one parser. Private to kvs/protocol.
#ifndef EDDY_KVS_PROTOCOL_INTERNAL_RESP_INPUT_H_
#define EDDY_KVS_PROTOCOL_INTERNAL_RESP_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace eddy::kvs::internal {

class RespInput {
 public:
  static constexpr size_t kNotFound = static_cast<size_t>(-1);

  // Appends a copy of data[0, n).
  void append(const char* data, size_t n);

  // The unconsumed bytes: data()[0, size()). Valid until the next append().
  const char* data() const { return buf_.data() + pos_; }
  size_t size() const { return buf_.size() - pos_; }

  // Drops the first n unconsumed bytes. REQUIRES: n <= size().
  void consume(size_t n);

  // Returns the index (into data()) of the first occurrence of c, or kNotFound.
  size_t find(char c);

 private:
  std::string buf_;
  size_t pos_ = 0;        // start of the unconsumed bytes in buf_
  size_t scanned_ = 0;    // bytes from pos_ known not to contain scanned_for_
  char scanned_for_ = 0;  // the byte the last find() looked for
};

// Parses data[0, n) as a decimal int64 exactly as Redis's string2ll does: an optional '-', then
// either "0" or a nonzero digit followed by digits; no '+', no leading zeros, no "-0", no
// spaces, at most 20 characters, no overflow. Returns false, leaving *value unchanged, otherwise.
bool parse_resp_integer(const char* data, size_t n, int64_t* value);

}  // namespace eddy::kvs::internal

#endif  // EDDY_KVS_PROTOCOL_INTERNAL_RESP_INPUT_H_

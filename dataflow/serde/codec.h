// Batch codec: how one tick's elements for one channel become bytes and back (Cereal binary).
//
// Grammar of a payload:  payload := cereal_binary(std::vector<T>)
// i.e. a little-endian uint64 element count followed by each element in Cereal's binary form.
// Decoding never throws and never trusts the bytes: a payload that is truncated, has trailing
// garbage, or claims more elements than it has bytes for is refused with a Status.
#ifndef EDDY_DATAFLOW_SERDE_CODEC_H_
#define EDDY_DATAFLOW_SERDE_CODEC_H_

#include <cstdint>
#include <cstring>
#include <exception>
#include <istream>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "cereal/archives/binary.hpp"
#include "cereal/types/map.hpp"
#include "cereal/types/optional.hpp"
#include "cereal/types/set.hpp"
#include "cereal/types/string.hpp"
#include "cereal/types/tuple.hpp"
#include "cereal/types/utility.hpp"
#include "cereal/types/variant.hpp"
#include "cereal/types/vector.hpp"
#include "dataflow/core/internal/type_name.h"

namespace eddy {

// True when Cereal can write and read T with its binary archives.
template <class T>
inline constexpr bool kIsSerializable =
    cereal::traits::is_output_serializable<T, cereal::BinaryOutputArchive>::value &&
    cereal::traits::is_input_serializable<T, cereal::BinaryInputArchive>::value;

namespace internal {

// Instantiated for every element type that crosses the network, so an unserializable type is
// a compile error whose instantiation names the type.
template <class T>
struct RequireSerializable {
  static_assert(kIsSerializable<T>,
                "this element type crosses the network but Cereal cannot serialize it: give it "
                "a serialize(Archive&) member or free function (the instantiation of "
                "RequireSerializable<T> above names the type)");
  static constexpr bool value = true;
};

// A streambuf that appends to a std::string (no copies, no locale machinery).
class StringAppendBuf final : public std::streambuf {
 public:
  explicit StringAppendBuf(std::string* out) : out_(out) {}

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_->append(s, static_cast<size_t>(n));
    return n;
  }
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) out_->push_back(static_cast<char>(c));
    return c;
  }

 private:
  std::string* out_;
};

// A streambuf reading from a fixed byte range.
class ByteViewBuf final : public std::streambuf {
 public:
  explicit ByteViewBuf(std::string_view bytes) {
    char* begin = const_cast<char*>(bytes.data());
    setg(begin, begin, begin + bytes.size());
  }
  size_t remaining() const { return static_cast<size_t>(egptr() - gptr()); }
};

}  // namespace internal

// Appends the encoding of `items` to `out`.
template <class T>
void encode_batch(const std::vector<T>& items, std::string* out) {
  static_assert(internal::RequireSerializable<T>::value);
  internal::StringAppendBuf buf(out);
  std::ostream stream(&buf);
  cereal::BinaryOutputArchive archive(stream);
  archive(items);
}

template <class T>
std::string encode_batch(const std::vector<T>& items) {
  std::string out;
  encode_batch(items, &out);
  return out;
}

// Decodes a payload made by encode_batch<T>, appending its elements to `out`. On error `out`
// is left as it was.
template <class T>
absl::Status decode_batch(std::string_view bytes, std::vector<T>* out) {
  static_assert(internal::RequireSerializable<T>::value);
  if (bytes.size() < sizeof(uint64_t)) {
    return absl::DataLossError(absl::StrCat("batch of ", internal::type_name<T>(), " is ",
                                            bytes.size(), " bytes, shorter than its header"));
  }
  uint64_t count;
  std::memcpy(&count, bytes.data(), sizeof count);
  // Every element takes at least one byte unless T is empty; refuse impossible counts before
  // allocating for them.
  if (!std::is_empty_v<T> && count > bytes.size()) {
    return absl::DataLossError(absl::StrCat("batch claims ", count, " elements of ",
                                            internal::type_name<T>(), " in ", bytes.size(),
                                            " bytes"));
  }
  std::vector<T> decoded;
  internal::ByteViewBuf buf(bytes);
  std::istream stream(&buf);
  try {
    cereal::BinaryInputArchive archive(stream);
    archive(decoded);
  } catch (const std::exception& e) {
    return absl::DataLossError(absl::StrCat("batch of ", internal::type_name<T>(),
                                            " does not decode: ", e.what()));
  }
  if (buf.remaining() != 0) {
    return absl::DataLossError(absl::StrCat("batch of ", internal::type_name<T>(), " has ",
                                            buf.remaining(), " bytes of trailing garbage"));
  }
  if (out->empty()) {
    *out = std::move(decoded);
  } else {
    out->insert(out->end(), std::make_move_iterator(decoded.begin()),
                std::make_move_iterator(decoded.end()));
  }
  return absl::OkStatus();
}

// Appends the encoding of one value (Cereal binary) to `out`.
template <class T>
void encode_value(const T& value, std::string* out) {
  static_assert(internal::RequireSerializable<T>::value);
  internal::StringAppendBuf buf(out);
  std::ostream stream(&buf);
  cereal::BinaryOutputArchive archive(stream);
  archive(value);
}

// Decodes exactly one value made by encode_value<T> from all of `bytes`.
template <class T>
absl::Status decode_value(std::string_view bytes, T* out) {
  static_assert(internal::RequireSerializable<T>::value);
  internal::ByteViewBuf buf(bytes);
  std::istream stream(&buf);
  try {
    cereal::BinaryInputArchive archive(stream);
    archive(*out);
  } catch (const std::exception& e) {
    return absl::DataLossError(
        absl::StrCat("a ", internal::type_name<T>(), " does not decode: ", e.what()));
  }
  if (buf.remaining() != 0) {
    return absl::DataLossError(absl::StrCat("a ", internal::type_name<T>(), " has ",
                                            buf.remaining(), " bytes of trailing garbage"));
  }
  return absl::OkStatus();
}

}  // namespace eddy

#endif  // EDDY_DATAFLOW_SERDE_CODEC_H_

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
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "cereal/types/map.hpp"
#include "cereal/types/optional.hpp"
#include "cereal/types/set.hpp"
#include "cereal/types/string.hpp"
#include "cereal/types/tuple.hpp"
#include "cereal/types/utility.hpp"
#include "cereal/types/variant.hpp"
#include "cereal/types/vector.hpp"
#include "dataflow/core/internal/type_name.h"
#include "dataflow/serde/archive.h"

namespace eddy {

// True when Cereal can write and read T with its binary archives.
template <class T>
inline constexpr bool kIsSerializable =
    cereal::traits::is_output_serializable<T, serde::StringOutputArchive>::value &&
    cereal::traits::is_input_serializable<T, serde::SpanInputArchive>::value;

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

}  // namespace internal

// Appends the encoding of `items` to `out`.
template <class T>
void encode_batch(const std::vector<T>& items, std::string* out) {
  static_assert(internal::RequireSerializable<T>::value);
  serde::StringOutputArchive archive(out);
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
  serde::SpanInputArchive archive(bytes.data(), bytes.size());
  try {
    archive(decoded);
  } catch (const std::exception& e) {
    return absl::DataLossError(absl::StrCat("batch of ", internal::type_name<T>(),
                                            " does not decode: ", e.what()));
  }
  if (archive.remaining() != 0) {
    return absl::DataLossError(absl::StrCat("batch of ", internal::type_name<T>(), " has ",
                                            archive.remaining(), " bytes of trailing garbage"));
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
  serde::StringOutputArchive archive(out);
  archive(value);
}

// Decodes exactly one value made by encode_value<T> from all of `bytes`.
template <class T>
absl::Status decode_value(std::string_view bytes, T* out) {
  static_assert(internal::RequireSerializable<T>::value);
  serde::SpanInputArchive archive(bytes.data(), bytes.size());
  try {
    archive(*out);
  } catch (const std::exception& e) {
    return absl::DataLossError(
        absl::StrCat("a ", internal::type_name<T>(), " does not decode: ", e.what()));
  }
  if (archive.remaining() != 0) {
    return absl::DataLossError(absl::StrCat("a ", internal::type_name<T>(), " has ",
                                            archive.remaining(), " bytes of trailing garbage"));
  }
  return absl::OkStatus();
}

}  // namespace eddy

#endif  // EDDY_DATAFLOW_SERDE_CODEC_H_

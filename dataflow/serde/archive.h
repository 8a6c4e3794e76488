// Cereal archives for eddy's wire formats: the same bytes as Cereal's binary archives, written
// straight into a std::string and read straight from a byte range.
//
// Cereal's own binary archives go through std::streambuf, a virtual call per field; these append
// and copy inline. The input archive never reads past its range, and refuses a container size
// that could not fit in the bytes left (beyond a small allowance for elements that encode to
// nothing), so a hostile payload cannot make a decoder allocate more than it sent. It also
// refuses a bool byte other than 0 or 1. Errors are cereal::Exception, caught at the decode
// boundary (codec.h).
#ifndef EDDY_DATAFLOW_SERDE_ARCHIVE_H_
#define EDDY_DATAFLOW_SERDE_ARCHIVE_H_

#include <cstddef>
#include <cstring>
#include <string>
#include <type_traits>

#include "cereal/cereal.hpp"

namespace eddy::serde {

class StringOutputArchive
    : public cereal::OutputArchive<StringOutputArchive, cereal::AllowEmptyClassElision> {
 public:
  explicit StringOutputArchive(std::string* out)
      : cereal::OutputArchive<StringOutputArchive, cereal::AllowEmptyClassElision>(this), out_(out) {}

  void saveBinary(const void* data, std::size_t size) {
    out_->append(static_cast<const char*>(data), size);
  }

 private:
  std::string* out_;
};

class SpanInputArchive
    : public cereal::InputArchive<SpanInputArchive, cereal::AllowEmptyClassElision> {
 public:
  // A container may claim up to this many elements beyond the bytes left (elements of empty
  // types encode to nothing); more is refused before anything is allocated.
  static constexpr std::size_t kSizeAllowance = 1 << 16;

  SpanInputArchive(const char* data, std::size_t size)
      : cereal::InputArchive<SpanInputArchive, cereal::AllowEmptyClassElision>(this),
        at_(data),
        end_(data + size) {}

  void loadBinary(void* data, std::size_t size) {
    if (size > remaining()) {
      throw cereal::Exception("truncated: " + std::to_string(size) + " bytes needed, " +
                              std::to_string(remaining()) + " left");
    }
    if (size == 0) return;  // an empty container's data() may be null, which memcpy forbids
    std::memcpy(data, at_, size);
    at_ += size;
  }

  std::size_t remaining() const { return static_cast<std::size_t>(end_ - at_); }

  void check_size(unsigned long long size) const {
    if (size > remaining() + kSizeAllowance) {
      throw cereal::Exception("a container claims " + std::to_string(size) + " elements with " +
                              std::to_string(remaining()) + " bytes left");
    }
  }

 private:
  const char* at_;
  const char* end_;
};

// What Cereal's binary archives define for themselves, for these two.
template <class T>
inline std::enable_if_t<std::is_arithmetic_v<T>> CEREAL_SAVE_FUNCTION_NAME(StringOutputArchive& ar,
                                                                            const T& t) {
  ar.saveBinary(std::addressof(t), sizeof(t));
}

template <class T>
inline std::enable_if_t<std::is_arithmetic_v<T> && !std::is_same_v<T, bool>>
CEREAL_LOAD_FUNCTION_NAME(SpanInputArchive& ar, T& t) {
  ar.loadBinary(std::addressof(t), sizeof(t));
}

// A bool is one byte, 0 or 1. Any other byte is refused: reading it as a bool is undefined.
inline void CEREAL_LOAD_FUNCTION_NAME(SpanInputArchive& ar, bool& b) {
  static_assert(sizeof(bool) == 1, "the output archive writes a bool as one byte");
  unsigned char byte = 0;
  ar.loadBinary(&byte, 1);
  if (byte > 1) throw cereal::Exception("a bool encoded as " + std::to_string(byte));
  b = byte == 1;
}

template <class Archive, class T>
inline CEREAL_ARCHIVE_RESTRICT(SpanInputArchive, StringOutputArchive)
    CEREAL_SERIALIZE_FUNCTION_NAME(Archive& ar, cereal::NameValuePair<T>& t) {
  ar(t.value);
}

template <class T>
inline void CEREAL_SAVE_FUNCTION_NAME(StringOutputArchive& ar, const cereal::SizeTag<T>& t) {
  ar(t.size);
}

template <class T>
inline void CEREAL_LOAD_FUNCTION_NAME(SpanInputArchive& ar, cereal::SizeTag<T>& t) {
  ar(t.size);
  ar.check_size(static_cast<unsigned long long>(t.size));
}

template <class T>
inline void CEREAL_SAVE_FUNCTION_NAME(StringOutputArchive& ar, const cereal::BinaryData<T>& bd) {
  ar.saveBinary(bd.data, static_cast<std::size_t>(bd.size));
}

template <class T>
inline void CEREAL_LOAD_FUNCTION_NAME(SpanInputArchive& ar, cereal::BinaryData<T>& bd) {
  ar.loadBinary(bd.data, static_cast<std::size_t>(bd.size));
}

}  // namespace eddy::serde

CEREAL_REGISTER_ARCHIVE(eddy::serde::StringOutputArchive)
CEREAL_REGISTER_ARCHIVE(eddy::serde::SpanInputArchive)
CEREAL_SETUP_ARCHIVE_TRAITS(eddy::serde::SpanInputArchive, eddy::serde::StringOutputArchive)

#endif  // EDDY_DATAFLOW_SERDE_ARCHIVE_H_

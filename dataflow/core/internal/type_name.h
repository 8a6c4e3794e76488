// type_name<T>(): a readable, compiler-stable name for T, used in graph pictures, error
// messages and the flow fingerprint.
#ifndef EDDY_DATAFLOW_CORE_INTERNAL_TYPE_NAME_H_
#define EDDY_DATAFLOW_CORE_INTERNAL_TYPE_NAME_H_

#include <string>
#include <string_view>

namespace eddy::internal {

template <class T>
constexpr std::string_view raw_type_name() {
  // "... [with T = int; std::string_view = ...]" (GCC) or "... [T = int]" (Clang).
  std::string_view pretty = __PRETTY_FUNCTION__;
  const std::string_view marker = "T = ";
  const size_t start = pretty.find(marker) + marker.size();
  size_t end = pretty.find_first_of(";]", start);
  return pretty.substr(start, end - start);
}

template <class T>
std::string type_name() {
  return std::string(raw_type_name<T>());
}

}  // namespace eddy::internal

#endif  // EDDY_DATAFLOW_CORE_INTERNAL_TYPE_NAME_H_

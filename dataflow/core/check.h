// EDDY_CHECK: loud failure for broken invariants (bugs), never for bad input.
//
// What can fail because of the outside world returns absl::Status. A broken invariant, or a
// flow built wrongly by its program (mixing two locations in one operator, say), is a bug: the
// process prints the invariant and the reason, and aborts.
#ifndef EDDY_DATAFLOW_CORE_CHECK_H_
#define EDDY_DATAFLOW_CORE_CHECK_H_

#include <string>

#include "absl/strings/str_cat.h"

namespace eddy::internal {

[[noreturn]] void check_failed(const char* file, int line, const char* condition,
                               const std::string& message);

}  // namespace eddy::internal

#define EDDY_CHECK(condition, ...)                                                   \
  do {                                                                               \
    if (!(condition)) [[unlikely]] {                                                 \
      ::eddy::internal::check_failed(__FILE__, __LINE__, #condition,                 \
                                     ::absl::StrCat(__VA_ARGS__));                   \
    }                                                                                \
  } while (0)

#endif  // EDDY_DATAFLOW_CORE_CHECK_H_

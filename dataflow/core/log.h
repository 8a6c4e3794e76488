// Minimal line logging to stderr. Lines carry no timestamps (determinism: tools that need time
// add it outside, as eddy-deploy adds the instance name); each line is written whole.
#ifndef EDDY_DATAFLOW_CORE_LOG_H_
#define EDDY_DATAFLOW_CORE_LOG_H_

#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"

namespace eddy {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Lines below `level` are dropped. Default kInfo; EDDY_LOG_LEVEL=debug|info|warning|error
// in the environment overrides it at start-up.
void set_log_level(LogLevel level);
LogLevel log_level();
// Prefix written before every line of this process, e.g. "members/1".
void set_log_prefix(std::string prefix);

namespace internal {
void log_line(LogLevel level, const std::string& message);
}

}  // namespace eddy

#define EDDY_LOG(level, ...)                                                       \
  do {                                                                             \
    if (::eddy::LogLevel::level >= ::eddy::log_level()) {                          \
      ::eddy::internal::log_line(::eddy::LogLevel::level, ::absl::StrCat(__VA_ARGS__)); \
    }                                                                              \
  } while (0)

#endif  // EDDY_DATAFLOW_CORE_LOG_H_

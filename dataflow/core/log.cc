#include "dataflow/core/log.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace eddy {
namespace {

LogLevel level_from_env() {
  const char* env = std::getenv("EDDY_LOG_LEVEL");
  if (env == nullptr) return LogLevel::kInfo;
  if (std::strcmp(env, "debug") == 0) return LogLevel::kDebug;
  if (std::strcmp(env, "warning") == 0) return LogLevel::kWarning;
  if (std::strcmp(env, "error") == 0) return LogLevel::kError;
  return LogLevel::kInfo;
}

std::atomic<LogLevel>& level_ref() {
  static std::atomic<LogLevel> level{level_from_env()};
  return level;
}

std::mutex& prefix_mutex() {
  static std::mutex mu;
  return mu;
}

std::string& prefix_ref() {
  static std::string prefix;
  return prefix;
}

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "?";
}

}  // namespace

void set_log_level(LogLevel level) { level_ref().store(level); }
LogLevel log_level() { return level_ref().load(std::memory_order_relaxed); }

void set_log_prefix(std::string prefix) {
  std::lock_guard<std::mutex> lock(prefix_mutex());
  prefix_ref() = std::move(prefix);
}

namespace internal {

void log_line(LogLevel level, const std::string& message) {
  std::string line;
  {
    std::lock_guard<std::mutex> lock(prefix_mutex());
    line = prefix_ref().empty() ? "" : prefix_ref() + " ";
  }
  absl::StrAppend(&line, level_name(level), ": ", message, "\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace internal
}  // namespace eddy

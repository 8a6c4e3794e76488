#include "dataflow/core/check.h"

#include <cstdio>
#include <cstdlib>

namespace eddy::internal {

void check_failed(const char* file, int line, const char* condition,
                  const std::string& message) {
  std::fprintf(stderr, "eddy: check failed at %s:%d: %s\n  %s\n", file, line, condition,
               message.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace eddy::internal

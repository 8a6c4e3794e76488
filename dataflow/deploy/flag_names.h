// Flag spelling: eddy's binaries accept "--start-seed" as well as absl's "--start_seed".
#ifndef EDDY_DATAFLOW_DEPLOY_FLAG_NAMES_H_
#define EDDY_DATAFLOW_DEPLOY_FLAG_NAMES_H_

#include <algorithm>
#include <string>

namespace eddy {

// Turns every '-' in the flag name of `arg` (after the leading "--", before any '=') into '_';
// leaves anything that is not a "--" flag as it is.
inline void underscore_flag_name(std::string* arg) {
  if (arg->rfind("--", 0) != 0) return;
  const size_t end = std::min(arg->find('='), arg->size());
  for (size_t i = 2; i < end; ++i) {
    if ((*arg)[i] == '-') (*arg)[i] = '_';
  }
}

}  // namespace eddy

#endif  // EDDY_DATAFLOW_DEPLOY_FLAG_NAMES_H_

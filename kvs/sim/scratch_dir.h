// ScratchDir: a temporary directory for a simulation driver's data (kvs_sim.h,
// cluster_state_sim.h).
#ifndef EDDY_KVS_SIM_SCRATCH_DIR_H_
#define EDDY_KVS_SIM_SCRATCH_DIR_H_

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace eddy::kvs {

// A fresh directory for one simulated run's files (on tmpfs when there is one: simulated
// instances may sync their logs in every tick), removed with everything in it when this goes
// away.
class ScratchDir {
 public:
  ScratchDir() {
    std::string base = "/tmp";
    if (const char* tmp = std::getenv("TMPDIR"); tmp != nullptr && *tmp != '\0') base = tmp;
    if (access("/dev/shm", W_OK) == 0) base = "/dev/shm";
    std::string pattern = base + "/eddy-sim-XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  // Empty when no directory could be made.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_SIM_SCRATCH_DIR_H_

// record_file: the file operations of the cluster-state store (persistence.h) and its export
// (export.h) beyond what kvs/core/record_file.h shares with the write-ahead log: atomic
// replace, directory creation, removal and an append-only file that can be cut back. Private
// to kvs/cluster_state.
//
// The record framing, crc32c() and the lower-level POSIX helpers (read_file, write_all,
// sync_dir, ...) are kvs/core/record_file.h's (target eddy::kvs_records, independent of the
// dataflow engine like this library). The functions and AppendFile return a Status for I/O
// errors (Internal, with the path and strerror(errno)); they never throw. Not thread safe.
#ifndef EDDY_KVS_CLUSTER_STATE_INTERNAL_RECORD_FILE_H_
#define EDDY_KVS_CLUSTER_STATE_INTERNAL_RECORD_FILE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace eddy::internal {

// Makes `path` hold exactly `contents`, atomically: writes path + ".tmp", syncs it, renames it
// over `path` and syncs the directory. A crash leaves the old file or the new one at `path`
// (and perhaps a stale path + ".tmp").
absl::Status replace_file(const std::string& path, std::string_view contents);

// Creates directory `dir` (one level) unless it exists, syncing its parent when it creates
// it. Internal on failure, or when `dir` exists and is no directory.
absl::Status ensure_dir(const std::string& dir);

// Removes `path`. Returns whether it existed; Internal on other I/O errors.
absl::StatusOr<bool> remove_file(const std::string& path);

// A file open for appending (created if missing).
class AppendFile {
 public:
  static absl::StatusOr<std::unique_ptr<AppendFile>> open(const std::string& path);
  ~AppendFile();
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;

  // Appends `bytes` (one write, retried until complete).
  absl::Status append(std::string_view bytes);
  // Makes everything appended durable (fdatasync).
  absl::Status sync();
  // Cuts the file to its first `size` bytes and syncs it; later appends follow them.
  absl::Status truncate(uint64_t size);
  const std::string& path() const { return path_; }

 private:
  AppendFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace eddy::internal

#endif  // EDDY_KVS_CLUSTER_STATE_INTERNAL_RECORD_FILE_H_

// record_file: checksummed record framing and the POSIX file plumbing under it, shared by the
// write-ahead log of the stores (kvs/core/wal.h) and the cluster-state store
// (kvs/cluster_state/persistence.h). Independent of the dataflow engine (target
// eddy::kvs_records: Abseil only).
//
// A run of records, each checksummed so that recovery can tell a complete record from a torn
// write (a crash in the middle of an append) or a damaged one:
//
//   records := record*
//   record  := length:u32le crc:u32le payload[length]
//   crc     := crc32c(length:u32le ++ payload)      (Castagnoli polynomial, as in iSCSI/ext4)
//
// decode_records() returns the longest prefix of valid records: the first record that is cut
// short, or whose checksum does not match, ends the run, so what is recovered is always a prefix
// of what was written.
//
// Every function is thread compatible (no shared state). The file helpers return a Status for
// I/O errors (Internal, with the path and strerror(errno)); nothing throws.
#ifndef EDDY_KVS_CORE_RECORD_FILE_H_
#define EDDY_KVS_CORE_RECORD_FILE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace eddy::kvs {

// The bytes in front of each payload: length:u32le crc:u32le.
inline constexpr size_t kRecordHeaderBytes = 8;

// CRC-32C (Castagnoli) of `bytes`, continuing from `crc` (0 to start), so that
// crc32c(b, crc32c(a)) == crc32c(a ++ b). crc32c("123456789") == 0xE3069283.
uint32_t crc32c(std::string_view bytes, uint32_t crc = 0);

// Appends one framed record holding `payload` to `*out` (kRecordHeaderBytes + payload.size()
// bytes). REQUIRES: out != nullptr; payload.size() < 2^32.
void append_record(std::string_view payload, std::string* out);

struct DecodedRecords {
  std::vector<std::string_view> records;  // Views into the decoded bytes, in order.
  size_t valid_bytes = 0;                 // The length of the valid prefix.
  std::string problem;  // Empty when every byte was part of a valid record; otherwise where
                        // and why the run ended ("torn record header at byte N", "torn record
                        // at byte N (...)", "checksum mismatch in the record at byte N").
};

// The longest prefix of valid records of `bytes` (see the header comment); the rest, from the
// first torn or corrupt record on, is left out and described in `problem`. Never fails. The
// views stay valid as long as the bytes they point into.
DecodedRecords decode_records(std::string_view bytes);

// The contents of the file at `path`. NotFound when it does not exist; Internal on other I/O
// errors (EINTR is retried).
absl::StatusOr<std::string> read_file(const std::string& path);

// Writes all of `bytes` to file descriptor `fd`, retrying short writes and EINTR. Internal on
// an error, naming `path` (the file behind `fd`). REQUIRES: fd is open for writing.
absl::Status write_all(int fd, std::string_view bytes, const std::string& path);

// Makes the entries of directory `dir` (creations, renames) durable (fsync). Internal on
// failure.
absl::Status sync_dir(const std::string& dir);

// The directory holding `path`: the part before its last '/', "/" for a file in the root and
// "." when `path` has no '/'. Pure string manipulation.
std::string parent_dir(const std::string& path);

// Internal error "<what> <path>: <strerror(errno)>". Call it right after the failing call,
// before anything else can change errno.
absl::Status errno_status(const char* what, const std::string& path);

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

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CORE_RECORD_FILE_H_

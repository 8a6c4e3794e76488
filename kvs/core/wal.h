// wal: a write-ahead log file of opaque records.
//
// A log is a run of records framed and checksummed as kvs/core/record_file.h says (this header
// includes it, so crc32c() and append_record() come with it):
//
//   log     := record*
//   record  := length:u32le crc:u32le payload[length]
//   crc     := crc32c(length:u32le ++ payload)      (Castagnoli polynomial, as in iSCSI/ext4)
//
// decode_log() returns the longest prefix of valid records. The first record that is cut short,
// or whose checksum does not match, ends the log: everything from there on is ignored and
// reported in `problem`. Ignoring the rest (rather than skipping to a later record) keeps what
// is recovered a prefix of what was written, which the store relies on (its applied marks are
// high-water marks).
//
// WalWriter appends to one file (record_file.h's AppendFile) and syncs it as its policy says;
// it is not thread safe. Its operations return a Status for I/O errors; they never throw.
#ifndef EDDY_KVS_CORE_WAL_H_
#define EDDY_KVS_CORE_WAL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dataflow/core/clock.h"
#include "kvs/core/record_file.h"

namespace eddy::kvs {

// When a member makes its log durable (Redis's appendfsync: always, everysec, no).
enum class FsyncPolicy {
  kAlways,    // before the replies and marks of the tick that wrote leave the member
  kInterval,  // when an interval has passed since the last sync (checked on writes and a timer)
  kNever,     // never: the operating system writes the page cache back when it chooses
};

// records: views into the decoded bytes; valid_bytes: the length of the valid prefix;
// problem: empty when every byte was a valid record.
using DecodedLog = DecodedRecords;

// The valid records of `bytes`, in order (see the header comment): decode_records(), with
// "; ignoring the last N bytes" added to a non-empty `problem`. Never fails.
DecodedLog decode_log(std::string_view bytes);

// The path of member `member`'s log in `dir`: DIR/member-<member>.wal.
std::string wal_path(const std::string& dir, uint32_t member);

// The contents of the file at `path`; empty when it does not exist. Fails on other I/O errors.
absl::StatusOr<std::string> read_whole_file(const std::string& path);

// A member's log as the store writes it: one append per tick that applied writes, synced as
// `policy` says. The first write() starts the file afresh (replace_file, record_file.h) with that
// tick's records: the store recovers the old file's contents in its first tick (compacted), so they
// are part of the first records written. Copies share one file (the flow copies its operators'
// state per instance before the first tick, when no file is open yet).
class WalWriter {
 public:
  WalWriter(std::string path, FsyncPolicy policy, Duration interval)
      : path_(std::move(path)), policy_(policy), interval_(interval) {}

  // Appends one tick's framed records at instant `now`; with kAlways, syncs before returning.
  absl::Status write(Instant now, std::string_view records);
  // The periodic timer (kInterval): syncs what was appended since the last sync.
  absl::Status on_timer(Instant now);
  // Syncs made so far.
  uint64_t syncs() const { return state_ ? state_->syncs : 0; }

 private:
  struct State {
    std::unique_ptr<AppendFile> file;
    Instant last_sync;
    bool dirty = false;
    uint64_t syncs = 0;
  };
  absl::Status sync(Instant now);

  std::string path_;
  FsyncPolicy policy_;
  Duration interval_;
  std::shared_ptr<State> state_;
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CORE_WAL_H_

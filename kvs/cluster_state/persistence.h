// ClusterStateStore: one ClusterState replica kept in a data directory -- a snapshot file plus a
// write-ahead log of the changes made since -- so that it survives a restart or a crash.
//
// What is logged. Every change of the replica is one log record holding one Delta (delta.h):
//   - a local operation, run through update(), is logged as delta_since(the version vector
//     before it): its changed rows, whole, with base = that vector (while that vector is
//     still empty, delta_since gives a whole snapshot: correct, only larger);
//   - a remote delta, given to apply(), is logged as received, when it changed anything.
// Replaying the records in order on the snapshot's state repeats the same merges, so the
// replica comes back with the same rows, version vector, change index and clock high-water
// mark; its own counter is restored with the vector, so new operations never reuse a dot (the
// requirement in cluster_state.h). Merges are idempotent, so replaying records that the
// snapshot already includes changes nothing: this is what makes a checkpoint crash-safe.
//
// Files in the directory (record framing of kvs/core/record_file.h, as in kvs/core/wal.h):
//   snapshot      := record                 one record, nothing after it
//   snapshot.tmp  := a checkpoint in progress (ignored and removed by open())
//   log           := record*                each appended by update() or apply()
//   record        := length:u32le crc:u32le payload[length]
//   crc           := crc32c(length:u32le ++ payload)
//   payload       := encode_delta(delta)    (delta.h; the snapshot's is ClusterState::snapshot())
//
// Checkpoint: the snapshot is written to snapshot.tmp, synced, renamed over snapshot, the
// directory synced, and only then is the log emptied (truncated and synced). A crash at any
// point leaves the old snapshot with the old log, or the new snapshot with a stale log whose
// records it already includes.
//
// Recovery: a torn or corrupt log tail (a record cut short, a checksum mismatch, or a payload
// that does not decode) ends the replay at the last good record; open() cuts the tail off so
// that new records follow the good ones, and says so in the RecoveryReport. It never fails for
// that. A snapshot that does not verify is DataLoss: it is the only copy of the old state.
//
// Durability (StoreFsync): kAlways syncs each record before update()/apply() return; kInterval
// syncs on an append or a sync_if_due(now) call when `interval_ms` passed since the last sync
// (the first record after open() is synced at once; no thread: the caller's tick loop calls
// sync_if_due); kNever leaves it to the OS.
// Checkpoints always sync. Time is passed in; the store never reads a clock.
//
// Not thread safe: one thread owns a store, as it owns a ClusterState. One store per directory
// (no lock file: the caller must not open a directory twice).
#ifndef EDDY_KVS_CLUSTER_STATE_PERSISTENCE_H_
#define EDDY_KVS_CLUSTER_STATE_PERSISTENCE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kvs/cluster_state/cluster_state.h"
#include "kvs/cluster_state/delta.h"
#include "kvs/cluster_state/op_result.h"
#include "kvs/cluster_state/stamp.h"

namespace eddy::kvs {

class AppendFile;  // kvs/core/record_file.h

// When the log is made durable: Redis's appendfsync vocabulary, as in kvs/core/wal.h.
struct StoreFsync {
  enum class Mode : uint8_t {
    kAlways,    // Each record is synced before update()/apply() return.
    kInterval,  // Synced on an append or sync_if_due() once interval_ms passed since the last.
    kNever,     // The operating system writes the page cache back when it chooses.
  };
  Mode mode = Mode::kInterval;
  TimeMs interval_ms = 1000;  // kInterval only. REQUIRES: > 0.

  friend bool operator==(const StoreFsync&, const StoreFsync&) = default;
};

// Parses "always", "everysec" (every 1000 ms), "<N>ms" (every N ms, 0 < N), "no" or "never".
// InvalidArgument for anything else.
absl::StatusOr<StoreFsync> parse_store_fsync(std::string_view text);
// The inverse of parse_store_fsync: "always", "<N>ms" or "never".
std::string to_string(const StoreFsync& fsync);

struct ClusterStateStoreOptions {
  ClusterStateOptions state;  // How the replica is built (same as every other replica).
  StoreFsync fsync;
  // maybe_checkpoint() checkpoints when this much time passed since the last checkpoint (or
  // since its first call). REQUIRES: >= 0.
  TimeMs checkpoint_interval_ms = 60'000;
};

// What open() found.
struct RecoveryReport {
  bool snapshot_loaded = false;    // A snapshot file was read.
  bool removed_stale_tmp = false;  // A snapshot.tmp of an interrupted checkpoint was removed.
  size_t log_records = 0;          // Log records replayed.
  uint64_t log_bytes = 0;          // Bytes of the log kept (the good records).
  uint64_t dropped_bytes = 0;      // Bytes of a torn or corrupt tail cut off the log.
  std::string warning;             // Why the log ended early; empty when it did not.
};

class ClusterStateStore {
 public:
  // File names inside the data directory.
  static constexpr std::string_view kSnapshotFile = "snapshot";
  static constexpr std::string_view kSnapshotTmpFile = "snapshot.tmp";
  static constexpr std::string_view kLogFile = "log";

  // Opens the data directory `dir` (creating it, one level, if missing) for replica
  // `replica_id`: loads the snapshot, replays the log, cuts off a bad log tail and removes a
  // stale snapshot.tmp. The state() then equals the one whose changes reached the log.
  // Fails with DataLoss (naming the path) when the snapshot does not verify or decode,
  // FailedPrecondition when it belongs to another replica, Internal on I/O errors.
  // REQUIRES: replica_id is non-empty.
  static absl::StatusOr<std::unique_ptr<ClusterStateStore>> open(
      const std::string& dir, const std::string& replica_id,
      const ClusterStateStoreOptions& options = {});
  // Closes the log without syncing it (a kInterval/kNever store loses nothing it has not
  // already handed to the OS; call sync() first to make it durable).
  ~ClusterStateStore();
  ClusterStateStore(const ClusterStateStore&) = delete;
  ClusterStateStore& operator=(const ClusterStateStore&) = delete;

  // The replica. Valid as long as the store; change it only through update() and apply().
  const ClusterState& state() const { return state_; }
  const RecoveryReport& recovery() const { return recovery_; }
  const std::string& dir() const { return dir_; }

  // Runs `op` -- local ClusterState operations only, never apply() -- and logs what it
  // changed as one record (nothing when it changed nothing). Returns op's result. Fails (an
  // I/O error) only when logging failed: the change is then in state() but maybe not on disk.
  // After a failed append or sync every update()/apply() fails without running, until a
  // checkpoint() succeeds (a torn record must not have records after it).
  absl::StatusOr<OpResult> update(TimeMs now, const std::function<OpResult(ClusterState&)>& op);
  // Applies a remote delta and logs it when it changed the rows or the version vector (one
  // that changed neither at most raised the clock, which stays above every stamp in the state
  // after a restart anyway). Fails as update() does.
  absl::StatusOr<ApplyResult> apply(const Delta& delta, TimeMs now);

  // kInterval: syncs the log if it has unsynced records and interval_ms passed since the last
  // sync. Otherwise does nothing. Internal on I/O errors.
  absl::Status sync_if_due(TimeMs now);
  // Syncs the log now (any mode). Internal on I/O errors.
  absl::Status sync(TimeMs now);

  // Writes the whole state as the new snapshot and empties the log (see the header comment).
  // Internal on I/O errors; the directory then still holds a readable state.
  absl::Status checkpoint(TimeMs now);
  // Checkpoints when checkpoint_interval_ms passed since the last checkpoint and the log is
  // not empty. The first call only starts the interval. Returns whether it checkpointed.
  absl::StatusOr<bool> maybe_checkpoint(TimeMs now);

  // Bytes in the log, and those not yet synced.
  uint64_t log_bytes() const { return log_bytes_; }
  uint64_t unsynced_bytes() const { return unsynced_bytes_; }
  // Syncs of the log so far (checkpoints not counted).
  uint64_t syncs() const { return syncs_; }

 private:
  ClusterStateStore(std::string dir, const std::string& replica_id,
                    const ClusterStateStoreOptions& options);

  absl::Status load_snapshot();
  absl::Status replay_log();
  // Frames `delta` into the log and syncs as the mode says.
  absl::Status log_delta(const Delta& delta, TimeMs now);
  std::string path(std::string_view file) const;

  std::string dir_;
  ClusterStateStoreOptions options_;
  ClusterState state_;
  RecoveryReport recovery_;
  std::unique_ptr<AppendFile> log_;
  uint64_t log_bytes_ = 0;
  uint64_t unsynced_bytes_ = 0;
  uint64_t syncs_ = 0;
  std::optional<TimeMs> last_sync_;
  std::optional<TimeMs> last_checkpoint_;
  absl::Status broken_;  // The append or sync error that stops logging until a checkpoint.
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CLUSTER_STATE_PERSISTENCE_H_

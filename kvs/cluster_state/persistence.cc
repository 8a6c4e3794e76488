#include "kvs/cluster_state/persistence.h"

#include <charconv>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kvs/core/record_file.h"

namespace eddy::kvs {
namespace {

// The directory without trailing slashes ("/" stays "/").
std::string clean_dir(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

}  // namespace

absl::StatusOr<StoreFsync> parse_store_fsync(std::string_view text) {
  StoreFsync out;
  if (text == "always") {
    out.mode = StoreFsync::Mode::kAlways;
    return out;
  }
  if (text == "no" || text == "never") {
    out.mode = StoreFsync::Mode::kNever;
    return out;
  }
  out.mode = StoreFsync::Mode::kInterval;
  if (text == "everysec") {
    out.interval_ms = 1000;
    return out;
  }
  if (text.size() > 2 && text.substr(text.size() - 2) == "ms") {
    std::string_view digits = text.substr(0, text.size() - 2);
    const char* end = digits.data() + digits.size();
    auto [ptr, error] = std::from_chars(digits.data(), end, out.interval_ms);
    if (error == std::errc() && ptr == end && out.interval_ms > 0) return out;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("fsync policy must be always, everysec, <N>ms (N > 0), no or never, not '",
                   std::string(text), "'"));
}

std::string to_string(const StoreFsync& fsync) {
  switch (fsync.mode) {
    case StoreFsync::Mode::kAlways:
      return "always";
    case StoreFsync::Mode::kInterval:
      return absl::StrCat(fsync.interval_ms, "ms");
    case StoreFsync::Mode::kNever:
      return "never";
  }
  return "unknown";
}

ClusterStateStore::ClusterStateStore(std::string dir, const std::string& replica_id,
                                     const ClusterStateStoreOptions& options)
    : dir_(std::move(dir)), options_(options), state_(replica_id, options.state) {}

ClusterStateStore::~ClusterStateStore() = default;

std::string ClusterStateStore::path(std::string_view file) const {
  return absl::StrCat(dir_, "/", std::string(file));
}

absl::StatusOr<std::unique_ptr<ClusterStateStore>> ClusterStateStore::open(
    const std::string& dir, const std::string& replica_id,
    const ClusterStateStoreOptions& options) {
  std::unique_ptr<ClusterStateStore> store(
      new ClusterStateStore(clean_dir(dir), replica_id, options));
  if (absl::Status s = ensure_dir(store->dir_); !s.ok()) return s;
  // A snapshot.tmp is a checkpoint that never reached its rename: the snapshot and log
  // beside it are still the state.
  absl::StatusOr<bool> removed = remove_file(store->path(kSnapshotTmpFile));
  if (!removed.ok()) return removed.status();
  store->recovery_.removed_stale_tmp = *removed;
  if (absl::Status s = store->load_snapshot(); !s.ok()) return s;
  if (absl::Status s = store->replay_log(); !s.ok()) return s;
  return store;
}

absl::Status ClusterStateStore::load_snapshot() {
  const std::string file = path(kSnapshotFile);
  absl::StatusOr<std::string> bytes = read_file(file);
  if (absl::IsNotFound(bytes.status())) return absl::OkStatus();
  if (!bytes.ok()) return bytes.status();
  const DecodedRecords decoded = decode_records(*bytes);
  if (decoded.records.size() != 1 || decoded.valid_bytes != bytes->size()) {
    return absl::DataLossError(
        absl::StrCat("corrupt cluster-state snapshot ", file, ": ",
                     decoded.problem.empty() ? "not exactly one record" : decoded.problem));
  }
  absl::StatusOr<Delta> snapshot = decode_delta(decoded.records[0]);
  if (!snapshot.ok()) {
    return absl::DataLossError(
        absl::StrCat("corrupt cluster-state snapshot ", file, ": ", snapshot.status().message()));
  }
  if (snapshot->sender != state_.replica_id()) {
    return absl::FailedPreconditionError(absl::StrCat("snapshot ", file, " belongs to replica '",
                                                      snapshot->sender, "', not '",
                                                      state_.replica_id(), "'"));
  }
  state_.apply(*snapshot);
  recovery_.snapshot_loaded = true;
  return absl::OkStatus();
}

absl::Status ClusterStateStore::replay_log() {
  const std::string file = path(kLogFile);
  absl::StatusOr<std::string> bytes = read_file(file);
  std::string contents;
  if (bytes.ok()) {
    contents = *std::move(bytes);
  } else if (!absl::IsNotFound(bytes.status())) {
    return bytes.status();
  }
  const DecodedRecords decoded = decode_records(contents);
  size_t good_bytes = 0;
  recovery_.warning = decoded.problem;
  for (size_t i = 0; i < decoded.records.size(); ++i) {
    absl::StatusOr<Delta> delta = decode_delta(decoded.records[i]);
    if (!delta.ok()) {
      recovery_.warning = absl::StrCat("record ", i, " at byte ", good_bytes,
                                       " does not decode: ", delta.status().message());
      break;
    }
    state_.apply(*delta);
    good_bytes += kRecordHeaderBytes + decoded.records[i].size();
    ++recovery_.log_records;
  }
  recovery_.log_bytes = good_bytes;
  recovery_.dropped_bytes = contents.size() - good_bytes;
  if (!recovery_.warning.empty()) {
    recovery_.warning = absl::StrCat(file, ": ", recovery_.warning, "; cut off the last ",
                                     recovery_.dropped_bytes, " bytes");
  }
  absl::StatusOr<std::unique_ptr<AppendFile>> log = AppendFile::open(file);
  if (!log.ok()) return log.status();
  log_ = *std::move(log);
  if (recovery_.dropped_bytes > 0) {
    if (absl::Status s = log_->truncate(good_bytes); !s.ok()) return s;
  }
  if (!bytes.ok()) {
    // The log was just created: make its directory entry durable.
    if (absl::Status s = sync_dir(dir_); !s.ok()) return s;
  }
  log_bytes_ = good_bytes;
  return absl::OkStatus();
}

absl::StatusOr<OpResult> ClusterStateStore::update(
    TimeMs now, const std::function<OpResult(ClusterState&)>& op) {
  if (!broken_.ok()) return broken_;
  const VersionVector before = state_.version_vector();
  OpResult result = op(state_);
  // Every change raises this replica's own counter, so an unchanged vector means no change.
  if (state_.version_vector() == before) return result;
  if (absl::Status s = log_delta(state_.delta_since(before), now); !s.ok()) return s;
  return result;
}

absl::StatusOr<ApplyResult> ClusterStateStore::apply(const Delta& delta, TimeMs now) {
  if (!broken_.ok()) return broken_;
  const VersionVector before = state_.version_vector();
  ApplyResult result = state_.apply(delta);
  if (result.rows_changed == 0 && state_.version_vector() == before) return result;
  if (absl::Status s = log_delta(delta, now); !s.ok()) return s;
  return result;
}

absl::Status ClusterStateStore::log_delta(const Delta& delta, TimeMs now) {
  std::string record;
  append_record(encode_delta(delta), &record);
  if (absl::Status s = log_->append(record); !s.ok()) {
    broken_ = s;
    return s;
  }
  log_bytes_ += record.size();
  unsynced_bytes_ += record.size();
  if (options_.fsync.mode == StoreFsync::Mode::kAlways) return sync(now);
  return sync_if_due(now);
}

absl::Status ClusterStateStore::sync_if_due(TimeMs now) {
  if (options_.fsync.mode != StoreFsync::Mode::kInterval || unsynced_bytes_ == 0) {
    return absl::OkStatus();
  }
  if (last_sync_.has_value() && now - *last_sync_ < options_.fsync.interval_ms) {
    return absl::OkStatus();
  }
  return sync(now);
}

absl::Status ClusterStateStore::sync(TimeMs now) {
  if (absl::Status s = log_->sync(); !s.ok()) {
    broken_ = s;
    return s;
  }
  unsynced_bytes_ = 0;
  last_sync_ = now;
  ++syncs_;
  return absl::OkStatus();
}

absl::Status ClusterStateStore::checkpoint(TimeMs now) {
  std::string bytes;
  append_record(encode_delta(state_.snapshot()), &bytes);
  if (absl::Status s = replace_file(path(kSnapshotFile), bytes); !s.ok()) return s;
  // The new snapshot is durable: the log's records are all in it.
  if (absl::Status s = log_->truncate(0); !s.ok()) return s;
  log_bytes_ = 0;
  unsynced_bytes_ = 0;
  last_checkpoint_ = now;
  broken_ = absl::OkStatus();
  return absl::OkStatus();
}

absl::StatusOr<bool> ClusterStateStore::maybe_checkpoint(TimeMs now) {
  if (!last_checkpoint_.has_value()) {
    last_checkpoint_ = now;
    return false;
  }
  if (now - *last_checkpoint_ < options_.checkpoint_interval_ms || log_bytes_ == 0) {
    return false;
  }
  if (absl::Status s = checkpoint(now); !s.ok()) return s;
  return true;
}

}  // namespace eddy::kvs

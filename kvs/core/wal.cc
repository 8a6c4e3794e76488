#include "kvs/core/wal.h"

#include "absl/strings/str_cat.h"

namespace eddy::kvs {

DecodedLog decode_log(std::string_view bytes) {
  DecodedLog log = decode_records(bytes);
  if (!log.problem.empty()) {
    absl::StrAppend(&log.problem, "; ignoring the last ", bytes.size() - log.valid_bytes, " bytes");
  }
  return log;
}

std::string wal_path(const std::string& dir, uint32_t member) {
  return absl::StrCat(dir, "/member-", member, ".wal");
}

absl::StatusOr<std::string> read_whole_file(const std::string& path) {
  absl::StatusOr<std::string> bytes = read_file(path);
  if (absl::IsNotFound(bytes.status())) return std::string();
  return bytes;
}

absl::Status WalWriter::write(Instant now, std::string_view records) {
  if (state_ == nullptr) {
    if (absl::Status s = replace_file(path_, records); !s.ok()) return s;
    auto file = AppendFile::open(path_);
    if (!file.ok()) return file.status();
    state_ = std::make_shared<State>();
    state_->file = *std::move(file);
    state_->last_sync = now;
    ++state_->syncs;  // replace() synced
    return absl::OkStatus();
  }
  if (absl::Status s = state_->file->append(records); !s.ok()) return s;
  state_->dirty = true;
  switch (policy_) {
    case FsyncPolicy::kAlways:
      return sync(now);
    case FsyncPolicy::kInterval:
      return now - state_->last_sync >= interval_ ? sync(now) : absl::OkStatus();
    case FsyncPolicy::kNever:
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status WalWriter::on_timer(Instant now) {
  if (state_ == nullptr || !state_->dirty || policy_ == FsyncPolicy::kNever)
    return absl::OkStatus();
  return sync(now);
}

absl::Status WalWriter::sync(Instant now) {
  if (absl::Status s = state_->file->sync(); !s.ok()) return s;
  state_->dirty = false;
  state_->last_sync = now;
  ++state_->syncs;
  return absl::OkStatus();
}

}  // namespace eddy::kvs

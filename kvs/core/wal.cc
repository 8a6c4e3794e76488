#include "kvs/core/wal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

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

absl::StatusOr<std::unique_ptr<WalFile>> WalFile::replace(const std::string& path,
                                                          std::string_view contents) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status("cannot create", tmp);
  std::unique_ptr<WalFile> file(new WalFile(fd, tmp));
  if (absl::Status s = file->append(contents); !s.ok()) return s;
  if (absl::Status s = file->sync(); !s.ok()) return s;
  if (::rename(tmp.c_str(), path.c_str()) != 0) return errno_status("cannot rename to", path);
  file->path_ = path;
  if (absl::Status s = sync_dir(parent_dir(path)); !s.ok()) return s;
  return file;
}

WalFile::~WalFile() { ::close(fd_); }

absl::Status WalFile::append(std::string_view bytes) { return write_all(fd_, bytes, path_); }

absl::Status WalFile::sync() {
  if (::fdatasync(fd_) != 0) return errno_status("cannot sync", path_);
  return absl::OkStatus();
}

absl::Status WalWriter::write(Instant now, std::string_view records) {
  if (state_ == nullptr) {
    auto file = WalFile::replace(path_, records);
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

#include "kvs/cluster_state/internal/record_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "kvs/core/record_file.h"

namespace eddy::internal {

using kvs::errno_status;
using kvs::parent_dir;
using kvs::sync_dir;
using kvs::write_all;

absl::Status replace_file(const std::string& path, std::string_view contents) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status("cannot create", tmp);
  absl::Status status = write_all(fd, contents, tmp);
  if (status.ok() && ::fdatasync(fd) != 0) status = errno_status("cannot sync", tmp);
  ::close(fd);
  if (!status.ok()) return status;
  if (::rename(tmp.c_str(), path.c_str()) != 0) return errno_status("cannot rename to", path);
  return sync_dir(parent_dir(path));
}

absl::Status ensure_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0) return sync_dir(parent_dir(dir));
  if (errno == EEXIST) {
    struct stat info;
    if (::stat(dir.c_str(), &info) != 0) return errno_status("cannot stat", dir);
    if (!S_ISDIR(info.st_mode)) return absl::InternalError(absl::StrCat(dir, " is no directory"));
    return absl::OkStatus();
  }
  return errno_status("cannot create directory", dir);
}

absl::StatusOr<bool> remove_file(const std::string& path) {
  if (::unlink(path.c_str()) == 0) return true;
  if (errno == ENOENT) return false;
  return errno_status("cannot remove", path);
}

absl::StatusOr<std::unique_ptr<AppendFile>> AppendFile::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status("cannot open", path);
  return std::unique_ptr<AppendFile>(new AppendFile(fd, path));
}

AppendFile::~AppendFile() { ::close(fd_); }

absl::Status AppendFile::append(std::string_view bytes) { return write_all(fd_, bytes, path_); }

absl::Status AppendFile::sync() {
  if (::fdatasync(fd_) != 0) return errno_status("cannot sync", path_);
  return absl::OkStatus();
}

absl::Status AppendFile::truncate(uint64_t size) {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0)
    return errno_status("cannot truncate", path_);
  // fsync, not fdatasync: the new size is metadata.
  if (::fsync(fd_) != 0) return errno_status("cannot sync", path_);
  return absl::OkStatus();
}

}  // namespace eddy::internal

#include "kvs/core/wal.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace eddy::kvs {
namespace {

constexpr size_t kHeaderBytes = 8;  // length:u32le crc:u32le

constexpr std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrcTable = make_crc_table();

void put_u32(uint32_t v, char* out) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

uint32_t get_u32(const char* in) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  return v;
}

uint32_t record_crc(const char* length_bytes, std::string_view payload) {
  return crc32c(payload, crc32c(std::string_view(length_bytes, 4)));
}

absl::Status errno_status(const char* what, const std::string& path) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

absl::Status write_all(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_status("cannot write", path);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

std::string parent_dir(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

uint32_t crc32c(std::string_view bytes, uint32_t crc) {
  crc = ~crc;
  for (char b : bytes) crc = kCrcTable[(crc ^ static_cast<unsigned char>(b)) & 0xff] ^ (crc >> 8);
  return ~crc;
}

void append_record(std::string_view payload, std::string* out) {
  char header[kHeaderBytes];
  put_u32(static_cast<uint32_t>(payload.size()), header);
  put_u32(record_crc(header, payload), header + 4);
  out->append(header, kHeaderBytes);
  out->append(payload);
}

DecodedLog decode_log(std::string_view bytes) {
  DecodedLog log;
  size_t at = 0;
  while (at < bytes.size()) {
    if (bytes.size() - at < kHeaderBytes) {
      log.problem = absl::StrCat("torn record header at byte ", at);
      break;
    }
    const uint32_t length = get_u32(bytes.data() + at);
    const uint32_t crc = get_u32(bytes.data() + at + 4);
    if (bytes.size() - at - kHeaderBytes < length) {
      log.problem = absl::StrCat("torn record at byte ", at, " (", length, " bytes claimed, ",
                                 bytes.size() - at - kHeaderBytes, " left)");
      break;
    }
    const std::string_view payload = bytes.substr(at + kHeaderBytes, length);
    if (record_crc(bytes.data() + at, payload) != crc) {
      log.problem = absl::StrCat("checksum mismatch in the record at byte ", at);
      break;
    }
    log.records.push_back(payload);
    at += kHeaderBytes + length;
  }
  log.valid_bytes = at;
  if (!log.problem.empty()) {
    absl::StrAppend(&log.problem, "; ignoring the last ", bytes.size() - at, " bytes");
  }
  return log;
}

std::string wal_path(const std::string& dir, uint32_t member) {
  return absl::StrCat(dir, "/member-", member, ".wal");
}

absl::StatusOr<std::string> read_whole_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::string();
    return errno_status("cannot open", path);
  }
  std::string out;
  char buf[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      absl::Status s = errno_status("cannot read", path);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
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
  const std::string dir = parent_dir(path);
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return errno_status("cannot open directory", dir);
  const int synced = ::fsync(dir_fd);
  ::close(dir_fd);
  if (synced != 0) return errno_status("cannot sync directory", dir);
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

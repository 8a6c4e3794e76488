#include "kvs/core/record_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace eddy::kvs {
namespace {

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
  for (int i = 0; i < 4; ++i) {
    v |= static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  }
  return v;
}

uint32_t record_crc(const char* length_bytes, std::string_view payload) {
  return crc32c(payload, crc32c(std::string_view(length_bytes, 4)));
}

}  // namespace

uint32_t crc32c(std::string_view bytes, uint32_t crc) {
  crc = ~crc;
  for (char b : bytes) crc = kCrcTable[(crc ^ static_cast<unsigned char>(b)) & 0xff] ^ (crc >> 8);
  return ~crc;
}

void append_record(std::string_view payload, std::string* out) {
  char header[kRecordHeaderBytes];
  put_u32(static_cast<uint32_t>(payload.size()), header);
  put_u32(record_crc(header, payload), header + 4);
  out->append(header, kRecordHeaderBytes);
  out->append(payload);
}

DecodedRecords decode_records(std::string_view bytes) {
  DecodedRecords out;
  size_t at = 0;
  while (at < bytes.size()) {
    if (bytes.size() - at < kRecordHeaderBytes) {
      out.problem = absl::StrCat("torn record header at byte ", at);
      break;
    }
    const uint32_t length = get_u32(bytes.data() + at);
    const size_t left = bytes.size() - at - kRecordHeaderBytes;
    if (left < length) {
      out.problem = absl::StrCat("torn record at byte ", at, " (", length, " bytes claimed, ", left,
                                 " left)");
      break;
    }
    const std::string_view payload = bytes.substr(at + kRecordHeaderBytes, length);
    if (record_crc(bytes.data() + at, payload) != get_u32(bytes.data() + at + 4)) {
      out.problem = absl::StrCat("checksum mismatch in the record at byte ", at);
      break;
    }
    out.records.push_back(payload);
    at += kRecordHeaderBytes + length;
  }
  out.valid_bytes = at;
  return out;
}

absl::StatusOr<std::string> read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat("no file ", path));
    return errno_status("cannot open", path);
  }
  std::string out;
  char buf[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      absl::Status status = errno_status("cannot read", path);
      ::close(fd);
      return status;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
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

absl::Status sync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_status("cannot open directory", dir);
  const int synced = ::fsync(fd);
  ::close(fd);
  if (synced != 0) return errno_status("cannot sync directory", dir);
  return absl::OkStatus();
}

std::string parent_dir(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

absl::Status errno_status(const char* what, const std::string& path) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

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

}  // namespace eddy::kvs

#include "dataflow/net/client_socket.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace eddy {
namespace {

int millis(Duration d) { return static_cast<int>(std::max<int64_t>(0, d.count() / 1000000)); }

absl::Status errno_status(const std::string& what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(errno)));
}

// Waits until `fd` is ready for `events`, for at most `deadline - now`.
absl::Status wait_for(int fd, short events, std::chrono::steady_clock::time_point deadline,
                      const char* what) {
  while (true) {
    const auto left = std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return absl::DeadlineExceededError(absl::StrCat("timed out ", what));
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, std::max(1, millis(left)));
    if (n > 0) return absl::OkStatus();
    if (n < 0 && errno != EINTR) return errno_status(what);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<ClientSocket>> ClientSocket::connect(const Endpoint& at,
                                                                    Duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(at.host.c_str(), std::to_string(at.port).c_str(), &hints, &found);
      rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot resolve ", at.to_string(), ": ", ::gai_strerror(rc)));
  }
  absl::Status last = absl::UnavailableError(absl::StrCat("no address for ", at.to_string()));
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      last = errno_status("socket");
      continue;
    }
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last = errno_status(absl::StrCat("cannot connect to ", at.to_string()));
      ::close(fd);
      continue;
    }
    absl::Status ready = wait_for(fd, POLLOUT, deadline, "connecting");
    int error = 0;
    socklen_t len = sizeof error;
    if (ready.ok()) ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
    if (!ready.ok() || error != 0) {
      last = ready.ok() ? absl::UnavailableError(absl::StrCat("cannot connect to ", at.to_string(),
                                                              ": ", std::strerror(error)))
                        : ready;
      ::close(fd);
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::freeaddrinfo(found);
    return std::unique_ptr<ClientSocket>(new ClientSocket(fd));
  }
  ::freeaddrinfo(found);
  return last;
}

ClientSocket::~ClientSocket() { close(); }

void ClientSocket::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

absl::Status ClientSocket::write(absl::string_view bytes, Duration timeout) {
  if (fd_ < 0) return absl::FailedPreconditionError("the connection is closed");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (absl::Status s = wait_for(fd_, POLLOUT, deadline, "writing"); !s.ok()) return s;
    } else if (n < 0 && errno != EINTR) {
      return errno_status("write failed");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> ClientSocket::read_some(char* into, size_t n, Duration timeout) {
  if (fd_ < 0) return absl::FailedPreconditionError("the connection is closed");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const ssize_t got = ::recv(fd_, into, n, 0);
    if (got > 0) return static_cast<size_t>(got);
    if (got == 0) return absl::UnavailableError("the server closed the connection");
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (absl::Status s = wait_for(fd_, POLLIN, deadline, "waiting for a reply"); !s.ok()) return s;
    } else if (errno != EINTR) {
      return errno_status("read failed");
    }
  }
}

absl::StatusOr<std::string> ClientSocket::read_frame(Duration timeout) {
  if (fd_ < 0) return absl::FailedPreconditionError("the connection is closed");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    absl::StatusOr<std::optional<absl::string_view>> frame = reader_.next();
    if (!frame.ok()) return frame.status();
    if (frame->has_value()) return std::string(**frame);
    constexpr size_t kChunk = 64 << 10;
    const ssize_t n = ::recv(fd_, reader_.prepare(kChunk), kChunk, 0);
    if (n > 0) {
      reader_.commit(static_cast<size_t>(n));
    } else if (n == 0) {
      return absl::UnavailableError("the server closed the connection");
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (absl::Status s = wait_for(fd_, POLLIN, deadline, "waiting for a reply"); !s.ok()) return s;
    } else if (errno != EINTR) {
      return errno_status("read failed");
    }
  }
}

}  // namespace eddy

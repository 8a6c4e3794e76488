#include "examples/common/child_processes.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <string_view>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"

namespace eddy {
namespace {

// How long stop() waits for a child to exit before it kills it: polls of kStopPoll each. A hang
// guard only (a member still busy under load may take many seconds to stop).
constexpr int kStopPolls = 600;
constexpr std::chrono::milliseconds kStopPoll(50);

// The lowest port the kernel hands out for outgoing connections.
int ephemeral_low() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  return range >> low && low > 1024 ? low : 32768;
}

// Whether `port` on 127.0.0.1 can be bound now. No SO_REUSEADDR: a port whose connections are
// still in TIME_WAIT is skipped too.
bool can_bind(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return bound;
}

// Waits (bounded) for `pid` to exit; its wait status, or empty if it is still running.
std::optional<int> reap(pid_t pid) {
  for (int poll = 0; poll < kStopPolls; ++poll) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) return status;
    std::this_thread::sleep_for(kStopPoll);
  }
  return std::nullopt;
}

// "exit status 1", "killed by signal 9".
std::string describe(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exit status ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return absl::StrCat("killed by signal ", WTERMSIG(status));
  return absl::StrCat("wait status ", status);
}

}  // namespace

absl::StatusOr<std::vector<uint16_t>> free_ports(size_t count) {
  const int high = ephemeral_low();
  const int low = std::max(1024, high - 20000);
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> pick(low, high - 1);
  std::vector<uint16_t> ports;
  for (int attempt = 0; attempt < 1000 && ports.size() < count; ++attempt) {
    const auto port = static_cast<uint16_t>(pick(rng));
    if (std::find(ports.begin(), ports.end(), port) == ports.end() && can_bind(port)) {
      ports.push_back(port);
    }
  }
  if (ports.size() < count) {
    return absl::ResourceExhaustedError(absl::StrCat("found only ", ports.size(), " of ", count,
                                                     " free ports in ", low, "..", high - 1));
  }
  return ports;
}

ChildProcesses::ChildProcesses(std::string program, std::string log_dir)
    : program_(std::move(program)), log_dir_(std::move(log_dir)) {}

ChildProcesses::~ChildProcesses() { stop_all(); }

absl::Status ChildProcesses::start(const std::string& name, std::vector<std::string> args) {
  children_.push_back(Child{name, std::move(args)});
  return spawn(children_.back(), /*truncate=*/true);
}

absl::StatusOr<int> ChildProcesses::stop(const std::string& name, int signal) {
  Child* child = find(name);
  if (child == nullptr || child->pid < 0) {
    return absl::NotFoundError(absl::StrCat("no child '", name, "' is running"));
  }
  ::kill(child->pid, signal);
  return finish(*child);
}

absl::Status ChildProcesses::restart(const std::string& name) {
  Child* child = find(name);
  if (child == nullptr) return absl::NotFoundError(absl::StrCat("no child '", name, "'"));
  if (child->pid >= 0) {
    return absl::FailedPreconditionError(absl::StrCat("child '", name, "' is still running"));
  }
  return spawn(*child, /*truncate=*/false);
}

pid_t ChildProcesses::pid(const std::string& name) const {
  for (const Child& child : children_) {
    if (child.name == name) return child.pid;
  }
  return -1;
}

std::string ChildProcesses::log_path(const std::string& name) const {
  return absl::StrCat(log_dir_, "/", name, ".log");
}

bool ChildProcesses::stop_all() {
  // Signal every child first, so that they stop side by side, then reap them in order.
  for (const Child& child : children_) {
    if (child.pid >= 0) ::kill(child.pid, SIGTERM);
  }
  bool clean = true;
  for (Child& child : children_) {
    if (child.pid < 0) continue;
    const int status = finish(child);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) continue;
    clean = false;
    std::cout << "\n  " << child.name << " did not stop cleanly (" << describe(status)
              << "); its log:\n";
    std::ifstream log(log_path(child.name));
    std::cout << log.rdbuf() << std::flush;
  }
  return clean;
}

int ChildProcesses::finish(Child& child) {
  std::optional<int> status = reap(child.pid);
  if (!status) {
    ::kill(child.pid, SIGKILL);  // It cannot ignore this one, so the wait below ends.
    status = 0;
    ::waitpid(child.pid, &*status, 0);
  }
  child.pid = -1;
  return *status;
}

ChildProcesses::Child* ChildProcesses::find(const std::string& name) {
  for (Child& child : children_) {
    if (child.name == name) return &child;
  }
  return nullptr;
}

absl::Status ChildProcesses::spawn(Child& child, bool truncate) {
  const std::string log = log_path(child.name);
  // Everything the child uses is prepared before fork: between fork and exec only
  // async-signal-safe calls are safe in a process that may have other threads.
  const int fd =
      ::open(log.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : O_APPEND), 0644);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("cannot open ", log, ": ", std::strerror(errno)));
  }
  if (!truncate) {
    // Marks where the second run's output starts in the shared log.
    const std::string mark = "---- started again with the same arguments ----\n";
    (void)!::write(fd, mark.data(), mark.size());
  }
  std::vector<char*> argv{program_.data()};
  for (std::string& arg : child.args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t driver = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int error = errno;
    ::close(fd);
    return absl::InternalError(
        absl::StrCat("cannot fork ", child.name, ": ", std::strerror(error)));
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != driver) ::_exit(127);  // The driver died before prctl took effect.
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fd);
  child.pid = pid;
  return absl::OkStatus();
}

bool started_as_instance(int argc, char** argv) {
  return std::any_of(argv, argv + argc, [](const char* a) {
    const std::string_view arg = a;
    return arg.rfind("--topology", 0) == 0 || arg.rfind("--print", 0) == 0;
  });
}

}  // namespace eddy

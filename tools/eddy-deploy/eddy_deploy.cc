// eddy-deploy: starts every instance of a topology on this host and runs them together.
//
//   eddy-deploy TOPOLOGY [--duration=SECONDS] -- BINARY [ARGS...]
//
// Each instance runs `BINARY ARGS --topology TOPOLOGY --location NAME [--member N]`. Their
// output is merged line by line onto stdout, each line prefixed with the instance's name.
// Ctrl-C (SIGINT) or SIGTERM is passed on to every instance. If an instance exits while the
// others run, eddy-deploy reports which and how, stops the rest, and exits 1. With --duration
// it stops everything after that many seconds. Exit status: 0 when every instance stopped
// cleanly when asked, 1 otherwise, 2 for usage errors.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "dataflow/deploy/topology.h"

namespace {

struct Child {
  std::string name;
  pid_t pid = -1;
  int out_fd = -1;  // the child's stdout and stderr, merged
  std::string partial;
  bool exited = false;
  int status = 0;
};

void print_line(const std::string& prefix, std::string line) {
  // Instances prefix their own log lines with their name; once is enough.
  if (line.rfind(prefix + " ", 0) == 0) line.erase(0, prefix.size() + 1);
  const std::string out = absl::StrCat("[", prefix, "] ", line, "\n");
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exited with status ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return absl::StrCat("was killed by signal ", WTERMSIG(status), " (", strsignal(WTERMSIG(status)),
                        ")");
  }
  return "stopped";
}

bool spawn(Child& child, const std::vector<std::string>& argv, const sigset_t& parent_mask) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  const pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    sigprocmask(SIG_SETMASK, &parent_mask, nullptr);
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    std::fprintf(stderr, "cannot run %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  close(fds[1]);
  child.pid = pid;
  child.out_fd = fds[0];
  fcntl(child.out_fd, F_SETFL, fcntl(child.out_fd, F_GETFL) | O_NONBLOCK);
  return true;
}

// Reads what the child wrote and prints every complete line; at end of stream, the rest.
void drain(Child& child) {
  char buffer[16384];
  while (true) {
    const ssize_t n = read(child.out_fd, buffer, sizeof buffer);
    if (n > 0) {
      child.partial.append(buffer, static_cast<size_t>(n));
      size_t newline;
      while ((newline = child.partial.find('\n')) != std::string::npos) {
        print_line(child.name, child.partial.substr(0, newline));
        child.partial.erase(0, newline + 1);
      }
      continue;
    }
    if (n == 0) {
      if (!child.partial.empty()) print_line(child.name, child.partial);
      child.partial.clear();
      close(child.out_fd);
      child.out_fd = -1;
    }
    return;
  }
}

int usage() {
  std::cerr << "usage: eddy-deploy TOPOLOGY [--duration=SECONDS] -- BINARY [ARGS...]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string topology_path;
  double duration = 0;
  std::vector<std::string> command;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") {
      command.assign(argv + i + 1, argv + argc);
      break;
    }
    if (arg.rfind("--duration=", 0) == 0) {
      if (!absl::SimpleAtod(arg.substr(11), &duration) || duration <= 0) return usage();
    } else if (topology_path.empty() && arg[0] != '-') {
      topology_path = arg;
    } else {
      return usage();
    }
  }
  if (topology_path.empty() || command.empty()) return usage();
  absl::StatusOr<eddy::Topology> topology = eddy::Topology::load(topology_path);
  if (!topology.ok()) {
    std::cerr << "eddy-deploy: " << topology.status().message() << "\n";
    return 2;
  }

  // SIGINT, SIGTERM and SIGCHLD arrive through a signalfd, so one poll() waits for everything.
  sigset_t handled, parent_mask;
  sigemptyset(&handled);
  sigaddset(&handled, SIGINT);
  sigaddset(&handled, SIGTERM);
  sigaddset(&handled, SIGCHLD);
  sigprocmask(SIG_BLOCK, &handled, &parent_mask);
  const int signals = signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK);

  std::vector<Child> children;
  for (const eddy::LocationTopology& location : topology->locations) {
    if (location.kind == eddy::internal::LocationKind::kExternal) continue;
    const bool cluster = location.kind == eddy::internal::LocationKind::kCluster;
    for (size_t m = 0; m < location.instances.size(); ++m) {
      Child child;
      child.name = cluster ? absl::StrCat(location.name, "/", m) : location.name;
      std::vector<std::string> argv = command;
      argv.insert(argv.end(), {"--topology", topology_path, "--location", location.name});
      if (cluster) argv.insert(argv.end(), {"--member", std::to_string(m)});
      if (!spawn(child, argv, parent_mask)) {
        std::cerr << "eddy-deploy: cannot start " << child.name << ": " << std::strerror(errno)
                  << "\n";
        return 1;
      }
      children.push_back(std::move(child));
    }
  }
  print_line("eddy-deploy", absl::StrCat("started ", children.size(), " instances from ",
                                         topology_path));

  const auto started = std::chrono::steady_clock::now();
  bool stopping = false;
  bool failed = false;
  auto stop_all = [&](int signal) {
    stopping = true;
    for (Child& c : children) {
      if (!c.exited) kill(c.pid, signal);
    }
  };
  std::chrono::steady_clock::time_point kill_at{};
  size_t running = children.size();
  while (running > 0 || std::any_of(children.begin(), children.end(),
                                    [](const Child& c) { return c.out_fd >= 0; })) {
    std::vector<pollfd> fds{{signals, POLLIN, 0}};
    for (const Child& c : children) {
      if (c.out_fd >= 0) fds.push_back({c.out_fd, POLLIN, 0});
    }
    poll(fds.data(), fds.size(), 100);
    for (Child& c : children) {
      if (c.out_fd >= 0) drain(c);
    }
    signalfd_siginfo info;
    while (read(signals, &info, sizeof info) == sizeof info) {
      if (info.ssi_signo == SIGINT || info.ssi_signo == SIGTERM) {
        print_line("eddy-deploy", absl::StrCat("stopping every instance (", strsignal(info.ssi_signo),
                                               ")"));
        stop_all(static_cast<int>(info.ssi_signo));
        kill_at = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      }
    }
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      for (Child& c : children) {
        if (c.pid != pid) continue;
        c.exited = true;
        c.status = status;
        --running;
        const bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (!stopping) {
          print_line("eddy-deploy", absl::StrCat(c.name, " ", describe_status(status),
                                                 " while the others ran; stopping everything"));
          failed = true;
          stop_all(SIGTERM);
          kill_at = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        } else if (!clean) {
          print_line("eddy-deploy", absl::StrCat(c.name, " ", describe_status(status)));
          failed = true;
        }
      }
    }
    const auto now = std::chrono::steady_clock::now();
    if (!stopping && duration > 0 &&
        now - started >= std::chrono::duration<double>(duration)) {
      print_line("eddy-deploy", absl::StrCat("stopping every instance after ", duration, "s"));
      stop_all(SIGTERM);
      kill_at = now + std::chrono::seconds(10);
    }
    if (stopping && running > 0 && now >= kill_at) {
      print_line("eddy-deploy", "instances still running 10s after being asked to stop: killing them");
      stop_all(SIGKILL);
      failed = true;
      kill_at = now + std::chrono::hours(1);
    }
  }
  print_line("eddy-deploy", failed ? "done, with failures" : "done");
  return failed ? 1 : 0;
}

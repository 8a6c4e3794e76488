// Child processes for the examples that run a flow as several OS processes on this host
// (examples/replicated, examples/cluster_state). Such an example binary is both the driver and
// each instance: the driver picks free loopback ports (free_ports), writes a topology, starts
// itself once per instance with --topology ... (ChildProcesses), talks to the instances as a
// client would, and stops them.
//
// Each child runs one program with its own arguments; its stdout and stderr go to one log file,
// and it dies with the driver (PR_SET_PDEATHSIG), so a driver that crashes or is killed leaves
// no instance behind holding a port. A child can be stopped and started again with the same
// arguments, as a crashed or upgraded instance would be.
//
// Not thread safe: one thread starts, stops and waits for the children. Linux only.
#ifndef EDDY_EXAMPLES_COMMON_CHILD_PROCESSES_H_
#define EDDY_EXAMPLES_COMMON_CHILD_PROCESSES_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace eddy {

// `count` distinct TCP ports on 127.0.0.1 that nothing listens on now. They are picked at random
// below the kernel's ephemeral port range, so that no outgoing connection (of an instance
// dialling its peers) can take one before the instance meant to listen on it binds it. Another
// program could still take one first; that instance then fails to start and says so in its log.
// ResourceExhausted when no free ports were found.
absl::StatusOr<std::vector<uint16_t>> free_ports(size_t count);

// True when this run of an example binary is one of its instances (started with --topology,
// or asked to --print its flow) rather than the driver.
bool started_as_instance(int argc, char** argv);

class ChildProcesses {
 public:
  // Children run `program` (a path execv accepts) and log to `log_dir`/<name>.log.
  // REQUIRES: `log_dir` exists.
  ChildProcesses(std::string program, std::string log_dir);
  // Stops the children still running, as stop_all() does.
  ~ChildProcesses();
  ChildProcesses(const ChildProcesses&) = delete;
  ChildProcesses& operator=(const ChildProcesses&) = delete;

  // Starts child `name` as `program args...`, its log file emptied first. Internal when the
  // log cannot be opened or fork fails (a failed exec shows as exit status 127).
  // REQUIRES: no child `name` was started before.
  absl::Status start(const std::string& name, std::vector<std::string> args);
  // Sends `signal` to child `name` and reaps it; returns its wait status (sys/wait.h). A child
  // that ignores the signal is killed (SIGKILL) after a bounded wait. The child can then be
  // restart()ed. NotFound when no child `name` is running.
  absl::StatusOr<int> stop(const std::string& name, int signal);
  // Starts child `name` again with the arguments it was first started with, appending to its
  // log. NotFound for a name never started; FailedPrecondition while it still runs; Internal
  // as start().
  absl::Status restart(const std::string& name);

  // The process id of running child `name`, or -1.
  pid_t pid(const std::string& name) const;
  // The log file of child `name` (whether or not it was started).
  std::string log_path(const std::string& name) const;

  // Stops every running child (SIGTERM, as stop()); returns whether each exited with status 0.
  // For each that did not, prints its name, wait status and log to stdout.
  bool stop_all();

 private:
  struct Child {
    std::string name;
    std::vector<std::string> args;
    pid_t pid = -1;  // -1 while not running.
  };

  Child* find(const std::string& name);
  // Reaps a signalled child: its wait status. Kills it (SIGKILL) if it has not exited after a
  // bounded wait.
  int finish(Child& child);
  // Forks and execs `child`; `truncate` empties its log first.
  absl::Status spawn(Child& child, bool truncate);

  std::string program_;
  std::string log_dir_;
  std::vector<Child> children_;  // In start order, which stop_all() keeps.
};

}  // namespace eddy

#endif  // EDDY_EXAMPLES_COMMON_CHILD_PROCESSES_H_

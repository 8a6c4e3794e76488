#include "dataflow/deploy/run_main.h"

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "dataflow/core/in_process_runner.h"
#include "dataflow/core/log.h"
#include "dataflow/deploy/flag_names.h"
#include "dataflow/deploy/tcp_runner.h"
#include "dataflow/deploy/topology.h"

ABSL_FLAG(std::string, print_graph, "",
          "print the flow's graph (mermaid or dot; bare flag means mermaid) and exit");
ABSL_FLAG(std::string, cluster_size, "",
          "members per cluster for an in-process run, as NAME=N[,NAME=N...]");
ABSL_FLAG(uint64_t, seed, 0, "seed of every instance's random generator");
ABSL_FLAG(std::string, topology, "",
          "a topology file (docs/topology.md): run one instance of the flow over TCP");
ABSL_FLAG(std::string, location, "", "with --topology: the process or cluster to run");
ABSL_FLAG(uint32_t, member, 0, "with --topology: which member of the cluster to run");
ABSL_FLAG(int32_t, admin_port, -1,
          "with --topology: serve /metrics, /graph and /healthz on this port (0 picks one)");

namespace eddy {
namespace {

// "--print-graph" (no value) means mermaid; absl wants a value for string flags.
std::string normalize_flag(std::string arg) {
  underscore_flag_name(&arg);
  if (arg == "--print_graph") arg = "--print_graph=mermaid";
  return arg;
}

absl::Status parse_cluster_sizes(const std::string& text, std::map<std::string, uint32_t>* sizes) {
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    std::vector<std::string> parts = absl::StrSplit(item, '=');
    uint32_t n = 0;
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[1], &n)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--cluster-size expects NAME=N, got '", std::string(item), "'"));
    }
    (*sizes)[parts[0]] = n;
  }
  return absl::OkStatus();
}

bool has_open_inputs(const Flow& flow) {
  for (internal::NodeId id = 0; id < flow.graph().size(); ++id) {
    if (flow.graph().node(id).open_input()) return true;
  }
  return false;
}

// Blocks SIGINT and SIGTERM in this thread (and the threads it starts later) and waits for one.
class SignalWaiter {
 public:
  SignalWaiter() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  }
  int wait() {
    int signal = 0;
    sigwait(&set_, &signal);
    return signal;
  }

 private:
  sigset_t set_;
};

int run_in_process(const Flow& flow, std::map<std::string, uint32_t> sizes) {
  RunOptions options;
  options.cluster_sizes = std::move(sizes);
  options.seed = absl::GetFlag(FLAGS_seed);
  if (!has_open_inputs(flow)) {
    auto runner = InProcessRunner::create(flow, std::move(options));
    if (!runner.ok()) {
      std::cerr << "error: " << runner.status().message() << "\n";
      return 2;
    }
    (*runner)->run_until_idle();
    return 0;
  }
  SignalWaiter signals;  // before any thread starts, so none of them takes the signal
  auto runner = InProcessRunner::create(flow, std::move(options));
  if (!runner.ok()) {
    std::cerr << "error: " << runner.status().message() << "\n";
    return 2;
  }
  (*runner)->start();
  const int signal = signals.wait();
  EDDY_LOG(kInfo, "stopping on signal ", signal);
  (*runner)->stop();
  return 0;
}

int run_over_tcp(const Flow& flow) {
  absl::StatusOr<Topology> topology = Topology::load(absl::GetFlag(FLAGS_topology));
  if (!topology.ok()) {
    std::cerr << "error: " << topology.status().message() << "\n";
    return 2;
  }
  if (absl::GetFlag(FLAGS_location).empty()) {
    std::cerr << "error: --topology needs --location (and --member for a cluster)\n";
    return 2;
  }
  TcpRunOptions options;
  options.location = absl::GetFlag(FLAGS_location);
  options.member = absl::GetFlag(FLAGS_member);
  options.seed = absl::GetFlag(FLAGS_seed);
  if (const int32_t port = absl::GetFlag(FLAGS_admin_port); port >= 0) {
    options.admin_port = static_cast<uint16_t>(port);
  }
  return run_instance(flow, *topology, std::move(options));
}

}  // namespace

int run_instance(const Flow& flow, const Topology& topology, TcpRunOptions options) {
  // Whoever reads this process's output (eddy-deploy, a log collector) gets whole lines as
  // they are written, not a block at exit.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  SignalWaiter signals;  // before any thread starts
  absl::StatusOr<std::unique_ptr<TcpRunner>> runner =
      TcpRunner::start(flow, topology, std::move(options));
  if (!runner.ok()) {
    std::cerr << "error: " << runner.status().message() << "\n";
    return 2;
  }
  const int signal = signals.wait();
  EDDY_LOG(kInfo, "stopping on signal ", signal);
  (*runner)->stop();
  return 0;
}

std::vector<char*> parse_command_line(int argc, char** argv, std::string_view usage) {
  static std::vector<std::string>* storage = nullptr;
  static std::vector<char*> positional;
  if (storage != nullptr) return positional;
  // Abseil's --help lists only flags defined in a file named after the binary; ours have '-'
  // where their files have '_'. List every flag not defined by Abseil itself.
  absl::FlagsUsageConfig config;
  config.contains_help_flags = [](absl::string_view file) {
    return !absl::StrContains(file, "absl/");
  };
  config.contains_helpshort_flags = config.contains_help_flags;
  absl::SetFlagsUsageConfig(config);
  const std::string_view path = argc > 0 ? argv[0] : "eddy";
  const std::string program(path.substr(path.rfind('/') + 1));  // npos + 1 is 0
  absl::SetProgramUsageMessage(usage.empty() ? absl::StrCat(program, " [--flag=value ...]")
                                             : std::string(usage));
  storage = new std::vector<std::string>();  // lives for the process: argv points into it
  for (int i = 0; i < argc; ++i) storage->push_back(i == 0 ? argv[i] : normalize_flag(argv[i]));
  std::vector<char*> args;
  for (std::string& s : *storage) args.push_back(s.data());
  positional = absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  return positional;
}

int run_main(const Flow& flow, int argc, char** argv, MainOptions defaults) {
  parse_command_line(argc, argv);
  if (absl::Status status = flow.validate(); !status.ok()) {
    std::cerr << "error: this flow cannot run: " << status.message() << "\n";
    return 2;
  }
  const std::string graph_format = absl::GetFlag(FLAGS_print_graph);
  if (!graph_format.empty()) {
    if (graph_format == "mermaid") {
      std::cout << flow.to_mermaid();
    } else if (graph_format == "dot") {
      std::cout << flow.to_dot();
    } else {
      std::cerr << "error: --print-graph takes mermaid or dot, not '" << graph_format << "'\n";
      return 2;
    }
    return 0;
  }
  if (!absl::GetFlag(FLAGS_topology).empty()) return run_over_tcp(flow);
  std::map<std::string, uint32_t> sizes = defaults.cluster_sizes;
  if (absl::Status status = parse_cluster_sizes(absl::GetFlag(FLAGS_cluster_size), &sizes);
      !status.ok()) {
    std::cerr << "error: " << status.message() << "\n";
    return 2;
  }
  return run_in_process(flow, std::move(sizes));
}

}  // namespace eddy

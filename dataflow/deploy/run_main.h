// run_main: the entry point of every eddy binary.
//
//   int main(int argc, char** argv) {
//     eddy::Flow flow;  ... build ...
//     return eddy::run_main(flow, argc, argv, {.cluster_sizes = {{"workers", 3}}});
//   }
//
// Flags (absl flags; a name may be written with '-' or '_'):
//   --print-graph[=mermaid|dot]   print the graph and exit
//   --cluster-size=NAME=N,...     members per cluster for an in-process run
//   --seed=S                      seeds every instance's Rng
//   --topology=FILE --location=NAME [--member=N] [--admin-port=P]
//                                 run one instance over TCP, placed by a topology file
//                                 (docs/topology.md), until SIGINT or SIGTERM
// With no topology the whole flow runs in this process: a flow with no open inputs (host
// channels, client ports, timers) runs until idle and returns 0; any other runs until SIGINT or
// SIGTERM. Returns a process exit status; errors are printed to stderr.
#ifndef EDDY_DATAFLOW_DEPLOY_RUN_MAIN_H_
#define EDDY_DATAFLOW_DEPLOY_RUN_MAIN_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dataflow/deploy/tcp_runner.h"
#include "dataflow/deploy/topology.h"
#include "dataflow/flow.h"

namespace eddy {

struct MainOptions {
  // Members per cluster when the command line does not say.
  std::map<std::string, uint32_t> cluster_sizes;
};

// Parses the command line once (later calls return the same result): absl flags, with '-' in
// flag names accepted as '_'. Binaries that read flags of their own before building their flow
// call this first. Returns the positional arguments (argv[0] first). `--help` prints `usage`
// (default: the program's name and "[--flag=value ...]") and every flag this project defines,
// with its default and meaning.
std::vector<char*> parse_command_line(int argc, char** argv, std::string_view usage = "");

int run_main(const Flow& flow, int argc, char** argv, MainOptions defaults = {});

// Runs one instance of `flow` placed by `topology` over TCP until SIGINT or SIGTERM (what
// run_main does with --topology). Returns a process exit status; errors go to stderr.
int run_instance(const Flow& flow, const Topology& topology, TcpRunOptions options);

}  // namespace eddy

#endif  // EDDY_DATAFLOW_DEPLOY_RUN_MAIN_H_

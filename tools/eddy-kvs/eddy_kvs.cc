// eddy-kvs: eddy's key-value store, speaking the Redis protocol.
//
//   build/bin/eddy-kvs --mode=local [--resp-port=6380]
//       one process: connect with redis-cli -p 6380
//   build/bin/eddy-kvs --mode=replicated --topology=FILE --location=NAME [--member=N]
//       one instance of a replicated store (a "coordinator" process, a "members" cluster and
//       "clients" with port "resp" in the topology); start them all with
//       build/bin/eddy-deploy FILE -- build/bin/eddy-kvs --mode=replicated
//
// --lattice=lww|causal picks the value type; --max-value-bytes refuses bigger values;
// --anti-entropy-ms and --anti-entropy-buckets tune the members' periodic repair. Every instance
// of one store must be started with the same flags (the flow's fingerprint covers them).
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "dataflow/deploy/run_main.h"
#include "kvs/servers/kvs_server.h"

ABSL_FLAG(std::string, mode, "local", "local (one process) or replicated (coordinator + members)");
ABSL_FLAG(std::string, lattice, "lww", "value type: lww (last writer wins) or causal (siblings)");
ABSL_FLAG(int32_t, resp_port, 6380, "local mode without --topology: the Redis-protocol port");
ABSL_FLAG(uint64_t, max_value_bytes, 4 << 20, "values larger than this are refused");
ABSL_FLAG(int64_t, anti_entropy_ms, 1000,
          "replicated: members compare tables and repair differences this often (0: never)");
ABSL_FLAG(uint32_t, anti_entropy_buckets, 1024,
          "replicated: buckets per table summary (more: bigger summaries, smaller repairs)");

int main(int argc, char** argv) {
  eddy::parse_command_line(argc, argv);
  eddy::kvs::KvsOptions options;
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode == "local") {
    options.mode = eddy::kvs::KvsOptions::Mode::kLocal;
  } else if (mode == "replicated") {
    options.mode = eddy::kvs::KvsOptions::Mode::kReplicated;
  } else {
    std::cerr << "error: --mode must be local or replicated, not '" << mode << "'\n";
    return 2;
  }
  options.lattice = absl::GetFlag(FLAGS_lattice);
  options.limits.max_value_bytes = absl::GetFlag(FLAGS_max_value_bytes);
  options.anti_entropy.interval = std::chrono::milliseconds(absl::GetFlag(FLAGS_anti_entropy_ms));
  options.anti_entropy.buckets = absl::GetFlag(FLAGS_anti_entropy_buckets);
  eddy::Flow flow;
  if (absl::Status s = eddy::kvs::build_kvs(flow, options); !s.ok()) {
    std::cerr << "error: " << s.message() << "\n";
    return 2;
  }
  const bool has_topology = std::any_of(argv, argv + argc, [](const char* a) {
    return std::string(a).rfind("--topology", 0) == 0;
  });
  if (options.mode == eddy::kvs::KvsOptions::Mode::kLocal && !has_topology) {
    // One process, listening for Redis clients on --resp-port.
    auto topology = eddy::Topology::parse(
        absl::StrCat("locations:\n  coordinator:\n    process: 127.0.0.1:0\n  clients:\n"
                     "    ports:\n      resp: 127.0.0.1:",
                     absl::GetFlag(FLAGS_resp_port), "\n"),
        ".", "eddy-kvs");
    if (!topology.ok()) {
      std::cerr << "error: " << topology.status().message() << "\n";
      return 2;
    }
    std::cout << "eddy-kvs (local, " << options.lattice << ") on 127.0.0.1:"
              << absl::GetFlag(FLAGS_resp_port) << ": redis-cli -p "
              << absl::GetFlag(FLAGS_resp_port) << std::endl;
    eddy::TcpRunOptions run;
    run.location = eddy::kvs::kCoordinator;
    return eddy::run_instance(flow, *topology, run);
  }
  return eddy::run_main(flow, argc, argv);
}

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
// --anti-entropy-ms and --anti-entropy-buckets tune the members' periodic repair; --ack picks
// when writes are acknowledged; --data-dir and --appendfsync make replicas log what they apply
// and recover it on restart (docs/consistency.md says what each setting guarantees). Every
// instance of one store must be started with the same flags (the flow's fingerprint covers them).
#include <unistd.h>

#include <filesystem>
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
ABSL_FLAG(
    int64_t, resend_ms, 1000,
    "replicated: the coordinator resends an op a member has not answered this long (0: never)");
ABSL_FLAG(int64_t, down_after_ms, 3000,
          "replicated: a member the coordinator heard nothing from this long counts as down and "
          "new commands go to the others (0: never; at least twice --resend-ms)");
ABSL_FLAG(uint32_t, anti_entropy_buckets, 1024,
          "replicated: buckets per table summary (more: bigger summaries, smaller repairs)");
ABSL_FLAG(std::string, ack, "local",
          "replicated: acknowledge a write once local (its member), quorum (a majority) or all "
          "members applied it");
ABSL_FLAG(std::string, data_dir, "",
          "keep a write-ahead log in this directory (member-<id>.wal) and recover from it on "
          "start; empty: no log");
ABSL_FLAG(std::string, appendfsync, "everysec",
          "with --data-dir, when the log is synced to disk: always (before acknowledging), "
          "everysec (every --appendfsync-ms) or no (when the OS chooses)");
ABSL_FLAG(int64_t, appendfsync_ms, 1000, "--appendfsync=everysec: the sync interval");

namespace {

// Reads --ack, --data-dir and --appendfsync into `options`; false (after a message) when one
// is not valid.
bool durability_flags(eddy::kvs::KvsOptions& options) {
  using eddy::kvs::AckPolicy;
  using eddy::kvs::FsyncPolicy;
  const std::string ack = absl::GetFlag(FLAGS_ack);
  if (ack == "local") {
    options.ack = AckPolicy::kLocal;
  } else if (ack == "quorum") {
    options.ack = AckPolicy::kQuorum;
  } else if (ack == "all") {
    options.ack = AckPolicy::kAll;
  } else {
    std::cerr << "error: --ack must be local, quorum or all, not '" << ack << "'\n";
    return false;
  }
  const std::string fsync = absl::GetFlag(FLAGS_appendfsync);
  if (fsync == "always") {
    options.wal.fsync = FsyncPolicy::kAlways;
  } else if (fsync == "everysec") {
    options.wal.fsync = FsyncPolicy::kInterval;
  } else if (fsync == "no") {
    options.wal.fsync = FsyncPolicy::kNever;
  } else {
    std::cerr << "error: --appendfsync must be always, everysec or no, not '" << fsync << "'\n";
    return false;
  }
  const int64_t interval_ms = absl::GetFlag(FLAGS_appendfsync_ms);
  if (interval_ms <= 0) {
    std::cerr << "error: --appendfsync-ms must be positive, not " << interval_ms << "\n";
    return false;
  }
  options.wal.interval = std::chrono::milliseconds(interval_ms);
  options.wal.dir = absl::GetFlag(FLAGS_data_dir);
  if (!options.wal.dir.empty()) {
    std::error_code error;
    std::filesystem::create_directories(options.wal.dir, error);
    if (error || ::access(options.wal.dir.c_str(), W_OK | X_OK) != 0) {
      std::cerr << "error: --data-dir " << options.wal.dir << " is not a writable directory"
                << (error ? ": " + error.message() : "") << "\n";
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  eddy::parse_command_line(
      argc, argv,
      "eddy-kvs [--mode=local|replicated] [--flag=value ...]: the key-value store, speaking the "
      "Redis protocol (replicated: run by eddy-deploy with a topology)");
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
  if (absl::GetFlag(FLAGS_resend_ms) < 0 || absl::GetFlag(FLAGS_anti_entropy_ms) < 0 ||
      absl::GetFlag(FLAGS_down_after_ms) < 0) {
    std::cerr << "error: --resend-ms, --down-after-ms and --anti-entropy-ms must be 0 or more\n";
    return 2;
  }
  options.resend_after = std::chrono::milliseconds(absl::GetFlag(FLAGS_resend_ms));
  options.down_after = std::chrono::milliseconds(absl::GetFlag(FLAGS_down_after_ms));
  if (options.down_after > eddy::Duration::zero() &&
      options.down_after < 2 * options.resend_after) {
    std::cerr << "error: --down-after-ms must be 0 or at least twice --resend-ms ("
              << 2 * absl::GetFlag(FLAGS_resend_ms) << ")\n";
    return 2;
  }
  if (!durability_flags(options)) return 2;
  eddy::Flow flow;
  if (absl::Status s = eddy::kvs::build_kvs(flow, options); !s.ok()) {
    std::cerr << "error: " << s.message() << "\n";
    return 2;
  }
  const bool has_topology = std::any_of(
      argv, argv + argc, [](const char* a) { return std::string(a).rfind("--topology", 0) == 0; });
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
    std::cout << "eddy-kvs (local, " << options.lattice
              << ") on 127.0.0.1:" << absl::GetFlag(FLAGS_resp_port) << ": redis-cli -p "
              << absl::GetFlag(FLAGS_resp_port) << std::endl;
    eddy::TcpRunOptions run;
    run.location = eddy::kvs::kCoordinator;
    return eddy::run_instance(flow, *topology, run);
  }
  return eddy::run_main(flow, argc, argv);
}

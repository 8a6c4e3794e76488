// eddy-state-server: the replicated cluster-state service (kvs/servers/cluster_state_server.h)
// as a deployable binary. One flow, three locations: Process "gateway", Cluster "replicas"
// and External "clients" with a RESP port "resp". Start a whole cluster on this host with
//
//   build/bin/eddy-deploy topology.yaml -- build/bin/eddy-state-server
//       --roles=master,worker,worker,leecher                    (one command line)
//
// (docs/topology.md; the topology names the three locations) and talk to it with eddy-state
// or redis-cli (STATE.CALL / STATE.QUERY, kvs/servers/cluster_state_server_commands.h).
//
// --roles gives each replica's role by member id (members past the list are workers);
// --sync-ms how often replicas announce their version vectors (and tell the gateway they are up);
// --reply-timeout-ms how long the gateway waits for a replica before answering a client with an
// error, and after which a silent replica counts as down; --data-dir, --appendfsync and
// --checkpoint-ms make each replica keep its tables in <data-dir>/replica-<id> and recover them
// on start. Every instance must be started with the same flags (the flow's fingerprint covers
// them).
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "dataflow/deploy/run_main.h"
#include "kvs/servers/cluster_state_server.h"

ABSL_FLAG(std::string, roles, "",
          "comma-separated role of each replica by member id: master, worker or leecher "
          "(empty: member 0 master, the others workers)");
ABSL_FLAG(int64_t, sync_ms, 1000, "how often each replica announces its version vector (ms)");
ABSL_FLAG(int64_t, reply_timeout_ms, 5000,
          "how long the gateway waits for a replica's reply before answering with an error, and "
          "how long a silent replica counts as up (ms; at least twice --sync-ms)");
ABSL_FLAG(std::string, data_dir, "",
          "keep each replica's tables in DIR/replica-<id> and recover them on start; empty: "
          "memory only");
ABSL_FLAG(std::string, appendfsync, "everysec",
          "with --data-dir, when the log is synced: always, everysec, <N>ms or no");
ABSL_FLAG(int64_t, checkpoint_ms, 60'000,
          "with --data-dir, write a snapshot and empty the log this often (ms)");

namespace {

// "master,worker,leecher" -> roles; InvalidArgument naming the first unknown role.
absl::StatusOr<std::vector<eddy::kvs::NodeRole>> parse_roles(const std::string& text) {
  std::vector<eddy::kvs::NodeRole> roles;
  if (text.empty()) return roles;
  for (absl::string_view name : absl::StrSplit(text, ',')) {
    std::optional<eddy::kvs::NodeRole> role = eddy::kvs::parse_node_role(std::string(name));
    if (!role) {
      return absl::InvalidArgumentError(
          absl::StrCat("--roles: '", std::string(name), "' is not master, worker or leecher"));
    }
    roles.push_back(*role);
  }
  return roles;
}

// The service's options from the flags; InvalidArgument naming the bad flag.
absl::StatusOr<eddy::kvs::ClusterStateServerOptions> options_from_flags() {
  eddy::kvs::ClusterStateServerOptions options;
  absl::StatusOr<std::vector<eddy::kvs::NodeRole>> roles = parse_roles(absl::GetFlag(FLAGS_roles));
  if (!roles.ok()) return roles.status();
  options.roles = *std::move(roles);
  const int64_t sync_ms = absl::GetFlag(FLAGS_sync_ms);
  if (sync_ms <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("--sync-ms must be positive, not ", sync_ms));
  }
  options.sync_interval = std::chrono::milliseconds(sync_ms);
  const int64_t reply_timeout_ms = absl::GetFlag(FLAGS_reply_timeout_ms);
  if (reply_timeout_ms < 2 * sync_ms) {
    return absl::InvalidArgumentError(
        absl::StrCat("--reply-timeout-ms must be at least twice --sync-ms (", 2 * sync_ms,
                     "), not ", reply_timeout_ms));
  }
  options.reply_timeout = std::chrono::milliseconds(reply_timeout_ms);
  absl::StatusOr<eddy::kvs::StoreFsync> fsync =
      eddy::kvs::parse_store_fsync(absl::GetFlag(FLAGS_appendfsync));
  if (!fsync.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--appendfsync: ", fsync.status().message()));
  }
  options.fsync = *fsync;
  options.checkpoint_interval_ms = absl::GetFlag(FLAGS_checkpoint_ms);
  if (options.checkpoint_interval_ms < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--checkpoint-ms must be 0 or more, not ", options.checkpoint_interval_ms));
  }
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  if (!options.data_dir.empty()) {
    std::error_code error;
    std::filesystem::create_directories(options.data_dir, error);
    if (error) {
      return absl::InvalidArgumentError(
          absl::StrCat("--data-dir ", options.data_dir, ": ", error.message()));
    }
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  eddy::parse_command_line(
      argc, argv,
      "eddy-state-server [--roles=master,worker,...] [--flag=value ...]: the cluster-state "
      "service, run by eddy-deploy with a topology");
  absl::StatusOr<eddy::kvs::ClusterStateServerOptions> options = options_from_flags();
  if (!options.ok()) {
    std::cerr << "error: " << options.status().message() << "\n";
    return 2;
  }
  eddy::Flow flow;
  if (absl::Status s = eddy::kvs::build_cluster_state(flow, *options); !s.ok()) {
    std::cerr << "error: " << s.message() << "\n";
    return 2;
  }
  return eddy::run_main(flow, argc, argv);
}

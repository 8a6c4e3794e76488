// The replicated cluster-state service (DESIGN.md section 5) as a flow:
//
//   External "clients" --RESP--> Process "gateway" --demux--> Cluster "replicas"
//                                      ^                          |   ^
//                                      +------- send(gateway) ----+   | demux (sync, forwards)
//                                                                  +--+
//
// The gateway (cluster_state_server_gateway.h) reads each client's RESP commands
// (STATE.CALL / STATE.QUERY, cluster_state_server_commands.h for operations, queries and
// fields), routes each to one replica (a given id, or round-robin over the replicas that keep
// the tables it needs), and releases the replies to each connection in that connection's order.
// Each member of "replicas" (N chosen at deploy time) runs a ClusterStateReplica
// (cluster_state_server_replica.h) as the state of a scan over its merged events: commands
// from the gateway, sync messages and assignment forwards from the other replicas, and a timer
// every `sync_interval` that announces its version vector. Operations take `now` from the
// tick's start (the injected Clock), never from the system clock directly, so the simulator
// controls time; deployed, the instance's clock is a WallClock (dataflow/core/clock.h), so TimeMs
// fields are Unix milliseconds, as they are in an `eddy-state --data-dir` replica.
//
// Deviation from DESIGN.md section 5, which models the four tables as replicated keyed
// singletons: here the four tables live in one ClusterState value inside one scan per
// replica, so an operation validates across tables (assign_task checks the task and the node)
// and commits atomically within a tick; the replicated unit is the ClusterState delta.
//
// Roles: options.roles by member id (master | worker | leecher); default member 0 master, all
// others workers. The master decides assignments: assign_task at another replica is forwarded
// to it, so concurrent assignments at different replicas never both succeed. Leechers keep
// nodes and metadata only (SyncScope::kNodesAndMetadata), serve queries on them, and take no
// calls.
//
// Delivery: links between replicas may lose, delay and reorder (sync repairs them; forwards are
// resent). A replica that is down, or a command or reply lost between the gateway and a
// replica, costs the client at most `reply_timeout`: the gateway answers with an error naming
// the replica (a query routed by `any` is asked of another replica first), and routes `any`
// around replicas it has not heard from for that long (cluster_state_server_gateway.h). The
// gateway does not resend calls: a call may have been applied by a replica that died before
// answering, and its error says so.
#ifndef EDDY_KVS_SERVERS_CLUSTER_STATE_SERVER_H_
#define EDDY_KVS_SERVERS_CLUSTER_STATE_SERVER_H_

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "dataflow/external_port.h"
#include "dataflow/flow.h"
#include "kvs/cluster_state/persistence.h"
#include "kvs/cluster_state/types.h"
#include "kvs/protocol/resp_codec.h"

namespace eddy::kvs {

struct ClusterStateServerOptions {
  // Role of each member by id; members past the end are workers. Empty: member 0 is the
  // master, the others workers.
  std::vector<NodeRole> roles;
  // How often each replica announces its version vector (and resends unanswered forwards).
  // REQUIRES: > 0.
  Duration sync_interval = std::chrono::seconds(1);
  // How long the gateway waits for a replica's reply before answering the client with an
  // error, and how long a replica may be silent before the gateway counts it as down.
  // REQUIRES: at least 2 * sync_interval (replicas say they are up on each sync).
  Duration reply_timeout = std::chrono::seconds(5);
  // Non-empty: each replica keeps its tables in <data_dir>/replica-<id> (persistence.h) and
  // recovers them when it starts.
  std::string data_dir;
  StoreFsync fsync;
  TimeMs checkpoint_interval_ms = 60'000;
};

inline constexpr char kStateGateway[] = "gateway";
inline constexpr char kStateReplicas[] = "replicas";
inline constexpr char kStateClients[] = "clients";
inline constexpr char kStateRespPort[] = "resp";

// Adds the service to `flow`, and sets `*port` (when given) to its RESP client port, for
// in-process clients (tests, the simulator). InvalidArgument for a sync_interval that is not
// positive, or a reply_timeout below twice it.
absl::Status build_cluster_state(Flow& flow, const ClusterStateServerOptions& options,
                                 std::optional<ExternalPort<RespRequest, RespOut>>* port = nullptr);

}  // namespace eddy::kvs

#endif  // EDDY_KVS_SERVERS_CLUSTER_STATE_SERVER_H_

// ClusterStateReplica: what one member of the cluster-state service's Cluster "replicas" does
// with each event (cluster_state_server.h): client commands routed to it by the gateway, sync
// messages from the other replicas, and its sync timer. Engine-free: the flow runs it in a scan
// and routes the actions it emits.
//
// Sync (DESIGN.md section 5, announce -> request -> update): on each timer a replica sends
// every other replica a SyncAnnounce with its version vector; a replica receiving one answers
// the sender with delta_since(that vector) (leecher_delta_since to a leecher), when non-empty;
// a replica receiving a Delta applies it. After each local change a replica also pushes the
// change (delta_since its vector before the change; to a leecher, the leecher-scoped part) to
// every other replica. Deltas are idempotent: loss, duplication and reordering are safe, and
// the announces repair what was lost.
//
// Assignment is decided by the master: assign_task at another replica is forwarded to the
// master (AssignForward), which runs it and answers (AssignResult); the forwarding replica then
// answers the client. Forwards not answered after `resend_after_ms` are sent again on the
// timer; the master remembers what it decided for each (replica, forward id), so a resent
// forward is answered with the same result and never assigns twice.
//
// On each timer a replica also tells the gateway it is up (ReplicaAlive), so that the gateway
// can answer at once for a replica that is down (cluster_state_server_gateway.h).
//
// Leechers keep nodes and metadata only and take no calls (the gateway sends them none).
// Not thread safe: one location instance's tick loop owns a replica.
#ifndef EDDY_KVS_SERVERS_CLUSTER_STATE_SERVER_REPLICA_H_
#define EDDY_KVS_SERVERS_CLUSTER_STATE_SERVER_REPLICA_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "cereal/types/utility.hpp"
#include "cereal/types/vector.hpp"
#include "dataflow/core/ids.h"
#include "kvs/cluster_state/cluster_state.h"
#include "kvs/cluster_state/persistence.h"
#include "kvs/servers/cluster_state_server_commands.h"

namespace eddy::kvs {

// Gateway -> replica: one client command.
struct StateRequest {
  uint64_t conn = 0;  // The client connection (ConnectionId::raw).
  uint64_t seq = 0;   // Its place among that connection's commands.
  bool query = false;
  std::string name;  // The operation or query.
  StateFields fields;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(conn, seq, query, name, fields);
  }
};

// Replica -> gateway: the RESP bytes answering request (conn, seq).
struct StateReply {
  uint64_t conn = 0;
  uint64_t seq = 0;
  std::string resp;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(conn, seq, resp);
  }
};

// Replica -> gateway, on each sync timer: the replica is up. The gateway routes `any` only to
// replicas it heard from lately, and tells a client at once that a replica it names is down.
struct ReplicaAlive {
  template <class Archive>
  void serialize(Archive&) {}
};
using ToGateway = std::variant<StateReply, ReplicaAlive>;

// Replica -> replica messages.
struct SyncAnnounce {
  VersionVector version;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(version);
  }
};
struct AssignForward {
  uint64_t id = 0;  // Unique per forwarding replica.
  std::string task_id;
  std::string node_id;  // Empty: the master picks.

  template <class Archive>
  void serialize(Archive& archive) {
    archive(id, task_id, node_id);
  }
};
struct AssignResult {
  uint64_t id = 0;
  std::string resp;  // The RESP reply for the client.

  template <class Archive>
  void serialize(Archive& archive) {
    archive(id, resp);
  }
};
using PeerMessage = std::variant<SyncAnnounce, Delta, AssignForward, AssignResult>;

// A replica's inputs.
struct PeerEvent {
  uint32_t from = 0;
  PeerMessage message;
};
struct SyncTimer {};
using ReplicaEvent = std::variant<StateRequest, PeerEvent, SyncTimer>;

// A replica's outputs: a reply for the gateway, a message for another replica, or a word to
// the gateway that it is up.
using PeerOut = std::pair<MemberId, PeerMessage>;
using ReplicaAction = std::variant<StateReply, PeerOut, ReplicaAlive>;

// The role of member `member` under `roles` (ClusterStateServerOptions::roles): roles[member]
// when given; otherwise master for member 0 when `roles` is empty, worker for everyone else.
NodeRole replica_role(const std::vector<NodeRole>& roles, uint32_t member);
// The first master among `count` members, or empty when there is none.
std::optional<uint32_t> master_replica(const std::vector<NodeRole>& roles, uint32_t count);
// "replica-<member>": the ClusterState replica id of a member.
std::string replica_name(uint32_t member);

struct ReplicaConfig {
  uint32_t self = 0;
  uint32_t replicas = 1;
  std::vector<NodeRole> roles;  // As ClusterStateServerOptions::roles.
  // Non-empty: keep the replica in a ClusterStateStore in this directory.
  std::string data_dir;
  ClusterStateStoreOptions store;  // Its scope is set from the role.
  TimeMs resend_after_ms = 1000;
  // When this run of the replica started. Without a data directory, the replica's changes are
  // named "replica-<member>@<started_at>" (a restarted replica has none of its earlier run's
  // changes, and must not reuse their dots: the others would take its new changes for ones
  // they already hold); with one, "replica-<member>", its recovered counter going on.
  TimeMs started_at = 0;
};

class ClusterStateReplica {
 public:
  // Opens the store when config.data_dir is set; if that fails, every command is answered
  // with an error naming why (sync still runs on the in-memory replica).
  explicit ClusterStateReplica(ReplicaConfig config);

  // Handles one event at `now` (ms since the epoch, from the tick), appending to `out`.
  void step(TimeMs now, ReplicaEvent event, std::vector<ReplicaAction>* out);

  const ClusterState& state() const;

 private:
  struct PendingAssign {
    uint64_t conn = 0;
    uint64_t seq = 0;
    AssignForward forward;
    TimeMs sent_at = 0;
  };

  void on_request(TimeMs now, StateRequest request, std::vector<ReplicaAction>* out);
  void on_peer(TimeMs now, uint32_t from, PeerMessage message, std::vector<ReplicaAction>* out);
  void on_timer(TimeMs now, std::vector<ReplicaAction>* out);
  // Runs a local operation and pushes what it changed to the other replicas. Fails only when
  // the store could not log it.
  absl::StatusOr<OpResult> change(TimeMs now, const std::function<OpResult(ClusterState&)>& op,
                                  std::vector<ReplicaAction>* out);
  // The RESP reply to an assignment run here.
  std::string assign(TimeMs now, const std::string& task_id, const std::string& node_id,
                     std::vector<ReplicaAction>* out);
  void apply(TimeMs now, const Delta& delta);
  bool is_leecher(uint32_t member) const;

  ReplicaConfig config_;
  std::unique_ptr<ClusterState> memory_;      // Without a store (or when it failed to open).
  std::unique_ptr<ClusterStateStore> store_;  // With a data directory.
  absl::Status broken_;                       // Why the store failed, if it did.
  std::optional<uint32_t> master_;
  uint64_t next_forward_ = 0;
  std::map<uint64_t, PendingAssign> pending_;  // By forward id.
  // Master: the reply to each (replica, forward id) decided, so resends never assign twice.
  std::map<std::pair<uint32_t, uint64_t>, std::string> decided_;
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_SERVERS_CLUSTER_STATE_SERVER_REPLICA_H_

// ClusterStateGateway: what the cluster-state service's Process "gateway" does with each client
// command and each replica reply (cluster_state_server.h). Engine-free: the flow runs it in a
// scan over the merged events and routes the actions it emits.
//
// Each connection's commands are numbered in arrival order; a command goes to one replica (or
// is answered here), and its reply is held until the replies to all of that connection's
// earlier commands were released, so every client sees its replies in its own order, whatever
// order the replicas answer in. A closed connection's state is dropped, and replies that come
// for it later are discarded.
//
//   STATE.CALL  <replica-id|any> <operation> [field value]...
//   STATE.QUERY <replica-id|any> <query> [field value]...
//   PING [message], ECHO message, COMMAND [COUNT|DOCS], CLIENT SETNAME name|GETNAME,
//   SELECT 0, QUIT
// `any` goes round-robin over the replicas that keep the tables the command needs (calls never
// go to leechers) and are up. Malformed commands get a RESP error at once; the connection stays
// open.
//
// Dead replicas. Each replica tells the gateway it is up on every sync timer (ReplicaAlive), and
// every reply says so too. A replica the gateway has not heard from for `reply_timeout` is down:
//   - a command naming it gets an error at once, saying it is down and that nothing was sent;
//     so does assign_task at any replica while the master (which decides assignments) is down;
//   - `any` skips it;
//   - a command it has not answered within `reply_timeout` of being sent gets an error, so that
//     the connection's later replies go out. For a query routed by `any`, the gateway first asks
//     another replica that is up (a query changes nothing, so asking twice is safe); a call's
//     error says it may or may not have been applied, since the replica may have applied it and
//     died before answering. A reply that comes after its error is dropped.
// The timeouts are checked on each GatewayTimer, so an error comes between `reply_timeout` and
// `reply_timeout` plus one timer period after the command was sent.
// Not thread safe: one tick loop owns a gateway.
#ifndef EDDY_KVS_SERVERS_CLUSTER_STATE_SERVER_GATEWAY_H_
#define EDDY_KVS_SERVERS_CLUSTER_STATE_SERVER_GATEWAY_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "dataflow/core/ids.h"
#include "kvs/cluster_state/persistence.h"  // Before kvs/protocol: see its use of internal::.
#include "kvs/protocol/resp_codec.h"
#include "kvs/servers/cluster_state_server_replica.h"
#include "kvs/servers/liveness.h"

namespace eddy::kvs {

struct GatewayRequest {
  ConnectionId conn;
  RespRequest request;
};
struct GatewayGone {
  ConnectionId conn;
};
struct FromReplica {
  uint32_t member = 0;
  ToGateway message;
};
struct GatewayTimer {};
using GatewayEvent = std::variant<GatewayRequest, FromReplica, GatewayGone, GatewayTimer>;

using RequestTo = std::pair<MemberId, StateRequest>;
using ReplyTo = std::pair<ConnectionId, RespOut>;
using GatewayAction = std::variant<RequestTo, ReplyTo>;

class ClusterStateGateway {
 public:
  // `roles` as ClusterStateServerOptions::roles. REQUIRES: reply_timeout_ms > 0.
  ClusterStateGateway(std::vector<NodeRole> roles, TimeMs reply_timeout_ms)
      : roles_(std::move(roles)), liveness_(reply_timeout_ms) {}

  // The number of replicas (known only once the flow runs). REQUIRES: > 0, and never changes.
  void set_replicas(uint32_t count) { replicas_ = count; }

  // Handles one event at `now` (ms, from the tick's start), appending to `out`.
  void step(TimeMs now, GatewayEvent event, std::vector<GatewayAction>* out);

  // Whether the gateway heard from `member` within reply_timeout before `now`. Every replica
  // counts as up for the first reply_timeout after the gateway's first event.
  bool is_up(uint32_t member, TimeMs now) const { return liveness_.up(member, now); }
  // How long the gateway has not heard from `member` (since its first event, at most).
  TimeMs silent_for(uint32_t member, TimeMs now) const { return liveness_.silent_for(member, now); }

 private:
  struct Session {
    uint64_t next_seq = 0;      // The number the next command gets.
    uint64_t next_release = 0;  // The command whose reply goes out next.
    std::map<uint64_t, RespOut> ready;
  };
  // A command sent to a replica and not answered yet.
  struct InFlight {
    uint32_t member = 0;
    TimeMs sent_at = 0;
    bool by_any = false;      // Routed by `any`.
    bool needs_full = false;  // Needs a replica that keeps every table (not a leecher).
    bool assign = false;      // assign_task: decided by the master, wherever it goes.
    uint32_t asked = 1;       // How many replicas were asked (a query routed by `any` moves on).
    StateRequest request;
  };
  using RequestKey = std::pair<uint64_t, uint64_t>;  // (ConnectionId::raw, seq)

  void on_request(TimeMs now, ConnectionId conn, RespRequest request,
                  std::vector<GatewayAction>* out);
  void on_replica(TimeMs now, FromReplica message, std::vector<GatewayAction>* out);
  void on_timer(TimeMs now, std::vector<GatewayAction>* out);
  // A STATE.CALL or STATE.QUERY: routed to a replica, or an error (returned).
  std::optional<std::string> route(TimeMs now, ConnectionId conn, uint64_t seq,
                                   RespRequest& request, std::vector<GatewayAction>* out);
  // The next replica for `any`, round-robin: up, keeping what the command needs, and not
  // `skip`.
  std::optional<uint32_t> pick_any(TimeMs now, bool needs_full,
                                   std::optional<uint32_t> skip = std::nullopt);
  bool keeps_full_tables(uint32_t member) const;
  // Sends in_flight.request to in_flight.member (now) and remembers it until answered.
  void dispatch(TimeMs now, InFlight in_flight, std::vector<GatewayAction>* out);
  // The error for a command `member` did not answer in time.
  std::string timeout_error(TimeMs now, const InFlight& in_flight) const;
  // The reply to a command the gateway answers itself.
  RespOut local_reply(const RespRequest& request);
  void complete(ConnectionId conn, uint64_t seq, RespOut reply, std::vector<GatewayAction>* out);

  std::vector<NodeRole> roles_;
  uint32_t replicas_ = 1;
  uint64_t round_robin_ = 0;
  // Replies and ReplicaAlive; its timeout is reply_timeout, for replies too.
  Liveness<TimeMs, TimeMs> liveness_;
  std::map<uint64_t, Session> sessions_;  // By ConnectionId::raw.
  std::map<RequestKey, InFlight> in_flight_;
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_SERVERS_CLUSTER_STATE_SERVER_GATEWAY_H_

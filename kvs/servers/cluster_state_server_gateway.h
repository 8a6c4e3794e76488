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
// go to leechers). Malformed commands get a RESP error at once; the connection stays open.
// Not thread safe: one tick loop owns a gateway.
#ifndef EDDY_KVS_SERVERS_CLUSTER_STATE_SERVER_GATEWAY_H_
#define EDDY_KVS_SERVERS_CLUSTER_STATE_SERVER_GATEWAY_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "dataflow/core/ids.h"
#include "kvs/cluster_state/persistence.h"  // Before kvs/protocol: see its use of internal::.
#include "kvs/protocol/resp_codec.h"
#include "kvs/servers/cluster_state_server_replica.h"

namespace eddy::kvs {

struct GatewayRequest {
  ConnectionId conn;
  RespRequest request;
};
struct GatewayGone {
  ConnectionId conn;
};
using GatewayEvent = std::variant<GatewayRequest, StateReply, GatewayGone>;

using RequestTo = std::pair<MemberId, StateRequest>;
using ReplyTo = std::pair<ConnectionId, RespOut>;
using GatewayAction = std::variant<RequestTo, ReplyTo>;

class ClusterStateGateway {
 public:
  // `roles` as ClusterStateServerOptions::roles.
  explicit ClusterStateGateway(std::vector<NodeRole> roles) : roles_(std::move(roles)) {}

  // The number of replicas (known only once the flow runs). REQUIRES: > 0.
  void set_replicas(uint32_t count) { replicas_ = count; }

  // Handles one event, appending to `out`.
  void step(GatewayEvent event, std::vector<GatewayAction>* out);

 private:
  struct Session {
    uint64_t next_seq = 0;      // The number the next command gets.
    uint64_t next_release = 0;  // The command whose reply goes out next.
    std::map<uint64_t, RespOut> ready;
  };

  void on_request(ConnectionId conn, RespRequest request, std::vector<GatewayAction>* out);
  // A STATE.CALL or STATE.QUERY: routed to a replica, or an error (returned).
  std::optional<std::string> route(ConnectionId conn, uint64_t seq, RespRequest& request,
                                   std::vector<GatewayAction>* out);
  // The reply to a command the gateway answers itself.
  RespOut local_reply(const RespRequest& request);
  void complete(ConnectionId conn, uint64_t seq, RespOut reply, std::vector<GatewayAction>* out);

  std::vector<NodeRole> roles_;
  uint32_t replicas_ = 1;
  uint64_t round_robin_ = 0;
  std::map<uint64_t, Session> sessions_;  // By ConnectionId::raw.
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_SERVERS_CLUSTER_STATE_SERVER_GATEWAY_H_

#include "kvs/servers/cluster_state_server.h"

#include <memory>
#include <variant>

#include "absl/strings/str_cat.h"
#include "dataflow/eddy.h"
#include "kvs/servers/cluster_state_server_gateway.h"
#include "kvs/servers/cluster_state_server_replica.h"

namespace eddy::kvs {
namespace {

using Port = ExternalPort<RespRequest, RespOut>;
using RepliesIn = Stream<std::pair<MemberId, ToGateway>, Process, Unbounded, NoOrder>;
using PeersIn = Stream<std::pair<MemberId, PeerMessage>, Cluster, Unbounded, NoOrder>;

TimeMs now_ms(const Context& ctx) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(ctx.tick_start().since_epoch)
      .count();
}

// The gateway: client commands, replica messages, disconnects and its timer through one
// ClusterStateGateway. Returns the requests for the replicas; sends the client replies.
auto gateway_flow(const Process& gateway,
                  const KeyedStream<ConnectionId, RespRequest, Process>& requests, const Port& port,
                  const RepliesIn& replies, const Cluster& replicas,
                  const ClusterStateServerOptions& options) {
  auto events =
      requests.entries()
          .map([](std::pair<ConnectionId, RespRequest> r) -> GatewayEvent {
            return GatewayRequest{r.first, std::move(r.second)};
          })
          .merge(replies.map([](std::pair<MemberId, ToGateway> m) -> GatewayEvent {
            return FromReplica{m.first.raw, std::move(m.second)};
          }))
          .merge(
              port.disconnects().map([](ConnectionId c) -> GatewayEvent { return GatewayGone{c}; }))
          .merge(gateway.source_interval(options.sync_interval).map([](Instant) -> GatewayEvent {
            return GatewayTimer{};
          }))
          // Arrival order across connections is the gateway's serialization order; within
          // a connection the gateway numbers commands and re-sequences replies itself.
          .assume_ordered();
  const TimeMs reply_timeout_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(options.reply_timeout).count();
  auto actions =
      events.scan(ClusterStateGateway(options.roles, reply_timeout_ms),
                  [replicas](Context& ctx, ClusterStateGateway& gateway, GatewayEvent&& event) {
                    gateway.set_replicas(ctx.cluster_size(replicas));
                    std::vector<GatewayAction> out;
                    gateway.step(now_ms(ctx), std::move(event), &out);
                    return out;
                  });
  auto branches = actions.template partition<2>([](const GatewayAction& a) { return a.index(); });
  branches[1]
      .map([](GatewayAction a) { return std::get<ReplyTo>(std::move(a)); })
      .send_external(port);
  return branches[0].map([](GatewayAction a) { return std::get<RequestTo>(std::move(a)); });
}

}  // namespace

absl::Status build_cluster_state(Flow& flow, const ClusterStateServerOptions& options,
                                 std::optional<Port>* port_out) {
  if (options.sync_interval <= Duration::zero()) {
    return absl::InvalidArgumentError("sync_interval must be positive");
  }
  if (options.reply_timeout < 2 * options.sync_interval) {
    return absl::InvalidArgumentError(
        "reply_timeout must be at least twice sync_interval: replicas tell the gateway they are "
        "up once per sync_interval");
  }
  auto gateway = flow.process(kStateGateway);
  auto clients = flow.external(kStateClients);
  auto replicas = flow.cluster(kStateReplicas);
  auto [port, requests] =
      gateway.source_external<RespRequest, RespOut>(clients, kStateRespPort, resp_codec());
  if (port_out != nullptr) port_out->emplace(port);

  // Not structured bindings: clang 14 cannot capture those in lambdas.
  auto replies_pair = gateway.forward_ref<RepliesIn>();
  auto peers_pair = replicas.forward_ref<PeersIn>();

  auto to_replicas = gateway_flow(gateway, requests, port, replies_pair.second, replicas, options);

  ReplicaConfig config;
  config.roles = options.roles;
  config.data_dir = options.data_dir;
  config.store.fsync = options.fsync;
  config.store.checkpoint_interval_ms = options.checkpoint_interval_ms;
  config.resend_after_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(options.sync_interval).count();
  auto events =
      to_replicas.demux(replicas)
          .map([](StateRequest r) -> ReplicaEvent { return r; })
          .merge(peers_pair.second.map([](std::pair<MemberId, PeerMessage> m) -> ReplicaEvent {
            return PeerEvent{m.first.raw, std::move(m.second)};
          }))
          .merge(replicas.source_interval(options.sync_interval).map([](Instant) -> ReplicaEvent {
            return SyncTimer{};
          }))
          // Each event is handled on its own; sync converges in any order, and commands of one
          // connection reach a replica in the gateway's order.
          .assume_ordered();
  // The replica is made on the first event, once the member knows its id: the scan's initial
  // value is copied into every member (and into a restarted one), so it must start empty.
  auto actions =
      events.scan(std::shared_ptr<ClusterStateReplica>(),
                  [config, replicas](Context& ctx, std::shared_ptr<ClusterStateReplica>& replica,
                                     ReplicaEvent&& event) {
                    if (!replica) {
                      ReplicaConfig mine = config;
                      mine.self = ctx.member_id().raw;
                      mine.replicas = ctx.cluster_size(replicas);
                      mine.started_at = now_ms(ctx);
                      replica = std::make_shared<ClusterStateReplica>(std::move(mine));
                    }
                    std::vector<ReplicaAction> out;
                    replica->step(now_ms(ctx), std::move(event), &out);
                    return out;
                  });
  auto branches = actions.template partition<3>([](const ReplicaAction& a) { return a.index(); });
  auto replies = branches[0].map(
      [](ReplicaAction a) -> ToGateway { return std::get<StateReply>(std::move(a)); });
  auto alive = branches[2].map([](ReplicaAction) -> ToGateway { return ReplicaAlive{}; });
  replies_pair.first.complete(replies.merge(alive).send(gateway).entries());
  peers_pair.first.complete(
      branches[1]
          .map([](ReplicaAction a) { return std::get<PeerOut>(std::move(a)); })
          .demux(replicas)
          .entries());
  return absl::OkStatus();
}

}  // namespace eddy::kvs

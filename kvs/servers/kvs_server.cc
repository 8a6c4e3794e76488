#include "kvs/servers/kvs_server.h"

#include <optional>
#include <variant>

#include "absl/strings/str_cat.h"
#include "dataflow/eddy.h"
#include "kvs/core/member_store.h"
#include "kvs/protocol/resp_codec.h"
#include "kvs/servers/coordinator.h"

namespace eddy::kvs {
namespace {

using Event = CoordinatorEvent;
using Action = CoordinatorAction;
using OpTo = std::pair<MemberId, MemberOp>;
using ReplyTo = std::pair<ConnectionId, RespOut>;

// The coordinator's inputs, merged: requests, what members said (replies, marks), and
// disconnects.
template <class FromMembers>
auto coordinator_events(const KeyedStream<ConnectionId, RespRequest, Process>& requests,
                        const ExternalPort<RespRequest, RespOut>& port,
                        const FromMembers& from_members) {
  return requests.entries()
      .map([](std::pair<ConnectionId, RespRequest> r) -> Event {
        return ClientRequest{r.first, std::move(r.second)};
      })
      .merge(from_members)
      .merge(port.disconnects().map([](ConnectionId conn) -> Event { return ClientGone{conn}; }))
      // Arrival order across connections is the coordinator's serialization order, as a
      // single-threaded server's event loop is; replies are matched by request, not by order.
      .assume_ordered();
}

// `members` is the cluster the ops go to; without one (local mode) everything goes to member 0.
template <class Events>
auto coordinate(const Events& events, CoordinatorOptions options,
                std::optional<Cluster> members = std::nullopt) {
  return events.scan(Coordinator(std::move(options)),
                     [members](Context& ctx, Coordinator& coordinator, Event&& event) {
                       coordinator.set_members(members ? ctx.cluster_size(*members) : 1);
                       std::vector<Action> out;
                       coordinator.step(ctx.tick_start(), std::move(event), &out);
                       return out;
                     });
}

// Splits the coordinator's actions into ops for members and replies to clients (moved, not
// copied), and sends the replies. Returns the ops.
template <class Actions>
auto route(const Actions& actions, const ExternalPort<RespRequest, RespOut>& port) {
  auto [ops, replies] = actions.template partition<2>([](const Action& a) { return a.index(); });
  replies.map([](Action a) { return std::get<ReplyTo>(std::move(a)); }).send_external(port);
  return ops.map([](Action a) { return std::get<OpTo>(std::move(a)); });
}

template <class Model>
void build(Flow& flow, const KvsOptions& options,
           std::optional<ExternalPort<RespRequest, RespOut>>* port_out) {
  auto coordinator = flow.process(kCoordinator);
  auto clients = flow.external(kClients);
  RespLimits resp_limits;
  resp_limits.max_bulk_length =
      static_cast<int64_t>(std::max<size_t>(options.limits.max_value_bytes * 4, 1 << 20));
  auto [port, requests] = coordinator.source_external<RespRequest, RespOut>(
      clients, kRespPort, resp_codec(resp_limits));
  if (port_out != nullptr) port_out->emplace(port);
  CoordinatorOptions coordinator_options;
  coordinator_options.lattice = Model::kName;
  coordinator_options.limits = options.limits;

  if (options.mode == KvsOptions::Mode::kLocal) {
    coordinator_options.members = 1;
    coordinator_options.mode = "local";
    // The store lives in the coordinator: its replies come back in the next tick.
    auto tick = coordinator.tick();
    auto [replies_ref, replies] =
        tick.forward_ref<Stream<MemberReply, Tick<Process>, Bounded, TotalOrder>>();
    auto actions = coordinate(coordinator_events(requests, port,
                                                 replies.defer_tick().all_ticks().map(
                                                     [](MemberReply r) -> Event { return r; })),
                              coordinator_options);
    auto ops = route(actions, port).map([](OpTo o) { return std::move(o.second); });
    auto recovered = options.wal.dir.empty() ? coordinator.source_iter(std::vector<Write<Model>>{})
                                             : recovered_writes<Model>(coordinator, options.wal);
    MemberStoreOptions single;
    single.gossips = false;
    single.collection = TombstoneCollection::kAtOnce;
    auto store = member_store<Model>(ops, recovered, single);
    if (!options.wal.dir.empty()) {
      write_ahead_log<Model>(coordinator, store.applied_writes(), options.wal);
    }
    replies_ref.complete(store.replies.batch(tick));
    return;
  }

  auto members = flow.cluster(kMembers);
  coordinator_options.mode = "replicated";
  coordinator_options.ack = options.ack;
  coordinator_options.resend_after = options.resend_after;
  coordinator_options.down_after = options.down_after;
  // Members report their marks for acknowledgements (kQuorum, kAll) and for the stable stamp
  // (whenever the coordinator resends, and so sends notices).
  const bool reports_marks =
      options.ack != AckPolicy::kLocal || options.resend_after > Duration::zero();
  // Not structured bindings: the lambda `finish` below captures the refs (clang 14 cannot).
  auto replies_pair = coordinator.forward_ref<Stream<MemberReply, Process, Unbounded, NoOrder>>();
  auto& replies_ref = replies_pair.first;
  auto& replies = replies_pair.second;
  using Marks = Stream<MemberMarks, Process, Unbounded, NoOrder>;
  std::optional<ForwardRef<Marks>> marks_ref;
  auto from_members = replies.map([](MemberReply r) -> Event { return r; });
  if (options.resend_after > Duration::zero()) {
    from_members = from_members.merge(
        coordinator.source_interval(options.resend_after).map([](Instant) -> Event {
          return ResendTimer{};
        }));
  }
  if (reports_marks) {
    auto [ref, marks] = coordinator.forward_ref<Marks>();
    marks_ref = ref;
    from_members = from_members.merge(marks.map([](MemberMarks m) -> Event { return m; }));
  }
  auto actions =
      coordinate(coordinator_events(requests, port, from_members), coordinator_options, members);
  auto ops = route(actions, port).demux(members);
  auto gossip_pair = members.forward_ref<Stream<Write<Model>, Cluster, Unbounded, NoOrder>>();
  auto& gossip_ref = gossip_pair.first;
  auto& gossip = gossip_pair.second;
  Stream<Write<Model>, Cluster, Unbounded, NoOrder> inputs = gossip;
  if (!options.wal.dir.empty())
    inputs = gossip.merge(recovered_writes<Model>(members, options.wal));
  auto finish = [&](const MemberStore<Model, Cluster>& store) {
    if (!options.wal.dir.empty()) {
      write_ahead_log<Model>(members, store.applied_writes(), options.wal);
    }
    gossip_ref.complete(store.local_writes.broadcast(members, IncludeSelf::kNo).values());
    replies_ref.complete(store.replies.send(coordinator).values());
    // Marks leave at the end of the tick that raised them, after that tick's log append (and
    // sync): an acknowledgement never counts a write its member has not logged.
    if (reports_marks) {
      marks_ref->complete(
          store.mark_reports.send(coordinator).entries().map([](std::pair<MemberId, MarkReport> m) {
            return MemberMarks{m.first.raw, m.second.incarnation, std::move(m.second.marks)};
          }));
    }
  };
  MemberStoreOptions member_options;
  if (reports_marks) {
    member_options.report_marks_raised = options.ack != AckPolicy::kLocal;
    member_options.report_marks_every = options.resend_after > Duration::zero()
                                            ? options.resend_after
                                            : std::chrono::milliseconds(1000);
  }
  // Tombstones are collected below the stable stamp, which comes with the resend notices.
  if (options.resend_after > Duration::zero()) {
    member_options.collection = TombstoneCollection::kWhenStable;
  }
  if (options.anti_entropy.interval > Duration::zero()) {
    auto [repairs_ref, repairs] =
        members.forward_ref<Stream<Repair<Model>, Cluster, Unbounded, NoOrder>>();
    auto store = member_store<Model>(ops, inputs, repairs, member_options);
    repairs_ref.complete(anti_entropy<Model>(store.table, store.applied_marks, store.stable,
                                             members, options.anti_entropy));
    finish(store);
  } else {
    finish(member_store<Model>(ops, inputs, member_options));
  }
}

}  // namespace

absl::Status build_kvs(Flow& flow, const KvsOptions& options,
                       std::optional<ExternalPort<RespRequest, RespOut>>* port) {
  if (options.down_after != Duration::zero() && options.down_after < 2 * options.resend_after) {
    return absl::InvalidArgumentError(
        "down_after must be 0 or at least twice resend_after: members report once per resend "
        "interval");
  }
  if (options.lattice == "lww") {
    build<LwwModel>(flow, options, port);
  } else if (options.lattice == "causal") {
    build<CausalModel>(flow, options, port);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown lattice '", options.lattice, "': use lww or causal"));
  }
  return absl::OkStatus();
}

}  // namespace eddy::kvs

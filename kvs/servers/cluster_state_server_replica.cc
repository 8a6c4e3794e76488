#include "kvs/servers/cluster_state_server_replica.h"

#include "absl/strings/str_cat.h"
#include "kvs/protocol/resp.h"

namespace eddy::kvs {
namespace {

// The master keeps this many decided forwards (the oldest go first): far more than can be in
// flight, since a forward is resent only until its answer arrives.
constexpr size_t kDecidedKept = 1 << 14;

std::string bulk(const std::string& json) {
  std::string out;
  append_bulk(&out, json);
  return out;
}

std::string error_reply(absl::string_view text) {
  std::string out;
  append_error(&out, text);
  return out;
}

// Appends a message for member `to`. Not inlined: inlined into its callers, GCC 12's
// -Wmaybe-uninitialized misfires on moving the nested variant's inactive alternatives.
[[gnu::noinline]] void send_peer(std::vector<ReplicaAction>* out, uint32_t to,
                                 PeerMessage message) {
  out->emplace_back(std::in_place_type<PeerOut>, MemberId{to}, std::move(message));
}

}  // namespace

NodeRole replica_role(const std::vector<NodeRole>& roles, uint32_t member) {
  if (member < roles.size()) return roles[member];
  return roles.empty() && member == 0 ? NodeRole::kMaster : NodeRole::kWorker;
}

std::optional<uint32_t> master_replica(const std::vector<NodeRole>& roles, uint32_t count) {
  for (uint32_t m = 0; m < count; ++m) {
    if (replica_role(roles, m) == NodeRole::kMaster) return m;
  }
  return std::nullopt;
}

std::string replica_name(uint32_t member) { return absl::StrCat("replica-", member); }

ClusterStateReplica::ClusterStateReplica(ReplicaConfig config) : config_(std::move(config)) {
  config_.store.state.scope =
      is_leecher(config_.self) ? SyncScope::kNodesAndMetadata : SyncScope::kFull;
  master_ = master_replica(config_.roles, config_.replicas);
  const std::string id = replica_name(config_.self);
  if (!config_.data_dir.empty()) {
    const std::string dir = absl::StrCat(config_.data_dir, "/", id);
    auto store = ClusterStateStore::open(dir, id, config_.store);
    if (store.ok()) {
      store_ = *std::move(store);
      return;
    }
    broken_ = absl::Status(store.status().code(),
                           absl::StrCat("cannot open ", dir, ": ", store.status().message()));
  }
  memory_ = std::make_unique<ClusterState>(absl::StrCat(id, "@", config_.started_at),
                                           config_.store.state);
}

const ClusterState& ClusterStateReplica::state() const {
  return store_ ? store_->state() : *memory_;
}

bool ClusterStateReplica::is_leecher(uint32_t member) const {
  return replica_role(config_.roles, member) == NodeRole::kLeecher;
}

void ClusterStateReplica::step(TimeMs now, ReplicaEvent event, std::vector<ReplicaAction>* out) {
  if (auto* request = std::get_if<StateRequest>(&event)) {
    on_request(now, std::move(*request), out);
  } else if (auto* peer = std::get_if<PeerEvent>(&event)) {
    on_peer(now, peer->from, std::move(peer->message), out);
  } else {
    on_timer(now, out);
  }
}

void ClusterStateReplica::on_request(TimeMs now, StateRequest request,
                                     std::vector<ReplicaAction>* out) {
  auto answer = [&](std::string resp) {
    out->push_back(StateReply{request.conn, request.seq, std::move(resp)});
  };
  if (request.query) {
    absl::StatusOr<ParsedQuery> query = parse_query(request.name, request.fields);
    if (!query.ok()) return answer(error_reply(query.status().message()));
    return answer(bulk(query->run(state(), now)));
  }
  if (!broken_.ok()) return answer(error_reply(absl::StrCat("ERR ", broken_.message())));
  absl::StatusOr<ParsedCall> call = parse_call(request.name, request.fields);
  if (!call.ok()) return answer(error_reply(call.status().message()));
  if (is_leecher(config_.self)) {
    return answer(error_reply(
        absl::StrCat("ERR replica ", config_.self, " is a leecher: it takes no calls")));
  }
  if (call->is_assign && master_ && *master_ != config_.self) {
    PendingAssign pending{request.conn, request.seq,
                          AssignForward{++next_forward_, call->task_id, call->node_id}, now};
    send_peer(out, *master_, pending.forward);
    pending_.emplace(pending.forward.id, std::move(pending));
    return;
  }
  if (call->is_assign) return answer(assign(now, call->task_id, call->node_id, out));
  absl::StatusOr<OpResult> result = change(
      now, [&](ClusterState& s) { return call->run(s, now); }, out);
  if (!result.ok()) return answer(error_reply(absl::StrCat("ERR ", result.status().message())));
  answer(bulk(call_json(*result)));
}

std::string ClusterStateReplica::assign(TimeMs now, const std::string& task_id,
                                        const std::string& node_id,
                                        std::vector<ReplicaAction>* out) {
  std::string chosen;
  absl::StatusOr<OpResult> result = change(
      now,
      [&](ClusterState& s) {
        auto [op, node] = run_assign(s, task_id, node_id, now);
        chosen = node;
        return op;
      },
      out);
  if (!result.ok()) return error_reply(absl::StrCat("ERR ", result.status().message()));
  return bulk(call_json(*result, chosen));
}

absl::StatusOr<OpResult> ClusterStateReplica::change(
    TimeMs now, const std::function<OpResult(ClusterState&)>& op, std::vector<ReplicaAction>* out) {
  const VersionVector before = state().version_vector();
  OpResult result;
  if (store_) {
    absl::StatusOr<OpResult> logged = store_->update(now, op);
    if (!logged.ok()) return logged.status();
    result = *std::move(logged);
  } else {
    result = op(*memory_);
  }
  if (state().version_vector() == before) return result;  // Rejected: nothing changed.
  std::optional<Delta> full, leecher;
  for (uint32_t m = 0; m < config_.replicas; ++m) {
    if (m == config_.self) continue;
    std::optional<Delta>& delta = is_leecher(m) ? leecher : full;
    if (!delta) {
      delta = is_leecher(m) ? state().leecher_delta_since(before) : state().delta_since(before);
    }
    if (!delta->empty()) send_peer(out, m, *delta);
  }
  return result;
}

void ClusterStateReplica::apply(TimeMs now, const Delta& delta) {
  if (store_) {
    // A failed log append stops the store's updates until a checkpoint; the next
    // maybe_checkpoint on the timer retries.
    (void)store_->apply(delta, now);
  } else {
    memory_->apply(delta);
  }
}

void ClusterStateReplica::on_peer(TimeMs now, uint32_t from, PeerMessage message,
                                  std::vector<ReplicaAction>* out) {
  if (auto* announce = std::get_if<SyncAnnounce>(&message)) {
    Delta delta = is_leecher(from) ? state().leecher_delta_since(announce->version)
                                   : state().delta_since(announce->version);
    if (!delta.empty()) send_peer(out, from, std::move(delta));
  } else if (auto* delta = std::get_if<Delta>(&message)) {
    apply(now, *delta);
  } else if (auto* forward = std::get_if<AssignForward>(&message)) {
    const std::pair<uint32_t, uint64_t> key{from, forward->id};
    auto it = decided_.find(key);
    if (it == decided_.end()) {
      std::string resp =
          master_ == config_.self && !is_leecher(config_.self)
              ? assign(now, forward->task_id, forward->node_id, out)
              : error_reply(absl::StrCat("ERR replica ", config_.self, " is not the master"));
      it = decided_.emplace(key, std::move(resp)).first;
      if (decided_.size() > kDecidedKept) decided_.erase(decided_.begin());
    }
    send_peer(out, from, AssignResult{forward->id, it->second});
  } else if (auto* result = std::get_if<AssignResult>(&message)) {
    auto it = pending_.find(result->id);
    if (it == pending_.end()) return;  // Answered already (a resend's duplicate).
    out->push_back(StateReply{it->second.conn, it->second.seq, std::move(result->resp)});
    pending_.erase(it);
  }
}

void ClusterStateReplica::on_timer(TimeMs now, std::vector<ReplicaAction>* out) {
  out->emplace_back(std::in_place_type<ReplicaAlive>);
  for (uint32_t m = 0; m < config_.replicas; ++m) {
    if (m != config_.self) send_peer(out, m, SyncAnnounce{state().version_vector()});
  }
  for (auto& [id, pending] : pending_) {
    if (now - pending.sent_at >= config_.resend_after_ms && master_) {
      pending.sent_at = now;
      send_peer(out, *master_, pending.forward);
    }
  }
  if (store_) {
    (void)store_->sync_if_due(now);
    (void)store_->maybe_checkpoint(now);
  }
}

}  // namespace eddy::kvs

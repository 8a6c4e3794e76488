#include "kvs/servers/coordinator.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "dataflow/core/log.h"

namespace eddy::kvs {
namespace {

std::string ok() {
  std::string out;
  append_simple(&out, "OK");
  return out;
}

const char* ack_name(AckPolicy ack) {
  switch (ack) {
    case AckPolicy::kLocal:
      return "local";
    case AckPolicy::kQuorum:
      return "quorum";
    case AckPolicy::kAll:
      return "all";
  }
  return "?";
}

}  // namespace

void Coordinator::step(Instant now, CoordinatorEvent event, std::vector<CoordinatorAction>* out) {
  liveness_.start(now);
  if (auto* request = std::get_if<ClientRequest>(&event)) {
    on_request(now, request->conn, std::move(request->request), out);
  } else if (auto* reply = std::get_if<MemberReply>(&event)) {
    liveness_.heard(reply->member, now);
    const ConnectionId conn = reply->ref.conn;
    on_reply(std::move(*reply), out);
    if (auto it = sessions_.find(conn); it != sessions_.end()) {
      release_waiting(now, conn, it->second, out);
      flush(conn, it->second, out);
    }
  } else if (auto* marks = std::get_if<MemberMarks>(&event)) {
    liveness_.heard(marks->member, now);
    on_marks(*marks, out);
  } else if (std::holds_alternative<ResendTimer>(event)) {
    resend(now, out);
  } else {
    sessions_.erase(std::get<ClientGone>(event).conn);  // late replies are dropped on arrival
  }
}

uint64_t Coordinator::next_stamp(Instant now) {
  // Hybrid logical clock: milliseconds in the high bits, a counter in the low 16, never
  // repeating and never going back even if the clock does.
  const uint64_t physical = static_cast<uint64_t>(now.since_epoch.count() / 1000000) << 16;
  last_stamp_ = std::max(physical, last_stamp_ + 1);
  return last_stamp_;
}

MemberId Coordinator::next_member(Instant now) {
  const uint32_t n = options_.members;
  for (uint32_t tried = 0; tried < n; ++tried) {
    const uint32_t m = static_cast<uint32_t>(next_member_++ % n);
    if (member_up(m, now)) return MemberId{m};
  }
  return MemberId{static_cast<uint32_t>(next_member_++ % n)};  // none is up: wait for one
}

bool Coordinator::member_up(uint32_t member, Instant now) const {
  // Without resending, members do not report, and silence says nothing.
  return options_.resend_after == Duration::zero() || liveness_.up(member, now);
}

void Coordinator::log_member_changes(Instant now) {
  counted_down_.resize(options_.members, false);
  for (uint32_t m = 0; m < options_.members; ++m) {
    const bool down = !member_up(m, now);
    if (down == counted_down_[m]) continue;
    counted_down_[m] = down;
    if (down) {
      EDDY_LOG(kWarning, "coordinator: member ", m, " counts as down (nothing heard from it for ",
               down_after_ms(), " ms); new commands go to the other members");
    } else {
      EDDY_LOG(kInfo, "coordinator: member ", m, " is up again");
    }
  }
}

int64_t Coordinator::down_after_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(options_.down_after).count();
}

void Coordinator::on_request(Instant now, ConnectionId conn, RespRequest request,
                             std::vector<CoordinatorAction>* out) {
  Session& session = sessions_[conn];
  const uint64_t seq = session.next_seq++;
  Command command = parse_command(std::move(request), options_.limits);
  const bool behind_barrier =
      !session.waiting.empty() || (is_write(command.kind) && session.reads_in_flight > 0);
  if (behind_barrier && is_data(command.kind)) {
    session.waiting.emplace_back(seq, std::move(command));
    return;
  }
  dispatch(now, conn, session, seq, std::move(command), out);
  flush(conn, session, out);
}

void Coordinator::dispatch(Instant now, ConnectionId conn, Session& session, uint64_t seq,
                           Command command, std::vector<CoordinatorAction>* out) {
  if (seq - session.next_out >= session.pending.size()) {
    session.pending.resize(seq - session.next_out + 1);
  }
  Pending& pending = session.pending[seq - session.next_out];
  pending.kind = command.kind;
  if (!is_data(command.kind)) {
    pending.bytes = answer_locally(session, command);
    if (command.kind == CommandKind::kClientSetname) session.name = command.args[1];
    pending.close = command.close;
    pending.done = true;
    return;
  }
  absl::InlinedVector<MemberOp, 1> ops;
  auto op = [&](OpKind kind, std::string key) {
    MemberOp o;
    o.kind = kind;
    o.ref = RequestRef{conn, seq, static_cast<uint32_t>(ops.size())};
    o.key = std::move(key);
    ops.push_back(std::move(o));
    return &ops.back();
  };
  absl::InlinedVector<MemberId, 1> targets;
  switch (command.kind) {
    case CommandKind::kGet:
    case CommandKind::kMget:
    case CommandKind::kExists:
      for (std::string& key : command.args) op(OpKind::kGet, std::move(key));
      break;
    case CommandKind::kSet:
    case CommandKind::kMset:
      for (size_t i = 0; i + 1 < command.args.size(); i += 2) {
        op(OpKind::kPut, std::move(command.args[i]))->value = std::move(command.args[i + 1]);
      }
      break;
    case CommandKind::kDel: {
      // DEL k k removes one key and answers 1, as in Redis.
      std::vector<std::string>& keys = command.args;
      std::sort(keys.begin(), keys.end());
      keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
      for (std::string& key : keys) op(OpKind::kDelete, std::move(key));
      break;
    }
    case CommandKind::kDbsize:
      op(OpKind::kCount, "");
      break;
    case CommandKind::kEddyMembers:
      for (uint32_t m = 0; m < options_.members; ++m) {
        op(OpKind::kDigest, "");
        targets.push_back(MemberId{m});
      }
      break;
    case CommandKind::kEddyGetFrom: {
      const uint32_t m = static_cast<uint32_t>(std::stoul(command.args[0]));
      if (m >= options_.members) {
        pending.bytes.clear();
        append_error(&pending.bytes,
                     absl::StrCat("ERR no member ", m, ": the cluster has ", options_.members));
        pending.done = true;
        return;
      }
      op(OpKind::kGet, std::move(command.args[1]));
      targets.push_back(MemberId{m});
      break;
    }
    default:
      break;
  }
  pending.parts = static_cast<uint32_t>(ops.size());
  pending.results.resize(ops.size());
  if (routed_.size() < options_.members) routed_.resize(options_.members, 0);
  // A DEL counts the keys it removes and a causal write's clock covers what its member holds:
  // both read the replica, so both wait there for everything this connection did before (the
  // parts of one command are concurrent with each other).
  const bool causal = options_.lattice == "causal";
  const bool reads_replica = causal || command.kind == CommandKind::kDel;
  const VersionVector before = reads_replica ? session.seen : VersionVector();
  for (size_t i = 0; i < ops.size(); ++i) {
    MemberOp& o = ops[i];
    const bool addressed = i < targets.size();  // admin commands name their member
    const MemberId member = addressed ? targets[i] : next_member(now);
    if (!addressed) ++routed_[member.raw];
    if (o.kind == OpKind::kPut || o.kind == OpKind::kDelete) {
      if (o.kind == OpKind::kDelete || causal) o.needs = before;
      if (o.kind == OpKind::kDelete) ++session.reads_in_flight;
      o.version = Version{member.raw, next_stamp(now)};
      if (last_write_stamp_.size() <= member.raw) last_write_stamp_.resize(member.raw + 1, 0);
      o.prev_stamp = std::exchange(last_write_stamp_[member.raw], o.version.stamp);
      session.seen.raise(o.version);  // later reads must see it
    } else {
      if (!addressed) o.needs = session.seen;  // EDDY.GETFROM shows the replica as it is
      ++session.reads_in_flight;
    }
    if (o.kind == OpKind::kDigest && !member_up(member.raw, now)) {
      answer_for_down_member(session, o.ref, member);
      continue;
    }
    send_op(now, member, std::move(o), out);
  }
}

Coordinator::Pending* Coordinator::pending_of(Session& session, const RequestRef& ref) {
  const uint64_t slot = ref.seq - session.next_out;
  if (ref.seq < session.next_out || slot >= session.pending.size()) return nullptr;
  Pending& pending = session.pending[slot];
  return ref.part < pending.parts ? &pending : nullptr;
}

void Coordinator::answer_for_down_member(Session& session, const RequestRef& ref, MemberId member) {
  Pending* pending = pending_of(session, ref);
  if (pending == nullptr) return;
  --session.reads_in_flight;
  MemberReply& reply = pending->results[ref.part];
  reply.ref = ref;
  reply.member = member.raw;
  reply.member_down = true;
  answer_part(*pending);
}

void Coordinator::send_op(Instant now, MemberId member, MemberOp op,
                          std::vector<CoordinatorAction>* out) {
  if (options_.resend_after > Duration::zero()) {
    if (write_numbers_.size() <= member.raw) write_numbers_.resize(member.raw + 1);
    if (op.kind == OpKind::kPut || op.kind == OpKind::kDelete) {
      op.write_seq = write_numbers_[member.raw].add(op.version.stamp);
    }
    tell_writes(member, op);
    unanswered_.insert_or_assign(op.ref, Unanswered{member, op, now});
  }
  out->emplace_back(std::pair(member, std::move(op)));
}

void Coordinator::tell_writes(MemberId member, MemberOp& op) const {
  if (op.write_seq != 0) op.unanswered_from = write_numbers_[member.raw].oldest();
  if (options_.ack != AckPolicy::kLocal) return;
  op.own_floor = answered_floor(member);
}

uint64_t Coordinator::answered_floor(MemberId member) const {
  const WriteNumbers& numbers = write_numbers_[member.raw];
  if (!numbers.all_answered()) return numbers.oldest_stamp() - 1;
  return member.raw < last_write_stamp_.size() ? last_write_stamp_[member.raw] : 0;
}

bool Coordinator::settle(const MemberReply& reply) {
  if (options_.resend_after == Duration::zero()) return true;
  auto it = unanswered_.find(reply.ref);
  if (it == unanswered_.end() || it->second.awaiting_acks) return false;
  if (it->second.op.write_seq != 0 && options_.ack != AckPolicy::kLocal) {
    // Resent until acknowledged: a member that restarted before its gossip left applies it
    // again (it awaits its number again), and gossips it once more.
    it->second.awaiting_acks = true;
    return true;
  }
  forget(reply.ref);
  return true;
}

void Coordinator::forget(const RequestRef& ref) {
  auto it = unanswered_.find(ref);
  if (it == unanswered_.end()) return;
  const Unanswered& u = it->second;
  if (u.op.write_seq != 0) write_numbers_[u.member.raw].answer(u.op.write_seq);
  unanswered_.erase(it);
}

void Coordinator::resend(Instant now, std::vector<CoordinatorAction>* out) {
  log_member_changes(now);
  // In a fixed order (the map's own order depends on its hash seed), so runs replay.
  std::vector<RequestRef> due;
  for (const auto& [ref, u] : unanswered_) {
    if (now - u.sent >= options_.resend_after) due.push_back(ref);
  }
  std::sort(due.begin(), due.end());
  std::vector<ConnectionId> answered;  // connections with an op answered here
  for (const RequestRef& ref : due) {
    Unanswered& u = unanswered_.at(ref);
    if (u.op.kind == OpKind::kDigest && !member_up(u.member.raw, now)) {
      const MemberId member = u.member;
      forget(ref);
      if (auto it = sessions_.find(ref.conn); it != sessions_.end()) {
        answer_for_down_member(it->second, ref, member);
        answered.push_back(ref.conn);
      }
      continue;
    }
    u.sent = now;
    MemberOp again = u.op;
    tell_writes(u.member, again);
    out->emplace_back(std::pair(u.member, std::move(again)));
  }
  for (const ConnectionId conn : answered) {
    if (auto it = sessions_.find(conn); it != sessions_.end()) {
      release_waiting(now, conn, it->second, out);
      flush(conn, it->second, out);
    }
  }
  // Every member hears, even when no op is on its way to it, the stable stamp, and under kLocal
  // which of its writes are given up (a member that lost writes it answered, by restarting
  // empty, learns so, and reads elsewhere that need them do not wait forever). The coordinator
  // cannot tell when a member restarted, so every member hears it each time.
  advance_stable();
  for (uint32_t m = 0; m < options_.members; ++m) send_notice(MemberId{m}, out);
}

void Coordinator::send_notice(MemberId member, std::vector<CoordinatorAction>* out) const {
  MemberOp notice;
  notice.kind = OpKind::kFloor;
  if (options_.ack == AckPolicy::kLocal && member.raw < write_numbers_.size()) {
    notice.own_floor = answered_floor(member);
  }
  notice.stable = stable_;
  notice.incarnation = member.raw < incarnation_.size() ? incarnation_[member.raw] : 0;
  out->emplace_back(std::pair(member, std::move(notice)));
}

void Coordinator::advance_stable() {
  const uint32_t n = options_.members;
  if (incarnation_.size() < n) return;  // a member has not reported yet
  for (uint32_t m = 0; m < n; ++m) {
    if (incarnation_[m] == 0) return;
  }
  uint64_t bound = last_stamp_;
  for (uint32_t origin = 0; origin < n; ++origin) {
    uint64_t lowest = ~uint64_t{0};
    for (uint32_t m = 0; m < n; ++m) lowest = std::min(lowest, run_marks_[m].get(origin));
    const uint64_t last = origin < last_write_stamp_.size() ? last_write_stamp_[origin] : 0;
    if (lowest < last) bound = std::min(bound, lowest);
  }
  stable_ = std::max(stable_, bound);
}

void Coordinator::on_reply(MemberReply reply, std::vector<CoordinatorAction>* out) {
  (void)out;
  // A resent op can be answered twice; the op of a client that left is still settled, so its
  // member's numbered writes do not wait for it forever.
  if (!settle(reply)) return;
  auto session_it = sessions_.find(reply.ref.conn);
  if (session_it == sessions_.end()) return;  // the client left
  Session& session = session_it->second;
  Pending* found = pending_of(session, reply.ref);
  if (found == nullptr) return;
  Pending& pending = *found;
  if (reply.kind != OpKind::kPut) {  // a read, or a DEL (which reads what it removes)
    --session.reads_in_flight;
    for (const Version& v : reply.seen) session.seen.raise(v);  // monotonic reads
  }
  const bool write = reply.kind == OpKind::kPut || reply.kind == OpKind::kDelete;
  const Version written = reply.written;
  const RequestRef ref = reply.ref;
  pending.results[reply.ref.part] = std::move(reply);
  if (!write || options_.ack == AckPolicy::kLocal) {
    answer_part(pending);
    return;
  }
  // The member that answered has applied the write, whether or not its marks came first.
  if (applied_.size() <= written.origin) applied_.resize(written.origin + 1);
  applied_[written.origin].raise(written);
  if (unacked_.size() <= written.origin) unacked_.resize(written.origin + 1);
  unacked_[written.origin].emplace(written.stamp, ref);
  release_acked(written.origin, out);
}

void Coordinator::answer_part(Pending& pending) {
  if (++pending.answered == pending.parts) {
    pending.bytes = assemble(pending);
    pending.done = true;
  }
}

void Coordinator::on_marks(const MemberMarks& marks, std::vector<CoordinatorAction>* out) {
  const uint32_t m = marks.member;
  if (options_.ack != AckPolicy::kLocal) {
    if (applied_.size() <= m) applied_.resize(m + 1);
    for (const Version& v : marks.marks) applied_[m].raise(v);
    for (const Version& v : marks.marks) release_acked(v.origin, out);
  }
  if (incarnation_.size() <= m) {
    incarnation_.resize(m + 1, 0);
    run_marks_.resize(m + 1);
  }
  if (marks.incarnation < incarnation_[m]) return;  // late news from an earlier run
  if (marks.incarnation > incarnation_[m]) {
    // A new run: what the earlier one applied may be gone. It waits for a notice naming it.
    incarnation_[m] = marks.incarnation;
    run_marks_[m] = VersionVector();
    if (options_.resend_after > Duration::zero()) send_notice(MemberId{m}, out);
  }
  for (const Version& v : marks.marks) run_marks_[m].raise(v);
}

uint32_t Coordinator::applied_at(Version version) const {
  uint32_t count = 0;
  for (uint32_t m = 0; m < options_.members && m < applied_.size(); ++m) {
    if (applied_[m].get(version.origin) >= version.stamp) ++count;
  }
  return count;
}

uint32_t Coordinator::acks_needed() const {
  switch (options_.ack) {
    case AckPolicy::kLocal:
      return 1;
    case AckPolicy::kQuorum:
      return options_.members / 2 + 1;
    case AckPolicy::kAll:
      return options_.members;
  }
  return options_.members;
}

void Coordinator::release_acked(uint32_t origin, std::vector<CoordinatorAction>* out) {
  if (origin >= unacked_.size()) return;
  std::map<uint64_t, RequestRef>& waiting = unacked_[origin];
  std::vector<ConnectionId> touched;
  // Fewer members cover a higher stamp of one origin: stop at the first not yet covered.
  while (!waiting.empty() && applied_at(Version{origin, waiting.begin()->first}) >= acks_needed()) {
    const RequestRef ref = waiting.begin()->second;
    waiting.erase(waiting.begin());
    forget(ref);
    auto it = sessions_.find(ref.conn);
    if (it == sessions_.end()) continue;  // the client left
    Session& session = it->second;
    if (ref.seq < session.next_out || ref.seq - session.next_out >= session.pending.size()) {
      continue;
    }
    answer_part(session.pending[ref.seq - session.next_out]);
    if (touched.empty() || touched.back() != ref.conn) touched.push_back(ref.conn);
  }
  for (ConnectionId conn : touched) {
    if (auto it = sessions_.find(conn); it != sessions_.end()) flush(conn, it->second, out);
  }
}

void Coordinator::release_waiting(Instant now, ConnectionId conn, Session& session,
                                  std::vector<CoordinatorAction>* out) {
  while (!session.waiting.empty()) {
    auto& [seq, command] = session.waiting.front();
    if (is_write(command.kind) && session.reads_in_flight > 0) return;
    const uint64_t s = seq;
    Command c = std::move(command);
    session.waiting.pop_front();
    dispatch(now, conn, session, s, std::move(c), out);
  }
}

void Coordinator::flush(ConnectionId conn, Session& session, std::vector<CoordinatorAction>* out) {
  RespOut batch;
  while (!session.pending.empty() && session.pending.front().done) {
    Pending& done = session.pending.front();
    if (batch.bytes.empty()) {
      batch.bytes = std::move(done.bytes);
    } else {
      batch.bytes += done.bytes;
    }
    batch.close |= done.close;
    session.pending.pop_front();
    ++session.next_out;
  }
  if (!batch.bytes.empty()) out->emplace_back(std::pair(conn, std::move(batch)));
}

std::string Coordinator::assemble(const Pending& pending) const {
  std::string out;
  const bool causal = options_.lattice == "causal";
  auto append_get = [&](const MemberReply& r) {
    if (causal) {
      append_array_header(&out, r.values.size());
      for (const std::string& v : r.values) append_bulk(&out, v);
    } else if (r.values.empty()) {
      append_null_bulk(&out);
    } else {
      append_bulk(&out, r.values[0]);
    }
  };
  switch (pending.kind) {
    case CommandKind::kGet:
    case CommandKind::kEddyGetFrom:
      append_get(pending.results[0]);
      break;
    case CommandKind::kMget:
      append_array_header(&out, pending.results.size());
      for (const MemberReply& r : pending.results) append_get(r);
      break;
    case CommandKind::kExists: {
      int64_t found = 0;
      for (const MemberReply& r : pending.results) found += r.values.empty() ? 0 : 1;
      append_integer(&out, found);
      break;
    }
    case CommandKind::kDel: {
      int64_t removed = 0;
      for (const MemberReply& r : pending.results) removed += static_cast<int64_t>(r.count);
      append_integer(&out, removed);
      break;
    }
    case CommandKind::kSet:
    case CommandKind::kMset:
      append_simple(&out, "OK");
      break;
    case CommandKind::kDbsize:
      append_integer(&out, static_cast<int64_t>(pending.results[0].count));
      break;
    case CommandKind::kEddyMembers: {
      std::vector<MemberReply> members(pending.results.begin(), pending.results.end());
      std::sort(members.begin(), members.end(),
                [](const MemberReply& a, const MemberReply& b) { return a.member < b.member; });
      append_array_header(&out, members.size());
      for (const MemberReply& r : members) {
        append_array_header(&out, 5);
        append_integer(&out, r.member);
        // A member that is down: what only it can tell is nil.
        if (r.member_down) {
          append_null_bulk(&out);
          append_null_bulk(&out);
        } else {
          append_integer(&out, static_cast<int64_t>(r.count));
          append_bulk(&out, absl::StrFormat("%016x", r.digest));
        }
        append_integer(&out,
                       static_cast<int64_t>(r.member < routed_.size() ? routed_[r.member] : 0));
        if (r.member_down) {
          append_null_bulk(&out);
        } else {
          append_integer(&out, static_cast<int64_t>(r.tombstones));
        }
      }
      break;
    }
    default:
      break;
  }
  return out;
}

std::string Coordinator::answer_locally(const Session& session, const Command& command) const {
  std::string out;
  const std::vector<std::string>& a = command.args;
  switch (command.kind) {
    case CommandKind::kImmediate:
      return command.reply;
    case CommandKind::kPing:
      if (a.empty()) {
        append_simple(&out, "PONG");
      } else {
        append_bulk(&out, a[0]);
      }
      return out;
    case CommandKind::kEcho:
      append_bulk(&out, a[0]);
      return out;
    case CommandKind::kInfo:
      append_bulk(&out, absl::StrCat("# Server\r\nredis_version:7.0.0\r\neddy_version:0.1.0\r\n",
                                     "eddy_mode:", options_.mode, "\r\neddy_lattice:",
                                     options_.lattice, "\r\neddy_ack:", ack_name(options_.ack),
                                     "\r\neddy_members:", options_.members,
                                     "\r\n\r\n# Clients\r\nconnected_clients:", sessions_.size(),
                                     "\r\n\r\n# Keyspace\r\n"));
      return out;
    case CommandKind::kCommand:
      return command_reply(a);
    case CommandKind::kConfigGet: {
      // What redis-benchmark asks at start-up; eddy keeps no Redis-style persistence settings.
      const std::string param = absl::AsciiStrToLower(a[1]);
      if (param == "save" || param == "appendonly") {
        append_array_header(&out, 2);
        append_bulk(&out, param);
        append_bulk(&out, param == "save" ? "" : "no");
      } else {
        append_array_header(&out, 0);
      }
      return out;
    }
    case CommandKind::kClientSetname:
    case CommandKind::kSelect:
    case CommandKind::kQuit:
      return ok();
    case CommandKind::kClientGetname:
      if (session.name.empty()) {
        append_null_bulk(&out);
      } else {
        append_bulk(&out, session.name);
      }
      return out;
    default:
      return out;
  }
}

}  // namespace eddy::kvs

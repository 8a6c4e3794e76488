#include "kvs/servers/cluster_state_server_gateway.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "kvs/protocol/commands.h"

namespace eddy::kvs {
namespace {

RespOut error_out(absl::string_view text, bool close = false) {
  RespOut out;
  append_error(&out.bytes, text);
  out.close = close;
  return out;
}

RespOut bytes_out(std::string bytes, bool close = false) {
  return RespOut{std::move(bytes), close};
}

}  // namespace

bool ClusterStateGateway::keeps_full_tables(uint32_t member) const {
  return replica_role(roles_, member) != NodeRole::kLeecher;
}

void ClusterStateGateway::step(TimeMs now, GatewayEvent event, std::vector<GatewayAction>* out) {
  liveness_.start(now);
  if (auto* request = std::get_if<GatewayRequest>(&event)) {
    on_request(now, request->conn, std::move(request->request), out);
  } else if (auto* message = std::get_if<FromReplica>(&event)) {
    on_replica(now, std::move(*message), out);
  } else if (auto* gone = std::get_if<GatewayGone>(&event)) {
    const uint64_t conn = gone->conn.raw;
    sessions_.erase(conn);
    in_flight_.erase(in_flight_.lower_bound({conn, 0}), in_flight_.lower_bound({conn + 1, 0}));
  } else {
    on_timer(now, out);
  }
}

void ClusterStateGateway::on_request(TimeMs now, ConnectionId conn, RespRequest request,
                                     std::vector<GatewayAction>* out) {
  const uint64_t seq = sessions_[conn.raw].next_seq++;
  if (request.protocol_error.empty() && !request.args.empty()) {
    const bool call = absl::EqualsIgnoreCase(request.args[0], "state.call");
    if (call || absl::EqualsIgnoreCase(request.args[0], "state.query")) {
      if (std::optional<std::string> error = route(now, conn, seq, request, out)) {
        complete(conn, seq, error_out(*error), out);
      }
      return;
    }
  }
  complete(conn, seq, local_reply(request), out);
}

void ClusterStateGateway::on_replica(TimeMs now, FromReplica message,
                                     std::vector<GatewayAction>* out) {
  liveness_.heard(message.member, now);
  auto* reply = std::get_if<StateReply>(&message.message);
  if (reply == nullptr) return;  // ReplicaAlive.
  auto it = in_flight_.find({reply->conn, reply->seq});
  // Answered already (timed out, or asked again elsewhere), or the connection closed.
  if (it == in_flight_.end()) return;
  in_flight_.erase(it);
  complete(ConnectionId{reply->conn}, reply->seq, RespOut{std::move(reply->resp), false}, out);
}

void ClusterStateGateway::on_timer(TimeMs now, std::vector<GatewayAction>* out) {
  std::vector<RequestKey> late;
  for (const auto& [key, in_flight] : in_flight_) {
    if (now - in_flight.sent_at >= liveness_.timeout()) late.push_back(key);
  }
  for (const RequestKey& key : late) {
    auto it = in_flight_.find(key);
    InFlight in_flight = std::move(it->second);
    in_flight_.erase(it);
    if (in_flight.request.query && in_flight.by_any && in_flight.asked < replicas_) {
      if (std::optional<uint32_t> next =
              pick_any(now, in_flight.needs_full, /*skip=*/in_flight.member)) {
        in_flight.member = *next;
        ++in_flight.asked;
        dispatch(now, std::move(in_flight), out);
        continue;
      }
    }
    complete(ConnectionId{key.first}, key.second, error_out(timeout_error(now, in_flight)), out);
  }
}

std::string ClusterStateGateway::timeout_error(TimeMs now, const InFlight& in_flight) const {
  std::string error = absl::StrCat("ERR replica ", in_flight.member, " did not answer ",
                                   in_flight.request.name, " within ", liveness_.timeout(), " ms");
  if (!is_up(in_flight.member, now)) {
    absl::StrAppend(&error, " (it is down: no word from it for ", silent_for(in_flight.member, now),
                    " ms)");
  } else if (std::optional<uint32_t> master = master_replica(roles_, replicas_);
             in_flight.assign && master && *master != in_flight.member && !is_up(*master, now)) {
    absl::StrAppend(&error, " (it forwards assignments to the master, replica ", *master,
                    ", which is down: no word from it for ", silent_for(*master, now), " ms)");
  }
  if (!in_flight.request.query)
    absl::StrAppend(&error, "; the call may or may not have been applied");
  return error;
}

std::optional<uint32_t> ClusterStateGateway::pick_any(TimeMs now, bool needs_full,
                                                      std::optional<uint32_t> skip) {
  for (uint32_t i = 0; i < replicas_; ++i) {
    const uint32_t m = static_cast<uint32_t>((round_robin_ + i) % replicas_);
    if (m == skip || (needs_full && !keeps_full_tables(m)) || !is_up(m, now)) continue;
    round_robin_ = m + 1;
    return m;
  }
  return std::nullopt;
}

void ClusterStateGateway::dispatch(TimeMs now, InFlight in_flight,
                                   std::vector<GatewayAction>* out) {
  in_flight.sent_at = now;
  out->push_back(RequestTo{MemberId{in_flight.member}, in_flight.request});
  const RequestKey key{in_flight.request.conn, in_flight.request.seq};
  in_flight_.insert_or_assign(key, std::move(in_flight));
}

std::optional<std::string> ClusterStateGateway::route(TimeMs now, ConnectionId conn, uint64_t seq,
                                                      RespRequest& request,
                                                      std::vector<GatewayAction>* out) {
  const std::vector<std::string>& a = request.args;
  const std::string command = absl::AsciiStrToLower(a[0]);
  const bool query = command == "state.query";
  if (a.size() < 3)
    return absl::StrCat("ERR wrong number of arguments for '", command, "' command");
  absl::StatusOr<StateFields> fields = pair_fields(a, 3);
  if (!fields.ok()) return std::string(fields.status().message());
  // Checked here, so that bad input is answered at once; the replica reads it again.
  bool needs_full = false;
  bool assign = false;
  if (query) {
    absl::StatusOr<ParsedQuery> parsed = parse_query(a[2], *fields);
    if (!parsed.ok()) return std::string(parsed.status().message());
    needs_full = parsed->needs_full_tables;
  } else {
    absl::StatusOr<ParsedCall> parsed = parse_call(a[2], *fields);
    if (!parsed.ok()) return std::string(parsed.status().message());
    needs_full = true;  // Leechers take no calls.
    assign = parsed->is_assign;
  }
  // Every assignment is decided by the master, wherever it is sent.
  if (std::optional<uint32_t> master = master_replica(roles_, replicas_);
      assign && master && !is_up(*master, now)) {
    return absl::StrCat("ERR the master, replica ", *master,
                        ", which decides every assignment, is down (no word from it for ",
                        silent_for(*master, now), " ms); the call was not sent");
  }
  InFlight in_flight;
  in_flight.needs_full = needs_full;
  in_flight.assign = assign;
  in_flight.request = StateRequest{conn.raw, seq, query, a[2], *std::move(fields)};
  const char* what = query ? "query" : "call";
  if (absl::EqualsIgnoreCase(a[1], "any")) {
    std::optional<uint32_t> target = pick_any(now, needs_full);
    if (!target) {
      return absl::StrCat("ERR no replica that keeps the tables this command needs is up; the ",
                          what, " was not sent");
    }
    in_flight.member = *target;
    in_flight.by_any = true;
  } else {
    uint32_t target = 0;
    const bool digits =
        !a[1].empty() && a[1].size() <= 9 && std::all_of(a[1].begin(), a[1].end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c));
        });
    if (!digits || !absl::SimpleAtoi(a[1], &target)) {
      return absl::StrCat("ERR replica must be a replica id or 'any', not '", a[1], "'");
    }
    if (target >= replicas_) {
      return absl::StrCat("ERR no replica ", target, ": the replicas are 0..", replicas_ - 1);
    }
    if (needs_full && !keeps_full_tables(target)) {
      return query ? absl::StrCat("ERR replica ", target,
                                  " is a leecher: it keeps no tasks or content")
                   : absl::StrCat("ERR replica ", target, " is a leecher: it takes no calls");
    }
    if (!is_up(target, now)) {
      return absl::StrCat("ERR replica ", target, " is down (no word from it for ",
                          silent_for(target, now), " ms); the ", what, " was not sent");
    }
    in_flight.member = target;
  }
  dispatch(now, std::move(in_flight), out);
  return std::nullopt;
}

RespOut ClusterStateGateway::local_reply(const RespRequest& request) {
  Command command = parse_command(request, CommandLimits{});
  switch (command.kind) {
    case CommandKind::kImmediate:
      return bytes_out(std::move(command.reply), command.close);
    case CommandKind::kPing: {
      if (command.args.empty()) return bytes_out("+PONG\r\n");
      std::string out;
      append_bulk(&out, command.args[0]);
      return bytes_out(std::move(out));
    }
    case CommandKind::kEcho: {
      if (command.args.size() != 1)
        return error_out("ERR wrong number of arguments for 'echo' command");
      std::string out;
      append_bulk(&out, command.args[0]);
      return bytes_out(std::move(out));
    }
    case CommandKind::kCommand:
      return bytes_out(command_reply(command.args));
    case CommandKind::kConfigGet: {
      std::string out;
      append_array_header(&out, 0);
      return bytes_out(std::move(out));
    }
    case CommandKind::kClientSetname:
    case CommandKind::kSelect:
      return bytes_out("+OK\r\n");
    case CommandKind::kClientGetname: {
      std::string out;
      append_null_bulk(&out);
      return bytes_out(std::move(out));
    }
    case CommandKind::kQuit:
      return bytes_out("+OK\r\n", /*close=*/true);
    case CommandKind::kInfo: {
      std::string out;
      append_bulk(
          &out,
          absl::StrCat("# Server\r\neddy_service:cluster_state\r\nreplicas:", replicas_, "\r\n"));
      return bytes_out(std::move(out));
    }
    default:
      // The key-value commands: this service speaks STATE.CALL and STATE.QUERY instead.
      return error_out(absl::StrCat("ERR unknown command '", request.args[0],
                                    "': this is the cluster-state service (STATE.CALL, "
                                    "STATE.QUERY)"));
  }
}

void ClusterStateGateway::complete(ConnectionId conn, uint64_t seq, RespOut reply,
                                   std::vector<GatewayAction>* out) {
  auto it = sessions_.find(conn.raw);
  if (it == sessions_.end()) return;  // The connection closed.
  Session& session = it->second;
  session.ready.emplace(seq, std::move(reply));
  for (auto next = session.ready.begin();
       next != session.ready.end() && next->first == session.next_release;
       next = session.ready.begin()) {
    out->push_back(ReplyTo{conn, std::move(next->second)});
    session.ready.erase(next);
    ++session.next_release;
  }
}

}  // namespace eddy::kvs

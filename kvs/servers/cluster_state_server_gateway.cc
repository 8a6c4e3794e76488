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

void ClusterStateGateway::step(GatewayEvent event, std::vector<GatewayAction>* out) {
  if (auto* request = std::get_if<GatewayRequest>(&event)) {
    on_request(request->conn, std::move(request->request), out);
  } else if (auto* reply = std::get_if<StateReply>(&event)) {
    complete(ConnectionId{reply->conn}, reply->seq, RespOut{std::move(reply->resp), false}, out);
  } else {
    sessions_.erase(std::get<GatewayGone>(event).conn.raw);
  }
}

void ClusterStateGateway::on_request(ConnectionId conn, RespRequest request,
                                     std::vector<GatewayAction>* out) {
  const uint64_t seq = sessions_[conn.raw].next_seq++;
  if (request.protocol_error.empty() && !request.args.empty()) {
    const bool call = absl::EqualsIgnoreCase(request.args[0], "state.call");
    if (call || absl::EqualsIgnoreCase(request.args[0], "state.query")) {
      if (std::optional<std::string> error = route(conn, seq, request, out)) {
        complete(conn, seq, error_out(*error), out);
      }
      return;
    }
  }
  complete(conn, seq, local_reply(request), out);
}

std::optional<std::string> ClusterStateGateway::route(ConnectionId conn, uint64_t seq,
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
  if (query) {
    absl::StatusOr<ParsedQuery> parsed = parse_query(a[2], *fields);
    if (!parsed.ok()) return std::string(parsed.status().message());
    needs_full = parsed->needs_full_tables;
  } else {
    absl::StatusOr<ParsedCall> parsed = parse_call(a[2], *fields);
    if (!parsed.ok()) return std::string(parsed.status().message());
    needs_full = true;  // Leechers take no calls.
  }
  auto eligible = [&](uint32_t m) {
    return !needs_full || replica_role(roles_, m) != NodeRole::kLeecher;
  };
  uint32_t target = 0;
  if (absl::EqualsIgnoreCase(a[1], "any")) {
    bool found = false;
    for (uint32_t i = 0; i < replicas_ && !found; ++i) {
      const uint32_t m = static_cast<uint32_t>((round_robin_ + i) % replicas_);
      if (eligible(m)) {
        target = m;
        found = true;
      }
    }
    if (!found) return std::string("ERR no replica keeps the tables this command needs");
    round_robin_ = target + 1;
  } else {
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
    if (!eligible(target)) {
      return query ? absl::StrCat("ERR replica ", target,
                                  " is a leecher: it keeps no tasks or content")
                   : absl::StrCat("ERR replica ", target, " is a leecher: it takes no calls");
    }
  }
  StateRequest to_replica{conn.raw, seq, query, a[2], *std::move(fields)};
  out->push_back(RequestTo{MemberId{target}, std::move(to_replica)});
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

// Commands: a client's RESP request read as one of the commands eddy's stores speak, with the
// arity and syntax checks (and error texts) of Redis 7.
//
// Data commands (GET SET DEL MGET MSET EXISTS DBSIZE) go to the cluster; the others (PING ECHO
// INFO COMMAND CONFIG CLIENT SELECT QUIT) are answered by the coordinator. A request that is not
// a valid command becomes an immediate error reply: the connection stays open.
//
// Two admin commands look inside a replicated store:
//   EDDY.MEMBERS            for every member: [id, live keys, digest of its whole table (hex),
//                           client ops the coordinator has routed to it, tombstones it still
//                           holds]; equal digests mean equal tables.
//   EDDY.GETFROM member key the value `member` holds for `key`, read there directly (no session
//                           guarantees: it shows what that replica has right now).
#ifndef EDDY_KVS_PROTOCOL_COMMANDS_H_
#define EDDY_KVS_PROTOCOL_COMMANDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "kvs/protocol/resp.h"

namespace eddy::kvs {

enum class CommandKind {
  kGet,
  kSet,
  kDel,
  kMget,
  kMset,
  kExists,
  kDbsize,
  kEddyMembers,
  kEddyGetFrom,
  kPing,
  kEcho,
  kInfo,
  kCommand,
  kConfigGet,
  kClientSetname,
  kClientGetname,
  kSelect,
  kQuit,
  kImmediate,  // answered by `reply` at once (errors, and commands with a fixed answer)
};

struct Command {
  CommandKind kind = CommandKind::kImmediate;
  std::vector<std::string> args;  // the request's arguments after the command name
  std::string reply;              // kImmediate: the RESP bytes to answer with
  bool close = false;             // the connection closes after the reply (QUIT, bad input)
};

struct CommandLimits {
  // A value above this is refused with an error (the cluster's frames must carry it).
  size_t max_value_bytes = size_t{4} << 20;
};

// True for commands that change the store.
bool is_write(CommandKind kind);
// True for commands whose answer comes from the cluster.
bool is_data(CommandKind kind);

// Reads `request` as a command. Never fails: whatever is wrong becomes a kImmediate error reply
// worded as Redis words it.
Command parse_command(RespRequest request, const CommandLimits& limits);

// The reply to COMMAND / COMMAND COUNT / COMMAND DOCS (what redis-cli asks at start-up).
std::string command_reply(const std::vector<std::string>& args);

}  // namespace eddy::kvs

#endif  // EDDY_KVS_PROTOCOL_COMMANDS_H_

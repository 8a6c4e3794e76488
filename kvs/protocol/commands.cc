#include "kvs/protocol/commands.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace eddy::kvs {
namespace {

// Name, arity as Redis states it (negative: at least that many, counting the name), flags.
struct CommandSpec {
  const char* name;
  int arity;
  CommandKind kind;
  const char* flags;
};

constexpr CommandSpec kCommands[] = {
    {"get", 2, CommandKind::kGet, "readonly fast"},
    {"set", -3, CommandKind::kSet, "write denyoom"},
    {"del", -2, CommandKind::kDel, "write"},
    {"mget", -2, CommandKind::kMget, "readonly fast"},
    {"mset", -3, CommandKind::kMset, "write denyoom"},
    {"exists", -2, CommandKind::kExists, "readonly fast"},
    {"dbsize", 1, CommandKind::kDbsize, "readonly fast"},
    {"eddy.members", 1, CommandKind::kEddyMembers, "readonly"},
    {"eddy.getfrom", 3, CommandKind::kEddyGetFrom, "readonly"},
    {"ping", -1, CommandKind::kPing, "fast"},
    {"echo", 2, CommandKind::kEcho, "fast"},
    {"info", -1, CommandKind::kInfo, "loading stale"},
    {"command", -1, CommandKind::kCommand, "loading stale"},
    {"config", -2, CommandKind::kConfigGet, "admin"},
    {"client", -2, CommandKind::kClientSetname, "admin"},
    {"select", 2, CommandKind::kSelect, "loading stale fast"},
    {"quit", -1, CommandKind::kQuit, "fast"},
};

Command immediate(std::string reply) {
  Command command;
  command.kind = CommandKind::kImmediate;
  command.reply = std::move(reply);
  return command;
}

Command error(const std::string& text) {
  std::string reply;
  append_error(&reply, text);
  return immediate(std::move(reply));
}

Command wrong_arity(const std::string& name) {
  return error(absl::StrCat("ERR wrong number of arguments for '", name, "' command"));
}

// "ERR unknown command 'X', with args beginning with: 'a' 'b' " (Redis shows up to 128 bytes
// of each argument).
Command unknown(const RespRequest& request) {
  std::string text = absl::StrCat("ERR unknown command '", request.args[0],
                                  "', with args beginning with: ");
  for (size_t i = 1; i < request.args.size() && text.size() < 512; ++i) {
    absl::StrAppend(&text, "'", request.args[i].substr(0, 128), "' ");
  }
  return error(text);
}

bool valid_client_name(const std::string& name) {
  return std::all_of(name.begin(), name.end(), [](unsigned char c) { return c > ' ' && c <= '~'; });
}

}  // namespace

bool is_write(CommandKind kind) {
  return kind == CommandKind::kSet || kind == CommandKind::kDel || kind == CommandKind::kMset;
}

bool is_data(CommandKind kind) {
  switch (kind) {
    case CommandKind::kGet:
    case CommandKind::kSet:
    case CommandKind::kDel:
    case CommandKind::kMget:
    case CommandKind::kMset:
    case CommandKind::kExists:
    case CommandKind::kDbsize:
    case CommandKind::kEddyMembers:
    case CommandKind::kEddyGetFrom:
      return true;
    default:
      return false;
  }
}

// The spec of a command name, whatever its case; null for an unknown one. On the hot path: no
// allocation, a switch on the length, then a case-insensitive compare.
const CommandSpec* find_spec(const std::string& name) {
  for (const CommandSpec& spec : kCommands) {
    const size_t n = std::char_traits<char>::length(spec.name);
    if (n == name.size() && absl::EqualsIgnoreCase(name, spec.name)) return &spec;
  }
  return nullptr;
}

Command parse_command(RespRequest request, const CommandLimits& limits) {
  if (!request.protocol_error.empty()) {
    Command last = error(request.protocol_error);
    last.close = true;
    return last;
  }
  if (request.args.empty()) return error("ERR empty command");
  const CommandSpec* spec = find_spec(request.args[0]);
  if (spec == nullptr) return unknown(request);
  const std::string name = spec->name;
  const int given = static_cast<int>(request.args.size());
  if ((spec->arity > 0 && given != spec->arity) || (spec->arity < 0 && given < -spec->arity)) {
    return wrong_arity(name);
  }
  Command command;
  command.kind = spec->kind;
  command.close = spec->kind == CommandKind::kQuit;
  command.args.assign(std::make_move_iterator(request.args.begin() + 1),
                      std::make_move_iterator(request.args.end()));
  const std::vector<std::string>& a = command.args;
  switch (spec->kind) {
    case CommandKind::kSet:
      if (a.size() > 2) {
        return error("ERR syntax error: eddy's SET takes a key and a value, without options "
                     "(EX, PX, NX, XX, KEEPTTL, GET)");
      }
      if (a[1].size() > limits.max_value_bytes) {
        return error(absl::StrCat("ERR value of ", a[1].size(), " bytes is over the limit of ",
                                  limits.max_value_bytes, " bytes"));
      }
      return command;
    case CommandKind::kMset:
      if (a.size() % 2 != 0) return wrong_arity("mset");
      for (size_t i = 1; i < a.size(); i += 2) {
        if (a[i].size() > limits.max_value_bytes) {
          return error(absl::StrCat("ERR value of ", a[i].size(), " bytes is over the limit of ",
                                    limits.max_value_bytes, " bytes"));
        }
      }
      return command;
    case CommandKind::kPing:
      if (a.size() > 1) return wrong_arity("ping");
      return command;
    case CommandKind::kConfigGet: {
      const std::string sub = absl::AsciiStrToLower(a[0]);
      if (sub != "get") {
        return error(absl::StrCat("ERR unknown subcommand '", a[0], "'. Try CONFIG HELP."));
      }
      if (a.size() != 2) return wrong_arity("config|get");
      return command;
    }
    case CommandKind::kClientSetname: {
      const std::string sub = absl::AsciiStrToLower(a[0]);
      if (sub == "getname") {
        if (a.size() != 1) return wrong_arity("client|getname");
        command.kind = CommandKind::kClientGetname;
        return command;
      }
      if (sub != "setname") {
        return error(absl::StrCat("ERR unknown subcommand '", a[0], "'. Try CLIENT HELP."));
      }
      if (a.size() != 2) return wrong_arity("client|setname");
      if (!valid_client_name(a[1])) {
        return error("ERR Client names cannot contain spaces, newlines or special characters.");
      }
      return command;
    }
    case CommandKind::kEddyGetFrom: {
      const std::string& m = a[0];
      if (m.empty() || m.size() > 9 || !std::all_of(m.begin(), m.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c));
          })) {
        return error("ERR value is not an integer or out of range");
      }
      return command;
    }
    case CommandKind::kSelect: {
      if (a[0] == "0") return command;
      const bool number = !a[0].empty() && std::all_of(a[0].begin(), a[0].end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) || c == '-';
      });
      return error(number ? "ERR DB index is out of range"
                          : "ERR value is not an integer or out of range");
    }
    default:
      return command;
  }
}

std::string command_reply(const std::vector<std::string>& args) {
  std::string out;
  const std::string sub = args.empty() ? "" : absl::AsciiStrToLower(args[0]);
  if (sub == "count") {
    append_integer(&out, static_cast<int64_t>(std::size(kCommands)));
  } else if (sub == "docs") {
    append_array_header(&out, 0);  // no docs; redis-cli starts without hints
  } else if (sub.empty()) {
    // COMMAND: name, arity, flags, first key, last key, key step (the Redis 6 reply shape).
    append_array_header(&out, std::size(kCommands));
    for (const CommandSpec& spec : kCommands) {
      const bool has_keys = spec.kind == CommandKind::kGet || spec.kind == CommandKind::kSet ||
                            spec.kind == CommandKind::kDel || spec.kind == CommandKind::kMget ||
                            spec.kind == CommandKind::kMset || spec.kind == CommandKind::kExists;
      append_array_header(&out, 6);
      append_bulk(&out, spec.name);
      append_integer(&out, spec.arity);
      std::vector<std::string> flags = absl::StrSplit(spec.flags, ' ');
      append_array_header(&out, flags.size());
      for (const std::string& flag : flags) append_simple(&out, flag);
      append_integer(&out, has_keys ? 1 : 0);
      append_integer(&out, has_keys ? (spec.arity < 0 ? -1 : 1) : 0);
      append_integer(&out, has_keys ? (spec.kind == CommandKind::kMset ? 2 : 1) : 0);
    }
  } else {
    append_error(&out, absl::StrCat("ERR unknown subcommand '", args[0], "'. Try COMMAND HELP."));
  }
  return out;
}

}  // namespace eddy::kvs

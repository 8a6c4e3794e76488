// eddy-state: a command-line client of the cluster-state service (eddy-state-server), or of
// one replica's data directory with no server running.
//
//   eddy-state --connect HOST:PORT [--replica ID|any] [--json] COMMAND [field=value ...]
//   eddy-state --data-dir DIR [--replica ID] [--json] COMMAND [field=value ...]
//   eddy-state (--connect ... | --data-dir ...) [--json] [--count N] watch
//
// COMMAND is an operation (sent as STATE.CALL) or a query (STATE.QUERY) of
// kvs/servers/cluster_state_server_commands.h, with its fields, e.g.
//   eddy-state --connect 127.0.0.1:7000 register_node node_id=n1 role=worker cpu_count=8
//   eddy-state --connect 127.0.0.1:7000 --replica 1 assign_task task_id=t1
//   eddy-state --data-dir /var/lib/state get_cluster_status_summary
// --data-dir opens the store (kvs/cluster_state/persistence.h) as replica --replica (default
// "local"), runs the command through the same command layer as the server, and syncs the log.
// `watch` prints get_cluster_status_summary every second until Ctrl-C, or --count times. On a
// terminal it clears the screen before each; with --json each is one JSON line (for scripts).
//
// Output: with --json the reply's JSON as it came (one line); otherwise an array of rows as an
// aligned table, an object as `key: value` lines. Exit status: 0 on success; 1 for usage
// errors, a server's error reply (on stderr) or I/O errors; 2 when an operation ran but its
// code is not ok (code and message on stderr).
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "dataflow/deploy/run_main.h"
#include "kvs/cluster_state/persistence.h"
#include "kvs/protocol/resp_client.h"
#include "kvs/servers/cluster_state_server_commands.h"
#include "tools/eddy-state/json_text.h"

ABSL_FLAG(std::string, connect, "", "HOST:PORT of an eddy-state-server's RESP port");
ABSL_FLAG(std::string, data_dir, "", "run against this replica data directory, no server");
ABSL_FLAG(std::string, replica, "",
          "--connect: replica id that runs the command, or any (default); --data-dir: the "
          "replica id the directory belongs to (default local)");
ABSL_FLAG(bool, json, false, "print the reply's JSON as it came");
ABSL_FLAG(int32_t, count, 0, "watch: stop after this many refreshes (0: until Ctrl-C)");

namespace {

using eddy::kvs::StateFields;

// The queries of cluster_state_server_commands.h; every other name is an operation.
const std::set<std::string_view>& query_names() {
  static const auto* names = new std::set<std::string_view>{
      "get_state",
      "digest",
      "get_node_by_id",
      "get_all_nodes",
      "find_nodes_by_role",
      "find_nodes_with_gpu",
      "find_tasks_by_status",
      "find_tasks_by_resource_requirements",
      "find_available_node_for_task",
      "get_cluster_status_summary",
      "get_task_execution_metrics",
      "find_orphaned_content",
      "estimate_time_to_completion",
  };
  return *names;
}

// One command line's request.
struct Invocation {
  std::string command;
  bool is_query = false;
  StateFields fields;
};

// "name=value" -> (name, value); the value may hold '=' and may be empty.
absl::StatusOr<std::pair<std::string, std::string>> parse_field(std::string_view arg) {
  const size_t eq = arg.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed field '", std::string(arg), "': expected field=value"));
  }
  return std::pair{std::string(arg.substr(0, eq)), std::string(arg.substr(eq + 1))};
}

// args[0] is the command, the rest its fields. The command is checked to be an operation or
// a query; the fields only for their shape (the command layer checks the rest).
absl::StatusOr<Invocation> parse_invocation(const std::vector<std::string>& args) {
  if (args.empty()) return absl::InvalidArgumentError("missing command (try --help)");
  Invocation invocation;
  invocation.command = args[0];
  invocation.is_query = query_names().contains(invocation.command);
  if (!invocation.is_query) {
    auto probe = eddy::kvs::parse_call(invocation.command, {});
    if (!probe.ok() && absl::StartsWith(probe.status().message(), "ERR unknown operation")) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown command '", invocation.command, "': not an operation or query"));
    }
  }
  for (size_t i = 1; i < args.size(); ++i) {
    absl::StatusOr<std::pair<std::string, std::string>> field = parse_field(args[i]);
    if (!field.ok()) return field.status();
    invocation.fields.push_back(*std::move(field));
  }
  return invocation;
}

// Sends the invocation to a server; its JSON reply, or the error reply's text as Unavailable
// (for a connection failure) or Aborted (the server refused the command).
absl::StatusOr<std::string> run_remote(const Invocation& invocation, const std::string& at,
                                       const std::string& replica) {
  absl::StatusOr<eddy::Endpoint> endpoint = eddy::Endpoint::parse(at);
  if (!endpoint.ok()) return endpoint.status();
  auto client = eddy::kvs::RespClient::connect(*endpoint);
  if (!client.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to ", at, ": ", client.status().message()));
  }
  std::vector<std::string> args{invocation.is_query ? "STATE.QUERY" : "STATE.CALL",
                                replica.empty() ? "any" : replica, invocation.command};
  for (const auto& [name, value] : invocation.fields) {
    args.push_back(name);
    args.push_back(value);
  }
  absl::StatusOr<eddy::kvs::RespValue> reply = (*client)->call(args);
  if (!reply.ok()) return reply.status();
  using Kind = eddy::kvs::RespValue::Kind;
  if (reply->kind == Kind::kError) return absl::AbortedError(reply->text);
  if (reply->kind != Kind::kBulkString) {
    return absl::InternalError(absl::StrCat("unexpected reply: ", eddy::kvs::to_cli_text(*reply)));
  }
  return reply->text;
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Runs an operation on the store through the command layer; its call_json reply.
absl::StatusOr<std::string> run_local_call(eddy::kvs::ClusterStateStore& store,
                                           const Invocation& invocation, int64_t now) {
  absl::StatusOr<eddy::kvs::ParsedCall> call =
      eddy::kvs::parse_call(invocation.command, invocation.fields);
  if (!call.ok()) return absl::AbortedError(call.status().message());
  std::string chosen;
  absl::StatusOr<eddy::kvs::OpResult> result =
      store.update(now, [&](eddy::kvs::ClusterState& state) {
        if (!call->is_assign) return call->run(state, now);
        auto [op, node] = eddy::kvs::run_assign(state, call->task_id, call->node_id, now);
        chosen = node;
        return op;
      });
  if (!result.ok()) return result.status();
  if (absl::Status s = store.sync(now); !s.ok()) return s;
  return call->is_assign ? eddy::kvs::call_json(*result, chosen) : eddy::kvs::call_json(*result);
}

// Opens the data directory and runs the invocation there; its JSON reply.
absl::StatusOr<std::string> run_local(const Invocation& invocation, const std::string& dir,
                                      const std::string& replica) {
  const std::string id = replica.empty() ? "local" : replica;
  eddy::kvs::ClusterStateStoreOptions options;
  options.fsync.mode = eddy::kvs::StoreFsync::Mode::kAlways;
  auto store = eddy::kvs::ClusterStateStore::open(dir, id, options);
  if (!store.ok()) return store.status();
  const int64_t now = wall_ms();
  if (!invocation.is_query) return run_local_call(**store, invocation, now);
  absl::StatusOr<eddy::kvs::ParsedQuery> query =
      eddy::kvs::parse_query(invocation.command, invocation.fields);
  if (!query.ok()) return absl::AbortedError(query.status().message());
  return query->run((*store)->state(), now);
}

absl::StatusOr<std::string> run(const Invocation& invocation) {
  const std::string connect = absl::GetFlag(FLAGS_connect);
  const std::string dir = absl::GetFlag(FLAGS_data_dir);
  if (connect.empty() == dir.empty()) {
    return absl::InvalidArgumentError("give exactly one of --connect HOST:PORT and --data-dir DIR");
  }
  const std::string replica = absl::GetFlag(FLAGS_replica);
  return connect.empty() ? run_local(invocation, dir, replica)
                         : run_remote(invocation, connect, replica);
}

// Prints a reply; returns the exit status (2 for an operation whose code is not ok).
int print_reply(const Invocation& invocation, const std::string& json, bool as_json) {
  absl::StatusOr<eddy::tools::JsonValue> value = eddy::tools::parse_json(json);
  if (as_json || !value.ok()) {
    std::cout << json << "\n";
  } else if (invocation.is_query) {
    std::cout << eddy::tools::render_human(*value);
  }
  if (invocation.is_query || !value.ok()) return 0;
  const eddy::tools::JsonValue* code = value->member("code");
  const eddy::tools::JsonValue* message = value->member("message");
  if (code == nullptr || code->text != "ok") {
    std::cerr << (code ? code->text : "no code") << ": " << (message ? message->text : "") << "\n";
    return 2;
  }
  if (!as_json) std::cout << eddy::tools::render_human(*value);
  return 0;
}

// The invocation's exit status, after printing its reply or error.
int run_and_print(const Invocation& invocation, bool as_json) {
  absl::StatusOr<std::string> reply = run(invocation);
  if (!reply.ok()) {
    std::cerr << (reply.status().code() == absl::StatusCode::kAborted ? "" : "error: ")
              << reply.status().message() << "\n";
    return 1;
  }
  return print_reply(invocation, *reply, as_json);
}

// `watch`: the summary every second, `count` times (0: until interrupted). Returns 1 if a
// refresh failed (it said why on stderr), else 0.
int watch(int32_t count, bool as_json) {
  const Invocation summary{"get_cluster_status_summary", true, {}};
  const bool terminal = isatty(STDOUT_FILENO) != 0;
  int status = 0;
  for (int32_t refresh = 1; count <= 0 || refresh <= count; ++refresh) {
    if (refresh > 1) std::this_thread::sleep_for(std::chrono::seconds(1));
    if (!as_json) {
      // A terminal shows one summary at a time; anything else gets them one after the other.
      if (terminal) std::cout << "\033[H\033[2J";
      if (!terminal && refresh > 1) std::cout << "\n";
      std::cout << "cluster status ("
                << (count > 0 ? absl::StrCat(refresh, " of ", count, ", every 1s")
                              : std::string("every 1s, Ctrl-C to stop"))
                << ")\n\n";
    }
    if (run_and_print(summary, as_json) != 0) status = 1;
    std::cout.flush();
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> positional = eddy::parse_command_line(
      argc, argv,
      "eddy-state (--connect HOST:PORT | --data-dir DIR) [--replica ID|any] [--json] COMMAND "
      "[field=value ...]\n  eddy-state (--connect ... | --data-dir ...) [--json] [--count N] "
      "watch");
  std::vector<std::string> args(positional.begin() + 1, positional.end());
  if (args.size() == 1 && args[0] == "watch") {
    return watch(absl::GetFlag(FLAGS_count), absl::GetFlag(FLAGS_json));
  }
  absl::StatusOr<Invocation> invocation = parse_invocation(args);
  if (!invocation.ok()) {
    std::cerr << "error: " << invocation.status().message() << "\n";
    return 1;
  }
  return run_and_print(*invocation, absl::GetFlag(FLAGS_json));
}

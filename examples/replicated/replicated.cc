// The replicated key-value store demo: a coordinator and three members, as four processes on
// this host, driven by a scripted Redis-protocol session that shows round-robin placement,
// gossip, a write conflict resolved alike everywhere, and convergence.
//
//   build/bin/replicated                                   the scripted demo; exits 0 when every
//                                                          check held
//   build/bin/replicated --keep-running --resp-port=6380   then stays up for redis-cli
//
// The same binary is each of the four processes: started with --topology it runs one instance
// of the store's flow (eddy::run_main), as eddy-deploy would start it.
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "dataflow/deploy/run_main.h"
#include "examples/common/child_processes.h"
#include "kvs/protocol/resp_client.h"
#include "kvs/servers/kvs_server.h"

ABSL_FLAG(bool, keep_running, false, "after the scripted session, keep serving until Ctrl-C");
ABSL_FLAG(int32_t, resp_port, 0, "the Redis-protocol port (0 picks a free one)");
ABSL_FLAG(std::string, lattice, "lww", "value type: lww or causal");

namespace {

using eddy::Endpoint;
using eddy::kvs::RespClient;
using eddy::kvs::RespValue;
using eddy::kvs::to_cli_text;
constexpr uint32_t kMembers = 3;

// Starts the coordinator and the members, each as `self --topology ... --lattice ...`.
absl::Status start_instances(eddy::ChildProcesses& children, const std::string& topology) {
  const std::string lattice = absl::StrCat("--lattice=", absl::GetFlag(FLAGS_lattice));
  if (absl::Status s = children.start(
          "coordinator", {"--topology", topology, "--location", "coordinator", lattice});
      !s.ok()) {
    return s;
  }
  for (uint32_t m = 0; m < kMembers; ++m) {
    if (absl::Status s = children.start(absl::StrCat("member-", m),
                                        {"--topology", topology, "--location", "members",
                                         "--member", std::to_string(m), lattice});
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

// Prints a command and its reply as redis-cli would show them.
class Session {
 public:
  Session(RespClient& client, std::string prompt) : client_(client), prompt_(std::move(prompt)) {}

  RespValue run(std::vector<std::string> args, bool echo = true) {
    absl::StatusOr<RespValue> reply = client_.call(args);
    if (!reply.ok()) {
      std::cout << "  error: " << reply.status().message() << "\n";
      std::exit(1);
    }
    if (echo) {
      std::cout << "  " << prompt_ << "> " << absl::StrJoin(args, " ") << "\n";
      std::string text = to_cli_text(*reply);
      std::string indented;
      for (char c : text) indented += c == '\n' ? std::string("\n    ") : std::string(1, c);
      std::cout << "    " << indented << "\n";
    }
    return *reply;
  }

 private:
  RespClient& client_;
  std::string prompt_;
};

std::vector<int64_t> routed(Session& s) {
  std::vector<int64_t> out;
  RespValue members = s.run({"EDDY.MEMBERS"}, false);
  for (const RespValue& m : members.elements) out.push_back(m.elements[3].number);
  return out;
}

// The member whose routed count grew between two EDDY.MEMBERS snapshots.
int routed_to(const std::vector<int64_t>& before, const std::vector<int64_t>& after) {
  for (size_t i = 0; i < after.size(); ++i) {
    if (i >= before.size() || after[i] > before[i]) return static_cast<int>(i);
  }
  return -1;
}

// Polls until every member holds the same value for `key` (gossip takes a moment).
std::vector<std::string> read_everywhere(Session& s, const std::string& key) {
  std::vector<std::string> values;
  for (int attempt = 0; attempt < 200; ++attempt) {
    values.clear();
    for (uint32_t m = 0; m < kMembers; ++m) {
      values.push_back(to_cli_text(s.run({"EDDY.GETFROM", std::to_string(m), key}, false)));
    }
    if (std::all_of(values.begin(), values.end(), [&](const std::string& v) {
          return v == values[0] && v != "(nil)";
        })) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return values;
}

bool converged(Session& s, RespValue* members) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    *members = s.run({"EDDY.MEMBERS"}, false);
    bool same = members->elements.size() == kMembers;
    for (const RespValue& m : members->elements) {
      same = same && m.elements[2].text == members->elements[0].elements[2].text;
    }
    if (same) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return false;
}

int run_demo(const std::string& self) {
  char dir_template[] = "/tmp/eddy-replicated-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  absl::StatusOr<std::vector<uint16_t>> ports = eddy::free_ports(kMembers + 2);
  if (!ports.ok()) {
    std::cout << ports.status().message() << "\n";
    return 1;
  }
  const uint16_t coordinator = ports->front();
  const std::vector<uint16_t> members(ports->begin() + 1, ports->end() - 1);
  const uint16_t resp = absl::GetFlag(FLAGS_resp_port) > 0
                            ? static_cast<uint16_t>(absl::GetFlag(FLAGS_resp_port))
                            : ports->back();
  const std::string topology = dir + "/topology.yaml";
  {
    std::ofstream out(topology);
    out << "locations:\n  coordinator:\n    process: 127.0.0.1:" << coordinator
        << "\n  members:\n    members: [";
    for (uint32_t m = 0; m < kMembers; ++m) out << (m ? ", " : "") << "127.0.0.1:" << members[m];
    out << "]\n  clients:\n    ports:\n      resp: 127.0.0.1:" << resp << "\n";
  }
  std::cout << "eddy replicated demo: a coordinator and " << kMembers
            << " members, each its own OS process on 127.0.0.1\n"
            << "  coordinator  127.0.0.1:" << coordinator << "   Redis protocol on 127.0.0.1:"
            << resp << "\n";
  for (uint32_t m = 0; m < kMembers; ++m) {
    std::cout << "  member " << m << "     127.0.0.1:" << members[m] << "\n";
  }
  std::cout << "  (topology and logs in " << dir << ")\n\n";

  eddy::ChildProcesses children(self, dir);
  if (absl::Status s = start_instances(children, topology); !s.ok()) {
    std::cout << "could not start the instances: " << s.message() << "\n";
    return 1;
  }
  std::unique_ptr<RespClient> client;
  for (int attempt = 0; attempt < 400 && client == nullptr; ++attempt) {
    auto c = RespClient::connect(Endpoint{"127.0.0.1", resp});
    if (c.ok() && (*c)->call({"PING"}, std::chrono::seconds(2)).ok()) client = *std::move(c);
    if (client == nullptr) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  if (client == nullptr) {
    std::cout << "the store did not come up; logs are in " << dir << "\n";
    return 1;
  }
  Session s(*client, "client");
  bool ok = true;

  std::cout << "1. Round robin: the coordinator hands each operation to the next member.\n";
  std::vector<int> placed;
  for (int i = 1; i <= 6; ++i) {
    const auto before = routed(s);
    s.run({"SET", absl::StrCat("user:", i), absl::StrCat("name-", i)});
    placed.push_back(routed_to(before, routed(s)));
  }
  std::cout << "   placed on members " << absl::StrJoin(placed, ", ") << "\n\n";
  ok &= placed == std::vector<int>{placed[0], (placed[0] + 1) % 3, (placed[0] + 2) % 3,
                                   placed[0], (placed[0] + 1) % 3, (placed[0] + 2) % 3};

  std::cout << "2. Gossip: a value written through one member is read back from every member.\n";
  auto before = routed(s);
  s.run({"SET", "color", "blue"});
  std::cout << "   (applied by member " << routed_to(before, routed(s)) << ")\n";
  std::vector<std::string> colors = read_everywhere(s, "color");
  for (uint32_t m = 0; m < kMembers; ++m) {
    std::cout << "  client> EDDY.GETFROM " << m << " color\n    " << colors[m] << "\n";
    ok &= colors[m] == "\"blue\"";
  }
  std::cout << "\n";

  std::cout << "3. A conflict: two clients write the same key at the same moment, through\n"
               "   different members. Each write is stamped by the coordinator's clock; the\n"
               "   later stamp wins, and every member picks the same winner.\n";
  auto a = RespClient::connect(Endpoint{"127.0.0.1", resp});
  auto b = RespClient::connect(Endpoint{"127.0.0.1", resp});
  if (!a.ok() || !b.ok()) return 1;
  (void)(*a)->send({"SET", "fruit", "apple"});   // both on the wire before either is answered
  (void)(*b)->send({"SET", "fruit", "banana"});
  std::cout << "  client-a> SET fruit apple\n    " << to_cli_text(*(*a)->receive()) << "\n"
            << "  client-b> SET fruit banana\n    " << to_cli_text(*(*b)->receive()) << "\n";
  std::vector<std::string> fruits = read_everywhere(s, "fruit");
  for (uint32_t m = 0; m < kMembers; ++m) {
    std::cout << "  client> EDDY.GETFROM " << m << " fruit\n    " << fruits[m] << "\n";
    ok &= fruits[m] == fruits[0] && (fruits[0] == "\"apple\"" || fruits[0] == "\"banana\"");
  }
  std::cout << "   every member holds " << fruits[0] << "\n\n";

  std::cout << "4. Convergence: each member's whole table has the same digest.\n";
  RespValue table;
  const bool same = converged(s, &table);
  std::cout << "  client> EDDY.MEMBERS   (member, live keys, digest, ops routed to it)\n";
  for (const RespValue& m : table.elements) {
    std::cout << "    member " << m.elements[0].number << ": " << m.elements[1].number
              << " keys, digest " << m.elements[2].text << ", " << m.elements[3].number
              << " ops\n";
  }
  std::cout << (same ? "   converged: equal digests on all members\n\n"
                     : "   NOT converged: the digests differ\n\n");
  ok &= same;

  if (absl::GetFlag(FLAGS_keep_running)) {
    std::cout << "The store keeps running. Connect with:\n  redis-cli -p " << resp
              << "\nCtrl-C stops it.\n"
              << std::flush;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    int signal = 0;
    sigwait(&set, &signal);
  }
  std::cout << "Stopping the " << kMembers + 1 << " processes... " << std::flush;
  const bool clean = children.stop_all();
  std::cout << (clean ? "done.\n" : "with failures.\n");
  if (ok && clean) std::filesystem::remove_all(dir);
  std::cout << (ok ? "Every check held.\n" : "Some check failed; logs are in " + dir + "\n");
  return ok && clean ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  eddy::parse_command_line(argc, argv);
  eddy::kvs::KvsOptions options;
  options.mode = eddy::kvs::KvsOptions::Mode::kReplicated;
  options.lattice = absl::GetFlag(FLAGS_lattice);
  eddy::Flow flow;
  if (absl::Status status = eddy::kvs::build_kvs(flow, options); !status.ok()) {
    std::cerr << "error: " << status.message() << "\n";
    return 2;
  }
  if (eddy::started_as_instance(argc, argv)) return eddy::run_main(flow, argc, argv);
  return run_demo(std::filesystem::read_symlink("/proc/self/exe"));
}

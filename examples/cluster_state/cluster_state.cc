// The cluster-state service demo: a gateway and four replicas -- a master, two workers and a
// leecher -- as five OS processes on this host, driven by a scripted session. Machines
// register, tasks are submitted and placed with find_available_node_for_task (an assignment
// sent to a worker replica is forwarded to the master, which decides them all), some tasks
// complete and one fails, every replica converges to the same state, and a worker replica
// killed with SIGKILL comes back from its data directory and catches up with what changed
// while it was down.
//
//   build/bin/cluster_state        prints the session; exits 0 when every check held
//
// The same binary is each of the five processes: started with --topology it runs one instance
// of the service's flow (kvs/servers/cluster_state_server.h) through eddy::run_main, as
// eddy-state-server does under eddy-deploy. The session speaks the service's STATE.CALL and
// STATE.QUERY commands (kvs/servers/cluster_state_server_commands.h) over the Redis protocol,
// as eddy-state or redis-cli would.
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "dataflow/deploy/run_main.h"
#include "examples/cluster_state/state_session.h"
#include "examples/common/child_processes.h"
#include "kvs/cluster_state/persistence.h"
#include "kvs/servers/cluster_state_server.h"
#include "kvs/servers/cluster_state_server_commands.h"
#include "kvs/servers/cluster_state_server_replica.h"

ABSL_FLAG(std::string, data_dir, "",
          "(an instance's flag, set by the demo) keep each replica's tables in DIR/replica-<id>");

namespace {

using eddy::ChildProcesses;
using eddy::poll_until;
using eddy::show_rows;
using eddy::show_summary;
using eddy::StateAnswer;
using eddy::StateSession;
using eddy::kvs::NodeRole;
using Fields = eddy::StateFieldList;

// Replicas by member id. The session names the replica that runs each command.
constexpr uint32_t kMaster = 0;
constexpr uint32_t kWorkerA = 1;  // Next to machine gpu-1.
constexpr uint32_t kWorkerB = 2;  // Next to machine cpu-1; the one that is restarted.
constexpr uint32_t kLeecher = 3;
constexpr uint32_t kReplicas = 4;
// The replicas that keep every table (the leecher keeps nodes and metadata only).
constexpr uint32_t kFullReplicas[] = {kMaster, kWorkerA, kWorkerB};
// Short, so that the demo converges in a blink (the service's default is a second).
constexpr auto kSyncInterval = std::chrono::milliseconds(100);
// How long the gateway waits for a replica before answering for it (the default is 5 s).
constexpr auto kReplyTimeout = std::chrono::milliseconds(500);

eddy::kvs::ClusterStateServerOptions service_options(const std::string& data_dir) {
  eddy::kvs::ClusterStateServerOptions options;
  options.roles = {NodeRole::kMaster, NodeRole::kWorker, NodeRole::kWorker, NodeRole::kLeecher};
  options.sync_interval = kSyncInterval;
  options.reply_timeout = kReplyTimeout;
  options.data_dir = data_dir;
  return options;
}

std::string id(uint32_t replica) { return std::to_string(replica); }
std::string gib(uint64_t n) { return std::to_string(n << 30); }  // Bytes.

// The session's expectations: a failed one is printed where it failed and listed at the end.
class Checks {
 public:
  // Records `what` as failed unless `held`; returns `held`.
  bool expect(bool held, const std::string& what) {
    if (!held) {
      std::cout << "   CHECK FAILED: " << what << "\n";
      failed_.push_back(what);
    }
    return held;
  }
  bool all_held() const { return failed_.empty(); }
  const std::vector<std::string>& failed() const { return failed_; }

 private:
  std::vector<std::string> failed_;
};

// ---- The scripted session -----------------------------------------------------------------

// A machine of the demo's compute cluster, registering through the replica on its host.
struct Machine {
  uint32_t replica;
  Fields fields;
};

std::vector<Machine> machines() {
  return {
      {kMaster,
       {{"node_id", "master-1"},
        {"role", "master"},
        {"cpu_count", "4"},
        {"memory_total", gib(8)},
        {"memory_available", gib(8)}}},
      {kWorkerA,
       {{"node_id", "gpu-1"},
        {"role", "worker"},
        {"cpu_count", "16"},
        {"memory_total", gib(64)},
        {"memory_available", gib(64)},
        {"gpu_count", "2"},
        {"gpu_available", "2"},
        {"capabilities", "cuda"}}},
      {kWorkerB,
       {{"node_id", "cpu-1"},
        {"role", "worker"},
        {"cpu_count", "32"},
        {"memory_total", gib(128)},
        {"memory_available", gib(128)}}},
  };
}

// A task to submit, and where placement must put it ("" for nowhere).
struct Task {
  Fields fields;  // task_id first.
  std::string expected_node;
};

// A training task: one GPU, which only gpu-1 has.
Task training(const std::string& task_id) {
  return {{{"task_id", task_id},
           {"task_type", "train"},
           {"priority", "5"},
           {"required_cpu", "8"},
           {"required_memory", gib(32)},
           {"required_gpu", "1"}},
          "gpu-1"};
}

std::vector<Task> tasks() {
  return {
      training("train-1"),
      training("train-2"),
      {{{"task_id", "etl-1"},
        {"task_type", "etl"},
        {"priority", "3"},
        {"required_cpu", "8"},
        {"required_memory", gib(16)}},
       "cpu-1"},
      // Four GPUs: more than any machine has, so no node can hold it.
      {{{"task_id", "render-1"},
        {"task_type", "render"},
        {"priority", "1"},
        {"required_cpu", "4"},
        {"required_memory", gib(8)},
        {"required_gpu", "4"}},
       ""},
  };
}

// The scripted session, step by step: each step prints what it does and checks what it shows.
class Demo {
 public:
  Demo(StateSession& session, Checks& checks, ChildProcesses& children, std::string data_dir)
      : s_(session), checks_(checks), children_(children), data_dir_(std::move(data_dir)) {}

  void run() {
    register_machines();
    submit_tasks();
    place_tasks();
    run_tasks();
    show_convergence();
    restart_worker();
  }

 private:
  // Runs a call that must succeed.
  void must(uint32_t replica, const std::string& operation, const Fields& fields) {
    const StateAnswer reply = s_.call(id(replica), operation, fields);
    checks_.expect(reply.ok(), absl::StrCat(operation, " at replica ", replica, " is ok"));
  }

  void register_machines() {
    std::cout << "1. The cluster is configured, and three machines register, each through the\n"
                 "   replica on its own host (sync tells the other replicas).\n";
    must(kMaster, "configure_cluster", {{"cluster_id", "demo"}, {"master_id", "master-1"}});
    for (const Machine& machine : machines()) {
      must(machine.replica, "register_node", machine.fields);
    }
    std::cout << "\n";
  }

  void submit_tasks() {
    std::cout << "2. Tasks are submitted at `any` replica: the gateway spreads them round robin\n"
                 "   over the replicas that keep tasks (never the leecher).\n";
    for (const Task& task : tasks()) {
      checks_.expect(s_.call("any", "add_task", task.fields).ok(), "add_task is ok");
    }
    wait_for_sync("every full replica holds the four tasks");
    std::cout << "\n";
  }

  void place_tasks() {
    std::cout << "3. Placement. The workers heartbeat (a machine silent for 30 s reads as offline\n"
                 "   and gets no tasks). Then, for each pending task, highest priority first, the\n"
                 "   master says where it fits best and the task is assigned there. An\n"
                 "   assignment sent to a worker replica is forwarded to the master, which\n"
                 "   decides them all: two replicas can never place one task twice.\n";
    must(kWorkerA, "heartbeat", {{"node_id", "gpu-1"}});
    must(kWorkerB, "heartbeat", {{"node_id", "cpu-1"}});
    const StateAnswer pending =
        s_.query(id(kMaster), "find_tasks_by_status", {{"status", "pending"}}, show_rows);
    checks_.expect(pending.json.IsArray() && pending.json.Size() == tasks().size(),
                   "the four tasks are pending");
    std::map<std::string, std::string> expected;
    for (const Task& task : tasks()) expected[task.fields[0].second] = task.expected_node;
    // The assignments go through the replicas in turn, workers first, to show forwarding.
    const uint32_t through[] = {kWorkerA, kWorkerB, kMaster};
    size_t turn = 0;
    if (pending.json.IsArray()) {
      for (const rapidjson::Value& row : pending.json.GetArray()) {
        const std::string task_id = row["task_id"].GetString();
        place(task_id, through[turn++ % 3], expected[task_id]);
      }
    }
    std::cout << "\n";
  }

  // Asks the master where `task_id` fits and assigns it there through `replica`.
  void place(const std::string& task_id, uint32_t replica, const std::string& expected) {
    const StateAnswer found =
        s_.query(id(kMaster), "find_available_node_for_task", {{"task_id", task_id}});
    const std::string node = found.member("node_id");
    checks_.expect(node == expected, absl::StrCat(task_id, " fits ",
                                                  expected.empty() ? "nowhere" : "on " + expected));
    if (node.empty()) {
      std::cout << "   No machine can hold " << task_id
                << ". Asked to pick one anyway, the master\n"
                << "   refuses, and the task stays pending.\n";
      const StateAnswer refused = s_.call(id(replica), "assign_task", {{"task_id", task_id}});
      checks_.expect(refused.member("code") == "not_found",
                     absl::StrCat("assign_task ", task_id, " is refused"));
      return;
    }
    const StateAnswer assigned =
        s_.call(id(replica), "assign_task", {{"task_id", task_id}, {"node_id", node}});
    checks_.expect(assigned.ok() && assigned.member("node_id") == node,
                   absl::StrCat(task_id, " is assigned to ", node, " through replica ", replica));
  }

  void run_tasks() {
    std::cout << "4. Work runs. Each machine reports through its own replica, once sync has\n"
                 "   brought the assignments there: assigned -> running -> completed | failed.\n"
                 "   gpu-1 stores its model as content with two providers, and pins it.\n";
    wait_for_sync("every full replica has seen the assignments");
    must(kWorkerA, "update_task", {{"task_id", "train-1"}, {"status", "running"}});
    must(kWorkerA, "update_task", {{"task_id", "train-2"}, {"status", "running"}});
    must(kWorkerA, "update_task",
         {{"task_id", "train-1"}, {"status", "completed"}, {"result_cid", "cid-model-1"}});
    must(kWorkerB, "update_task", {{"task_id", "etl-1"}, {"status", "running"}});
    must(kWorkerB, "update_task",
         {{"task_id", "etl-1"}, {"status", "failed"}, {"error_message", "input shard 7 missing"}});
    must(kWorkerA, "add_content",
         {{"cid", "cid-model-1"}, {"size", gib(2)}, {"replication_factor", "2"}});
    must(kWorkerA, "add_content_provider", {{"cid", "cid-model-1"}, {"node_id", "gpu-1"}});
    must(kWorkerA, "add_content_provider", {{"cid", "cid-model-1"}, {"node_id", "cpu-1"}});
    must(kWorkerA, "pin_content", {{"cid", "cid-model-1"}});
    std::cout << "\n";
  }

  void show_convergence() {
    std::cout << "5. Convergence. The full replicas hold the same state, byte for byte (the\n"
                 "   digest covers every row, tombstone and version vector); the leecher holds\n"
                 "   the same nodes and refuses questions about tasks, which it does not keep.\n";
    wait_for_sync("the full replicas converge");
    const std::string digest = show_digests();
    std::vector<std::string> summaries;
    for (uint32_t r : kFullReplicas) {
      summaries.push_back(
          show_summary(s_.query(id(r), "get_cluster_status_summary", {}, show_summary)));
    }
    checks_.expect(std::all_of(summaries.begin(), summaries.end(),
                               [&](const std::string& t) { return t == summaries[0]; }),
                   "every full replica gives the same summary");
    checks_.expect(summaries[0].find("tasks 1 pending, 0 assigned, 1 running, 1 completed, "
                                     "1 failed") != std::string::npos,
                   "the summary counts 1 pending, 1 running, 1 completed and 1 failed task");
    checks_.expect(poll_until([&] {
                     return s_.ask(id(kLeecher), "get_all_nodes").text ==
                            s_.ask(id(kMaster), "get_all_nodes").text;
                   }),
                   "the leecher's nodes equal the master's");
    s_.query(id(kMaster), "get_all_nodes", {}, show_rows);
    s_.query(id(kLeecher), "get_all_nodes", {}, show_rows);
    const StateAnswer refused =
        s_.query(id(kLeecher), "find_tasks_by_status", {{"status", "completed"}});
    checks_.expect(refused.error && refused.text.find("leecher") != std::string::npos,
                   "the leecher refuses a task query");
    if (!digest.empty()) {
      std::cout << "   converged: replicas 0, 1 and 2 have digest " << digest << "\n";
    }
    std::cout << "\n";
  }

  void restart_worker() {
    std::cout << "6. A worker replica restarts from disk. Replica 2 is killed with SIGKILL (no\n"
                 "   chance to flush or say goodbye); its data directory still holds what it\n"
                 "   had. While it is down, gpu-1 finishes train-2 through replica 1. Replica 2\n"
                 "   starts again with the same arguments, reads its snapshot and log, and\n"
                 "   catches up by sync.\n";
    const std::string before = s_.query(id(kWorkerB), "digest").member("digest");
    kill_replica(kWorkerB);
    const std::string on_disk = digest_on_disk(kWorkerB);
    checks_.expect(!before.empty() && on_disk == before,
                   "the killed replica's data directory holds the digest it had");
    answer_for_the_dead(kWorkerB);
    must(kWorkerA, "update_task",
         {{"task_id", "train-2"}, {"status", "completed"}, {"result_cid", "cid-model-2"}});
    must(kWorkerA, "add_content", {{"cid", "cid-model-2"}, {"size", gib(2)}});
    must(kWorkerA, "add_content_provider", {{"cid", "cid-model-2"}, {"node_id", "gpu-1"}});

    const std::string name = eddy::kvs::replica_name(kWorkerB);
    std::cout << "  driver> start " << name << " again (same arguments)\n";
    const absl::Status restarted = children_.restart(name);
    checks_.expect(restarted.ok(), absl::StrCat("restart ", name, ": ", restarted.message()));
    checks_.expect(s_.wait_answering(kWorkerB), "the restarted replica answers");
    wait_for_sync("the restarted replica catches up");
    const std::string after = show_digests();
    checks_.expect(after != before, "the digest moved on with the change made while it was down");
    const StateAnswer completed =
        s_.query(id(kWorkerB), "find_tasks_by_status", {{"status", "completed"}}, show_rows);
    checks_.expect(show_rows(completed) == "2 rows: train-1 completed, train-2 completed",
                   "the restarted replica knows train-2 completed while it was down");
    if (!after.empty()) {
      std::cout << "   caught up: the restarted replica 2 has digest " << after
                << ", as replicas 0 and 1 do\n";
    }
    std::cout << "\n";
  }

  // While `replica` is down: a command naming it gets an error naming it, and `any` is served.
  void answer_for_the_dead(uint32_t replica) {
    std::cout << "   While it is down the gateway answers for it. The first query naming it gets\n"
                 "   an error once it has gone unanswered for the reply timeout ("
              << kReplyTimeout.count()
              << " ms here); by then\n"
                 "   the gateway counts the replica as down, and answers the next one at once,\n"
                 "   without sending it. Commands at `any` go to the replicas that are up.\n";
    const std::string named = absl::StrCat("replica ", replica, " ");
    const StateAnswer first = s_.query(id(replica), "digest");
    checks_.expect(first.error && first.text.find(named) != std::string::npos,
                   "a query naming the dead replica gets an error naming it");
    const StateAnswer next = s_.query(id(replica), "digest");
    checks_.expect(next.error && next.text.find(named + "is down") != std::string::npos &&
                       next.text.find("was not sent") != std::string::npos,
                   "the next one is answered at once: the replica is down, nothing was sent");
    bool served = true;
    for (int i = 0; i < 3; ++i) served = !s_.query("any", "digest").error && served;
    checks_.expect(served, "queries at `any` are served by the replicas that are up");
  }

  void kill_replica(uint32_t replica) {
    const std::string name = eddy::kvs::replica_name(replica);
    std::cout << "  driver> kill -KILL " << children_.pid(name) << "   (" << name << ")\n";
    absl::StatusOr<int> status = children_.stop(name, SIGKILL);
    checks_.expect(status.ok() && WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL,
                   absl::StrCat(name, " died of SIGKILL"));
  }

  // Opens the data directory of a replica that is down, as `eddy-state --data-dir` would, and
  // prints what it holds; its digest.
  std::string digest_on_disk(uint32_t replica) {
    const std::string name = eddy::kvs::replica_name(replica);
    const std::string dir = absl::StrCat(data_dir_, "/", name);
    std::cout << "  driver> open " << dir << " while " << name << " is down\n";
    auto store = eddy::kvs::ClusterStateStore::open(dir, name);
    if (!store.ok()) {
      std::cout << "    " << store.status() << "\n";
      return "";
    }
    const eddy::kvs::RecoveryReport& found = (*store)->recovery();
    const std::string digest = eddy::kvs::state_digest((*store)->state());
    std::cout << "    " << (found.snapshot_loaded ? "a snapshot and " : "no snapshot, ")
              << found.log_records << " log records: digest " << digest << "\n";
    return digest;
  }

  // Waits until the full replicas have equal digests.
  void wait_for_sync(const std::string& what) {
    std::cout << "   (waiting until " << what << ": sync runs every " << kSyncInterval.count()
              << " ms)\n";
    checks_.expect(poll_until([&] { return !equal_digests().empty(); }), what);
  }

  // The full replicas' common digest, asked quietly; empty while they differ.
  std::string equal_digests() {
    std::vector<std::string> digests;
    for (uint32_t r : kFullReplicas) digests.push_back(s_.ask(id(r), "digest").member("digest"));
    const bool equal = std::all_of(digests.begin(), digests.end(),
                                   [&](const std::string& d) { return d == digests[0]; });
    return equal ? digests[0] : "";
  }

  // Asks each full replica for its digest, printed; the digest if they are all equal.
  std::string show_digests() {
    std::vector<std::string> digests;
    for (uint32_t r : kFullReplicas) digests.push_back(s_.query(id(r), "digest").member("digest"));
    const bool equal =
        !digests[0].empty() && std::all_of(digests.begin(), digests.end(),
                                           [&](const std::string& d) { return d == digests[0]; });
    checks_.expect(equal, "the full replicas have equal digests");
    return equal ? digests[0] : "";
  }

  StateSession& s_;
  Checks& checks_;
  ChildProcesses& children_;
  std::string data_dir_;
};

// ---- Starting and stopping the five processes ---------------------------------------------

// Where the instances listen: the gateway, each replica, and the clients' RESP port.
struct Ports {
  uint16_t gateway = 0;
  std::vector<uint16_t> replicas;
  uint16_t resp = 0;
};

void write_topology(const std::string& path, const Ports& ports) {
  std::ofstream out(path);
  out << "locations:\n  " << eddy::kvs::kStateGateway
      << ":\n    process: 127.0.0.1:" << ports.gateway << "\n  " << eddy::kvs::kStateReplicas
      << ":\n    members: [";
  for (size_t m = 0; m < ports.replicas.size(); ++m) {
    out << (m ? ", " : "") << "127.0.0.1:" << ports.replicas[m];
  }
  out << "]\n  " << eddy::kvs::kStateClients << ":\n    ports:\n      " << eddy::kvs::kStateRespPort
      << ": 127.0.0.1:" << ports.resp << "\n";
}

void print_layout(const Ports& ports, const std::string& dir, const std::string& data_dir) {
  const char* const what[] = {"master: decides every task assignment", "worker", "worker",
                              "leecher: keeps nodes and metadata only"};
  std::cout << "eddy cluster-state demo: a gateway and " << kReplicas
            << " replicas, each its own OS process on 127.0.0.1\n"
            << "  gateway    127.0.0.1:" << ports.gateway
            << "   Redis protocol (STATE.CALL, STATE.QUERY) on 127.0.0.1:" << ports.resp << "\n";
  for (uint32_t r = 0; r < kReplicas; ++r) {
    std::cout << "  replica " << r << "  127.0.0.1:" << ports.replicas[r] << "   " << what[r]
              << "\n";
  }
  std::cout << "  Replicas sync every " << kSyncInterval.count()
            << " ms; each keeps its tables in\n  " << data_dir << "/replica-<id>.\n"
            << "  (topology and logs in " << dir << ")\n\n";
}

// Starts the gateway and the replicas, each as `self --topology ... --data-dir ...`.
absl::Status start_instances(ChildProcesses& children, const std::string& topology,
                             const std::string& data_dir) {
  // Every instance gets the same flags: the flow's fingerprint covers the options they set.
  const std::vector<std::string> common{"--topology", topology, "--data-dir", data_dir};
  std::vector<std::string> gateway = common;
  gateway.insert(gateway.end(), {"--location", eddy::kvs::kStateGateway});
  if (absl::Status s = children.start("gateway", gateway); !s.ok()) return s;
  for (uint32_t r = 0; r < kReplicas; ++r) {
    std::vector<std::string> args = common;
    args.insert(args.end(), {"--location", eddy::kvs::kStateReplicas, "--member", id(r)});
    if (absl::Status s = children.start(eddy::kvs::replica_name(r), args); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// Prints the outcome; the process exit status.
int report(const Checks& checks, bool stopped_cleanly, const std::string& dir) {
  if (checks.all_held() && stopped_cleanly) {
    std::filesystem::remove_all(dir);
    std::cout << "Every check held.\n";
    return 0;
  }
  std::cout << "Some checks failed:\n";
  for (const std::string& what : checks.failed()) std::cout << "  - " << what << "\n";
  if (!stopped_cleanly) std::cout << "  - every process stops cleanly on SIGTERM\n";
  std::cout << "Logs are in " << dir << "\n";
  return 1;
}

int run_demo(const std::string& self) {
  char dir_template[] = "/tmp/eddy-cluster-state-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) {
    std::cout << "cannot make a temporary directory\n";
    return 1;
  }
  const std::string dir = dir_template;
  const std::string data_dir = dir + "/data";
  std::filesystem::create_directories(data_dir);
  absl::StatusOr<std::vector<uint16_t>> free = eddy::free_ports(kReplicas + 2);
  if (!free.ok()) {
    std::cout << free.status().message() << "\n";
    return 1;
  }
  Ports ports;
  ports.gateway = free->front();
  ports.replicas.assign(free->begin() + 1, free->end() - 1);
  ports.resp = free->back();
  const std::string topology = dir + "/topology.yaml";
  write_topology(topology, ports);
  print_layout(ports, dir, data_dir);

  ChildProcesses children(self, dir);
  Checks checks;
  if (absl::Status s = start_instances(children, topology, data_dir); !s.ok()) {
    checks.expect(false, std::string(s.message()));
    return report(checks, children.stop_all(), dir);
  }
  StateSession session(eddy::Endpoint{"127.0.0.1", ports.resp});
  bool up = true;
  for (uint32_t r = 0; r < kReplicas && up; ++r) {
    up = checks.expect(session.wait_answering(r), absl::StrCat("replica ", r, " answers"));
  }
  if (up) Demo(session, checks, children, data_dir).run();

  std::cout << "Stopping the " << kReplicas + 1 << " processes... " << std::flush;
  const bool clean = children.stop_all();
  std::cout << (clean ? "done.\n" : "with failures.\n");
  return report(checks, clean, dir);
}

}  // namespace

int main(int argc, char** argv) {
  eddy::parse_command_line(argc, argv);
  eddy::Flow flow;
  const auto options = service_options(absl::GetFlag(FLAGS_data_dir));
  if (absl::Status status = eddy::kvs::build_cluster_state(flow, options); !status.ok()) {
    std::cerr << "error: " << status.message() << "\n";
    return 2;
  }
  if (eddy::started_as_instance(argc, argv)) return eddy::run_main(flow, argc, argv);
  return run_demo(std::filesystem::read_symlink("/proc/self/exe"));
}

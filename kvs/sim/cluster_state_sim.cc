#include "kvs/sim/cluster_state_sim.h"

#include <cerrno>
#include <cstring>
#include <deque>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "dataflow/core/rng.h"
#include "kvs/servers/cluster_state_server.h"
#include "kvs/sim/resp_ask.h"
#include "kvs/sim/scratch_dir.h"

namespace eddy::kvs {
namespace {

using Client = InProcessClient<RespRequest, RespOut>;
using Port = ExternalPort<RespRequest, RespOut>;
using Args = std::vector<std::string>;

// How long the healed service may take to answer everything.
constexpr Duration kQuiescence = std::chrono::seconds(30);

Duration uniform(Rng& rng, Duration lo, Duration hi) {
  return lo +
         Duration(static_cast<int64_t>(rng.uniform(static_cast<uint64_t>((hi - lo).count()) + 1)));
}

// One client connection: a random stream of conflicting commands, pipelined.
// Whether `reply` is the gateway's error for a replica that is down or did not answer in time
// (cluster_state_server_gateway.h).
bool replica_unavailable(const RespValue& reply) {
  if (reply.kind != RespValue::Kind::kError) return false;
  const std::string& text = reply.text;
  return text.rfind("ERR no replica that keeps the tables this command needs is up", 0) == 0 ||
         text.rfind("ERR the master, replica ", 0) == 0 ||
         (text.rfind("ERR replica ", 0) == 0 &&
          (text.find(" is down (no word from it for ") != std::string::npos ||
           text.find(" did not answer ") != std::string::npos));
}

class SimClient {
 public:
  // Replicas [0, full_replicas) keep every table; the rest are leechers.
  SimClient(uint32_t index, Client connection, uint64_t seed, uint32_t ops, uint32_t replicas,
            uint32_t full_replicas)
      : index_(index),
        connection_(std::move(connection)),
        rng_(seed),
        remaining_(ops),
        replicas_(replicas),
        full_replicas_(full_replicas) {
    window_ = 1 + static_cast<uint32_t>(rng_.uniform(4));
  }

  bool done_sending() const { return remaining_ == 0; }
  size_t outstanding() const { return expected_.size(); }
  uint32_t index() const { return index_; }
  uint64_t unavailable() const { return unavailable_; }

  void send_more(const std::function<void(const std::string&)>& trace) {
    while (remaining_ > 0 && expected_.size() < window_) {
      --remaining_;
      auto [args, shape] = next_command();
      if (trace) trace(absl::StrCat("client ", index_, " sends ", absl::StrJoin(args, " ")));
      expected_.emplace_back(args, shape);
      connection_.send(RespRequest{std::move(args), ""});
    }
  }

  // Checks the replies that arrived: one per command, in order, of the expected shape.
  void receive(const std::function<void(const std::string&)>& trace,
               std::vector<std::string>* violations) {
    for (RespOut& out : connection_.take_replies())
      parser_.feed(out.bytes.data(), out.bytes.size());
    while (true) {
      auto next = parser_.next();
      if (!next.ok()) {
        violations->push_back(
            absl::StrCat("client ", index_, ": malformed reply stream: ", next.status().message()));
        return;
      }
      if (!next->has_value()) return;
      const RespValue& reply = **next;
      if (expected_.empty()) {
        violations->push_back(
            absl::StrCat("client ", index_, ": unexpected extra reply ", reply.debug_string()));
        continue;
      }
      auto [args, shape] = std::move(expected_.front());
      expected_.pop_front();
      if (trace) {
        trace(absl::StrCat("client ", index_, " got ", reply.debug_string(), " for ",
                           absl::StrJoin(args, " ")));
      }
      if (replica_unavailable(reply)) {
        ++unavailable_;
      } else if (reply.kind != RespValue::Kind::kBulkString || reply.text.rfind(shape, 0) != 0) {
        violations->push_back(absl::StrCat("client ", index_, ": ", absl::StrJoin(args, " "),
                                           " answered ", reply.debug_string(),
                                           ", expected a reply starting ", shape));
      }
    }
  }

 private:
  std::string pick(const char* prefix, uint64_t n) { return absl::StrCat(prefix, rng_.uniform(n)); }
  // A replica id, or `any`: among every replica (`full` false) or those keeping every table.
  std::string target(bool full = true) {
    const uint32_t among = full ? full_replicas_ : replicas_;
    const uint64_t r = rng_.uniform(among + 1);
    return r == among ? "any" : absl::StrCat(r);
  }

  // The next command and the prefix its reply must start with.
  std::pair<Args, std::string> next_command() {
    constexpr char kCall[] = "{\"code\":";
    const uint64_t roll = rng_.uniform(100);
    const std::string node = pick("n", 4), task = pick("t", 6), cid = pick("c", 3);
    auto call = [&](const char* op, Args fields) {
      Args args{"STATE.CALL", target(), op};
      args.insert(args.end(), fields.begin(), fields.end());
      return std::pair<Args, std::string>(std::move(args), kCall);
    };
    if (roll < 15) {
      return call("register_node",
                  {"node_id", node, "cpu_count", absl::StrCat(4 << rng_.uniform(2)), "memory_total",
                   "17179869184", "memory_available", absl::StrCat(rng_.uniform(17179869184)),
                   "capabilities", rng_.uniform(2) ? "gpu,ssd" : "ssd"});
    }
    if (roll < 23) {
      return call("heartbeat",
                  {"node_id", node, "cpu_usage", absl::StrCat(rng_.uniform(5) * 0.25)});
    }
    if (roll < 28) {
      const char* statuses[] = {"online", "offline", "draining"};
      return call("update_node_status", {"node_id", node, "status", statuses[rng_.uniform(3)]});
    }
    if (roll < 31) return call("remove_node", {"node_id", node});
    if (roll < 45) {
      return call("add_task",
                  {"task_id", task, "task_type", "job", "priority", absl::StrCat(rng_.uniform(3)),
                   "required_cpu", absl::StrCat(1 + rng_.uniform(4)), "param.input", cid});
    }
    if (roll < 60) {
      if (rng_.uniform(2)) return call("assign_task", {"task_id", task});
      return call("assign_task", {"task_id", task, "node_id", node});
    }
    if (roll < 70) {
      const uint64_t step = rng_.uniform(3);
      if (step == 0) return call("update_task", {"task_id", task, "status", "running"});
      if (step == 1) {
        return call("update_task", {"task_id", task, "status", "completed", "result_cid", cid});
      }
      return call("update_task", {"task_id", task, "status", "failed", "error_message", "oom"});
    }
    if (roll < 76) {
      return call("add_content", {"cid", cid, "size", absl::StrCat(rng_.uniform(1000)),
                                  "replication_factor", "2"});
    }
    if (roll < 80) return call("add_content_provider", {"cid", cid, "node_id", node});
    if (roll < 82) return call("remove_content_provider", {"cid", cid, "node_id", node});
    if (roll < 85) return call(rng_.uniform(2) ? "pin_content" : "unpin_content", {"cid", cid});
    if (roll < 87) return call("remove_content", {"cid", cid});
    if (roll < 89) {
      return call("configure_cluster", {"cluster_id", pick("cluster", 2), "master_id", node});
    }
    if (roll < 94) {
      return {{"STATE.QUERY", target(/*full=*/false), "digest"}, "{\"digest\":"};
    }
    return {{"STATE.QUERY", target(), "find_tasks_by_status", "status", "pending"}, "["};
  }

  uint32_t index_;
  Client connection_;
  Rng rng_;
  uint32_t remaining_;
  uint32_t replicas_;
  uint32_t full_replicas_;
  uint64_t unavailable_ = 0;
  uint32_t window_;
  std::deque<std::pair<Args, std::string>> expected_;
  RespReplyParser parser_;
};

}  // namespace

ClusterStateSimResult run_cluster_state_sim(const ClusterStateSimOptions& options) {
  ClusterStateSimResult result;
  result.seed = options.seed;
  auto& violations = result.violations;
  Rng rng(mix64(options.seed ^ 0x6373'5f73'696dULL));

  // The seed picks the mix: some runs calm, some lossy, some partitioned, some all of it;
  // with crashes asked for, some crash and some do not, and some of those keep no data.
  const double loss = options.loss * static_cast<double>(rng.uniform(3)) / 2;
  const double partitions = options.partitions_per_second * static_cast<double>(rng.uniform(3)) / 2;
  const Duration max_delay = uniform(rng, sim::FaultOptions().min_delay, options.max_delay);
  double crashes = 0;
  bool keep_data = true;
  if (options.crashes_per_second > 0) {
    crashes = options.crashes_per_second * static_cast<double>(rng.uniform(2));
    keep_data = rng.uniform(3) != 0;
  }

  Flow flow;
  ClusterStateServerOptions server;
  server.sync_interval = options.sync_interval;
  server.reply_timeout = options.reply_timeout;
  const uint32_t full_replicas = options.leecher ? options.replicas - 1 : options.replicas;
  server.roles.assign(full_replicas, NodeRole::kWorker);
  server.roles[0] = NodeRole::kMaster;
  if (options.leecher) server.roles.push_back(NodeRole::kLeecher);
  std::optional<ScratchDir> data_dir;
  if (crashes > 0 && keep_data) {
    data_dir.emplace();
    if (data_dir->path().empty()) {
      violations.push_back(absl::StrCat("cannot make a data directory: ", std::strerror(errno)));
      return result;
    }
    server.data_dir = data_dir->path();
    server.fsync.mode = StoreFsync::Mode::kNever;  // A simulated crash keeps what was written.
  }
  std::optional<Port> port;
  if (absl::Status status = build_cluster_state(flow, server, &port); !status.ok()) {
    violations.push_back(absl::StrCat("cannot build the service: ", status.message()));
    return result;
  }
  sim::SimOptions sim_options;
  sim_options.cluster_sizes = {{kStateReplicas, options.replicas}};
  sim_options.seed = options.seed;
  sim_options.trace = options.trace;
  sim::FaultOptions& faults = sim_options.faults;
  faults.faulty = {kStateReplicas};
  faults.crashable = {kStateReplicas};
  faults.loss = loss;
  faults.partitions_per_second = partitions;
  faults.max_delay = max_delay;
  faults.crashes_per_second = crashes;
  faults.max_downtime = options.max_downtime;
  if (options.trace) {
    options.trace(absl::StrCat("seed ", options.seed, ": loss ", faults.loss, ", partitions/s ",
                               faults.partitions_per_second, ", crashes/s ", crashes,
                               crashes > 0 ? (keep_data ? " (from disk)" : " (memory only)") : "",
                               ", max delay ", faults.max_delay.count() / 1000, "us"));
  }
  auto created = sim::Simulation::create(flow, sim_options);
  if (!created.ok()) {
    violations.push_back(absl::StrCat("cannot start the simulation: ", created.status().message()));
    return result;
  }
  sim::Simulation& simulation = **created;

  std::vector<SimClient> clients;
  for (uint32_t i = 0; i < options.clients; ++i) {
    clients.emplace_back(i, simulation.connect(*port), mix64(options.seed * 131 + i),
                         options.ops_per_client, options.replicas, full_replicas);
    result.requests += options.ops_per_client;
  }
  auto pending = [&] {
    size_t n = 0;
    for (const SimClient& c : clients) n += c.outstanding();
    return n;
  };
  auto all_sent = [&] {
    for (const SimClient& c : clients) {
      if (!c.done_sending()) return false;
    }
    return true;
  };

  // The workload, under faults.
  const Instant workload_limit = simulation.now() + kQuiescence;
  while (!all_sent() && simulation.now() < workload_limit) {
    for (SimClient& c : clients) c.send_more(options.trace);
    simulation.run_for(uniform(rng, std::chrono::microseconds(20), std::chrono::milliseconds(1)));
    for (SimClient& c : clients) c.receive(options.trace, &violations);
  }

  // Healing: no more faults, every replica up; every command answered, then several sync
  // rounds.
  simulation.pause_faults();
  simulation.heal();
  simulation.restart_all();
  const Instant heal_limit = simulation.now() + kQuiescence;
  while (pending() > 0 && simulation.now() < heal_limit) {
    simulation.run_for(std::chrono::milliseconds(1));
    for (SimClient& c : clients) c.receive(options.trace, &violations);
  }
  for (const SimClient& c : clients) {
    if (c.outstanding() > 0) {
      violations.push_back(
          absl::StrCat("client ", c.index(), ": ", c.outstanding(), " command(s) never answered"));
    }
  }
  for (const SimClient& c : clients) result.unavailable += c.unavailable();
  simulation.run_for(options.sync_interval * 5);

  // Converged: equal digests and equal get_state JSON at every full replica, and equal nodes
  // at every replica.
  for (const char* q : {"digest", "get_state", "get_all_nodes"}) {
    std::optional<std::string> first;
    const uint32_t among = std::string(q) == "get_all_nodes" ? options.replicas : full_replicas;
    for (uint32_t m = 0; m < among; ++m) {
      std::optional<RespValue> got =
          ask_once(simulation, *port, {"STATE.QUERY", absl::StrCat(m), q}, kQuiescence);
      const std::string seen = !got                                        ? "nothing"
                               : got->kind == RespValue::Kind::kBulkString ? got->text
                                                                           : got->debug_string();
      if (!first) {
        first = seen;
      } else if (seen != *first) {
        violations.push_back(absl::StrCat("replicas diverged: ", q, " at replica 0 is ", *first,
                                          "; at replica ", m, " it is ", seen));
      }
    }
  }
  result.trace_digest = simulation.trace_digest();
  result.stats = simulation.stats();
  return result;
}

}  // namespace eddy::kvs

#include "kvs/sim/kvs_sim.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "dataflow/core/rng.h"
#include "kvs/protocol/resp.h"
#include "kvs/servers/kvs_server.h"
#include "kvs/sim/resp_ask.h"
#include "kvs/sim/scratch_dir.h"

namespace eddy::kvs {
namespace {

using Client = InProcessClient<RespRequest, RespOut>;
using Port = ExternalPort<RespRequest, RespOut>;

constexpr uint32_t kOwnKeys = 4;
constexpr uint32_t kSharedKeys = 3;
// How long the healed store may take to answer everything and converge.
constexpr Duration kQuiescence = std::chrono::seconds(30);

Duration uniform(Rng& rng, Duration lo, Duration hi) {
  return lo +
         Duration(static_cast<int64_t>(rng.uniform(static_cast<uint64_t>((hi - lo).count()) + 1)));
}

std::string show(const RespValue& v) {
  switch (v.kind) {
    case RespValue::Kind::kSimpleString:
      return "+" + v.text;
    case RespValue::Kind::kError:
      return "-" + v.text;
    case RespValue::Kind::kInteger:
      return ":" + std::to_string(v.number);
    case RespValue::Kind::kBulkString:
      return "\"" + v.text + "\"";
    case RespValue::Kind::kNullBulkString:
    case RespValue::Kind::kNullArray:
      return "(nil)";
    case RespValue::Kind::kArray: {
      std::vector<std::string> parts;
      for (const RespValue& e : v.elements) parts.push_back(show(e));
      return "[" + absl::StrJoin(parts, ", ") + "]";
    }
  }
  return "?";
}

// What a reply must be, decided when the command was sent (from the client's own history).
struct Expectation {
  std::vector<std::string> command;
  std::optional<std::string> reply;  // show() of the exact reply; none: any well-formed reply
  // A DEL that removes a key also counts 0 if a member crashed before its answer came: its
  // member may have crashed after deleting and before answering, and the coordinator's resend
  // then deletes again, finding nothing (docs/consistency.md).
  bool removes = false;
  uint64_t crashes_at_send = 0;
};

// One client connection: its script, its model of its own keys, and its pipeline.
class SimClient {
 public:
  SimClient(uint32_t index, Client connection, uint64_t seed, uint32_t ops)
      : index_(index), connection_(std::move(connection)), rng_(seed), remaining_(ops) {
    window_ = 1 + static_cast<uint32_t>(rng_.uniform(4));
  }

  bool done_sending() const { return remaining_ == 0; }
  size_t outstanding() const { return expected_.size(); }
  // The oldest command still waiting for its reply.
  std::string oldest_outstanding() const {
    return expected_.empty() ? "" : absl::StrJoin(expected_.front().command, " ");
  }

  // Sends commands until the pipeline window is full or the script ends.
  void send_more(const std::function<void(const std::string&)>& trace, uint64_t crashes) {
    while (remaining_ > 0 && expected_.size() < window_) {
      --remaining_;
      Expectation e = next_command();
      e.crashes_at_send = crashes;
      if (trace) trace(absl::StrCat("client ", index_, " sends ", absl::StrJoin(e.command, " ")));
      RespRequest request;
      request.args = e.command;
      connection_.send(std::move(request));
      expected_.push_back(std::move(e));
    }
  }

  // Reads the replies that arrived and checks each against its expectation.
  void receive(const std::function<void(const std::string&)>& trace, uint64_t crashes,
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
      const std::string got = show(**next);
      if (expected_.empty()) {
        violations->push_back(absl::StrCat("client ", index_, ": unexpected extra reply ", got));
        continue;
      }
      Expectation e = std::move(expected_.front());
      expected_.pop_front();
      if (trace) {
        trace(
            absl::StrCat("client ", index_, " got ", got, " for ", absl::StrJoin(e.command, " ")));
      }
      const bool error = (*next)->kind == RespValue::Kind::kError;
      const bool recounted = e.removes && got == ":0" && crashes > e.crashes_at_send;
      if (error || (checking_ && e.reply && *e.reply != got && !recounted)) {
        violations->push_back(absl::StrCat("client ", index_, ": ", absl::StrJoin(e.command, " "),
                                           " answered ", got, ", expected ",
                                           e.reply ? *e.reply : "a non-error reply"));
      }
    }
  }

  // Stops exact checks (after a crash may have lost acknowledged writes).
  void stop_checking() { checking_ = false; }
  // The client's keys and their final values (none: deleted or never written).
  const std::map<std::string, std::optional<std::string>>& model() const { return model_; }
  uint32_t index() const { return index_; }

 private:
  std::string own_key(uint32_t j) const { return absl::StrCat("c", index_, ":", j); }

  Expectation next_command() {
    const uint64_t roll = rng_.uniform(100);
    const std::string key = own_key(static_cast<uint32_t>(rng_.uniform(kOwnKeys)));
    const std::string shared = absl::StrCat("s", rng_.uniform(kSharedKeys));
    auto found = model_.find(key);
    const std::optional<std::string> now = found == model_.end() ? std::nullopt : found->second;
    if (roll < 35) {
      std::string value = absl::StrCat("c", index_, "v", ++written_);
      model_[key] = value;
      return {{"SET", key, value}, "+OK"};
    }
    if (roll < 45) {
      model_[key] = std::nullopt;
      return {{"DEL", key}, now ? ":1" : ":0", /*removes=*/now.has_value()};
    }
    if (roll < 80) return {{"GET", key}, now ? "\"" + *now + "\"" : "(nil)"};
    if (roll < 90) {
      return {{"SET", shared, absl::StrCat("c", index_, "v", ++written_)}, "+OK"};
    }
    return {{"GET", shared}, std::nullopt};
  }

  uint32_t index_;
  Client connection_;
  Rng rng_;
  uint32_t remaining_;
  uint32_t window_;
  uint64_t written_ = 0;
  bool checking_ = true;
  std::map<std::string, std::optional<std::string>> model_;
  std::deque<Expectation> expected_;
  RespReplyParser parser_;
};

}  // namespace

KvsSimResult run_kvs_sim(const KvsSimOptions& options) {
  KvsSimResult result;
  result.seed = options.seed;
  auto& violations = result.violations;
  Rng rng(mix64(options.seed ^ 0x6b76'735f'7369'6dULL));

  Flow flow;
  KvsOptions kvs;
  kvs.mode = KvsOptions::Mode::kReplicated;
  kvs.anti_entropy.interval = options.anti_entropy;
  kvs.anti_entropy.buckets = 64;
  kvs.ack = options.ack;
  kvs.resend_after = options.resend_after;
  kvs.down_after = options.down_after;
  std::optional<ScratchDir> data_dir;
  if (options.wal) {
    data_dir.emplace();
    if (data_dir->path().empty()) {
      violations.push_back(absl::StrCat("cannot make a data directory: ", std::strerror(errno)));
      return result;
    }
    kvs.wal.dir = data_dir->path();
    kvs.wal.fsync = FsyncPolicy::kAlways;
  }
  std::optional<Port> port;
  if (absl::Status status = build_kvs(flow, kvs, &port); !status.ok()) {
    violations.push_back(absl::StrCat("cannot build the store: ", status.message()));
    return result;
  }

  sim::SimOptions sim_options;
  sim_options.cluster_sizes = {{kMembers, options.members}};
  sim_options.seed = options.seed;
  sim_options.trace = options.trace;
  sim_options.trace_messages = options.trace_messages;
  sim::FaultOptions& faults = sim_options.faults;
  // Every link may fail; only members crash (a coordinator crash ends its clients' sessions).
  faults.faulty = {kMembers, kCoordinator};
  faults.crashable = {kMembers};
  if (options.random_faults) {
    // The seed picks the mix: some runs calm, some lossy, some partitioned, some all of it.
    faults.loss = options.loss * static_cast<double>(rng.uniform(3)) / 2;
    faults.partitions_per_second =
        options.partitions_per_second * static_cast<double>(rng.uniform(3)) / 2;
    faults.crashes_per_second = options.crashes_per_second * static_cast<double>(rng.uniform(2));
    faults.max_delay = uniform(rng, faults.min_delay, options.max_delay);
  } else {
    faults.loss = options.loss;
    faults.partitions_per_second = options.partitions_per_second;
    faults.crashes_per_second = options.crashes_per_second;
    faults.max_delay = options.max_delay;
  }
  faults.duplicate = options.duplicate;
  if (options.trace) {
    options.trace(absl::StrCat("seed ", options.seed, ": loss ", faults.loss, ", partitions/s ",
                               faults.partitions_per_second, ", crashes/s ",
                               faults.crashes_per_second, ", max delay ",
                               faults.max_delay.count() / 1000, "us"));
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
                         options.ops_per_client);
    result.requests += options.ops_per_client;
  }
  auto script = options.script;
  size_t next_script = 0;
  const Instant start = simulation.now();

  // The workload, under faults.
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
  // Without a log a crash loses the member's table. An acknowledged write is still held by a
  // live member as long as fewer members crashed, over the whole run, than it was acknowledged
  // by (docs/consistency.md); beyond that it may be lost.
  const uint64_t survivable = options.ack == AckPolicy::kAll      ? options.members - 1
                              : options.ack == AckPolicy::kQuorum ? (options.members - 1) / 2
                                                                  : 0;
  auto lost_state = [&] { return !options.wal && simulation.stats().crashes > survivable; };
  const Instant workload_limit = start + kQuiescence;
  while (!all_sent() && simulation.now() < workload_limit) {
    while (next_script < script.size() && start + script[next_script].first <= simulation.now()) {
      script[next_script++].second(simulation, *port);
    }
    for (SimClient& c : clients) c.send_more(options.trace, simulation.stats().crashes);
    simulation.run_for(uniform(rng, std::chrono::microseconds(20), std::chrono::milliseconds(1)));
    // Without a log, from the first crash beyond what the ack policy survives on, replies are
    // not held to the clients' histories (kvs_sim.h).
    if (lost_state()) {
      for (SimClient& c : clients) c.stop_checking();
    }
    for (SimClient& c : clients) c.receive(options.trace, simulation.stats().crashes, &violations);
  }
  while (next_script < script.size()) script[next_script++].second(simulation, *port);
  if (lost_state()) {
    for (SimClient& c : clients) c.stop_checking();
  }

  // Healing: no more faults; every request answered, several repair rounds run.
  simulation.pause_faults();
  simulation.heal();
  simulation.restart_all();
  const Instant heal_limit = simulation.now() + kQuiescence;
  while (pending() > 0 && simulation.now() < heal_limit) {
    simulation.run_for(std::chrono::milliseconds(1));
    for (SimClient& c : clients) c.receive(options.trace, simulation.stats().crashes, &violations);
  }
  for (const SimClient& c : clients) {
    if (c.outstanding() > 0) {
      violations.push_back(absl::StrCat("client ", c.index(), ": ", c.outstanding(),
                                        " request(s) never answered, from ",
                                        c.oldest_outstanding()));
    }
  }
  simulation.run_for(options.anti_entropy * 5);

  // Converged: equal digests.
  std::optional<RespValue> members = ask_once(simulation, *port, {"EDDY.MEMBERS"}, kQuiescence);
  if (!members || members->kind != RespValue::Kind::kArray ||
      members->elements.size() != options.members) {
    violations.push_back(
        absl::StrCat("EDDY.MEMBERS answered ", members ? show(*members) : "nothing"));
  } else {
    for (const RespValue& member : members->elements) {
      if (member.elements.size() < 3 ||
          member.elements[2].text != members->elements[0].elements[2].text) {
        violations.push_back(absl::StrCat("members diverged: ", show(*members)));
        break;
      }
    }
  }
  // Collected: once every member has applied every write, each collects every tombstone (within
  // a few resend intervals: the marks reach the coordinator, its notices the members).
  if (options.resend_after > Duration::zero() && members) {
    const Instant collect_limit = simulation.now() + kQuiescence;
    auto tombstones = [](const RespValue& table) {
      std::string held;
      for (const RespValue& member : table.elements) {
        if (member.elements.size() >= 5 && member.elements[4].number != 0) {
          absl::StrAppend(&held, held.empty() ? "" : ", ", "member ", member.elements[0].number,
                          ": ", member.elements[4].number);
        }
      }
      return held;
    };
    std::string held = tombstones(*members);
    while (!held.empty() && simulation.now() < collect_limit) {
      simulation.run_for(options.resend_after);
      std::optional<RespValue> now = ask_once(simulation, *port, {"EDDY.MEMBERS"}, kQuiescence);
      if (now) held = tombstones(*now);
    }
    if (!held.empty()) {
      violations.push_back(absl::StrCat("tombstones never collected (", held, ")"));
    }
  }
  // Durable: every member holds each client's last write of each of its keys.
  if (!lost_state()) {
    for (const SimClient& c : clients) {
      for (const auto& [key, value] : c.model()) {
        const std::string want = value ? "\"" + *value + "\"" : "(nil)";
        for (uint32_t m = 0; m < options.members; ++m) {
          std::optional<RespValue> got =
              ask_once(simulation, *port, {"EDDY.GETFROM", std::to_string(m), key}, kQuiescence);
          const std::string seen = got ? show(*got) : "nothing";
          if (seen != want) {
            violations.push_back(absl::StrCat("member ", m, " holds ", seen, " for ", key,
                                              " after quiescence; client ", c.index(),
                                              " last wrote ", want));
          }
        }
      }
    }
  }
  result.trace_digest = simulation.trace_digest();
  result.stats = simulation.stats();
  result.virtual_time = simulation.now() - start;
  return result;
}

}  // namespace eddy::kvs

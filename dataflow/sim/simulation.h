// Simulation: runs every location instance of a flow in one thread, under virtual time, with
// faults decided by a seed. The same flow, options and seed give the same run, bit for bit:
// which instance ticks when, what each tick's batch holds, every message's delay, which
// messages are lost, when partitions start and heal, which members crash and restart.
// trace_digest() summarizes a run (every tick and every delivery, with its bytes), so two runs
// can be compared by one number.
//
//   eddy::sim::SimOptions options;
//   options.cluster_sizes = {{"members", 3}};
//   options.seed = 42;
//   options.faults.loss = 0.01;
//   auto sim = eddy::sim::Simulation::create(flow, options);
//   auto client = (*sim)->connect(port);
//   client.send(request);
//   (*sim)->run_for(std::chrono::milliseconds(10));
//
// Scheduling: at each step the simulation delivers every message whose time has come, then
// runs one tick of an instance chosen at random among those with work, and charges the tick a
// random cost in virtual time; when none has work it jumps to the next delivery, timer or
// fault. Tick batch boundaries therefore follow from the seed.
//
// Faults stay inside the transport's channel contract (dataflow/net/transport.h) unless asked
// otherwise: messages between two instances arrive in the order sent, after a random delay;
// a lost message is a connection that died, taking every message in flight on it with it;
// a partition cuts instances apart (their connections die) until it heals; a crashed member
// loses everything volatile, receives nothing while down, and restarts as a fresh instance
// (what it wrote to files survives). Duplication is outside the contract and off by default.
//
// Not thread safe. The flow must outlive the simulation.
#ifndef EDDY_DATAFLOW_SIM_SIMULATION_H_
#define EDDY_DATAFLOW_SIM_SIMULATION_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dataflow/core/clock.h"
#include "dataflow/core/in_process_runner.h"
#include "dataflow/core/internal/instance.h"
#include "dataflow/core/rng.h"
#include "dataflow/flow.h"
#include "dataflow/net/transport.h"

namespace eddy::sim {

struct FaultOptions {
  // Each message batch from one instance to another takes a delay drawn uniformly from
  // [min_delay, max_delay] (never overtaking an earlier batch on the same connection).
  Duration min_delay = std::chrono::microseconds(50);
  Duration max_delay = std::chrono::milliseconds(2);
  // Random faults touch only instances of the `faulty` locations and the connections between
  // two of them; every other connection is only delayed.
  std::set<std::string> faulty;
  // Probability that sending a batch finds its connection dead: the batch and everything in
  // flight on that connection are lost.
  double loss = 0;
  // Probability that a message is delivered twice (outside the channel contract).
  double duplicate = 0;
  // Random partitions: the expected number started per second of virtual time, and how long
  // each lasts (uniform in [min, max]). A partition splits the faulty instances in two.
  double partitions_per_second = 0;
  Duration min_partition = std::chrono::milliseconds(5);
  Duration max_partition = std::chrono::milliseconds(200);
  // Random crash-restarts of instances of the `crashable` locations: expected crashes per
  // second of virtual time, and each crashed instance's downtime (uniform in [min, max]).
  std::set<std::string> crashable;
  double crashes_per_second = 0;
  Duration min_downtime = std::chrono::milliseconds(1);
  Duration max_downtime = std::chrono::milliseconds(100);
  // Virtual time one tick costs, uniform in [min, max].
  Duration min_tick_cost = std::chrono::microseconds(5);
  Duration max_tick_cost = std::chrono::microseconds(200);
};

struct SimOptions {
  std::map<std::string, uint32_t> cluster_sizes;
  uint64_t seed = 0;
  FaultOptions faults;
  // Called with a line for every fault and, when `trace_messages`, every tick and delivery.
  std::function<void(const std::string&)> trace;
  bool trace_messages = false;
};

// What happened in a run, so far.
struct SimStats {
  uint64_t ticks = 0;
  uint64_t delivered = 0;
  uint64_t lost = 0;  // to dead connections, partitions and crashed receivers
  uint64_t duplicated = 0;
  uint64_t partitions = 0;
  uint64_t crashes = 0;
};

class Simulation {
 public:
  // Validates `flow` and builds every instance. Fails as InProcessRunner::create does, or for a
  // `faulty` or `crashable` name that is not a location of the flow.
  static absl::StatusOr<std::unique_ptr<Simulation>> create(const Flow& flow, SimOptions options);
  ~Simulation();

  // Runs until `d` of virtual time has passed (faults keep happening meanwhile).
  void run_for(Duration d);
  // Runs with random faults paused until nothing is left to do: no instance has work and no
  // message is in flight, or `limit` of virtual time passed. Timers keep firing, so a flow with
  // periodic timers is never idle; give those a limit. Returns true when idle was reached.
  bool run_until_idle(Duration limit);

  // Scripted faults, on top of (or instead of) the random ones.
  // Cuts every instance in `side` off from every instance in `others` (from every instance not
  // in `side` when `others` is empty), until heal(). Connections across the cut die.
  void partition(const std::vector<InstanceId>& side, const std::vector<InstanceId>& others = {});
  void heal();
  // Crashes `id` now; it restarts after `downtime` (or only on restart() when none is given).
  void crash(InstanceId id, std::optional<Duration> downtime = std::nullopt);
  void restart(InstanceId id);
  // Restarts every crashed instance now.
  void restart_all();
  // Turns the random faults off (scripted ones still work), e.g. to let the system quiesce.
  void pause_faults() { faults_paused_ = true; }
  void resume_faults() { faults_paused_ = false; }

  template <class Req, class Resp>
  InProcessClient<Req, Resp> connect(const ExternalPort<Req, Resp>& port) {
    internal::Instance& host = *node(InstanceId{port.process().id(), MemberId{0}}).instance;
    return InProcessClient<Req, Resp>(&internal::find_port<Req, Resp>(host.core(), port.node()));
  }

  Instant now() const { return clock_.now(); }
  const Clock& clock() const { return clock_; }
  const SimStats& stats() const { return stats_; }
  // A digest of every tick and delivery so far: equal for equal runs.
  uint64_t trace_digest() const { return digest_; }
  bool is_up(InstanceId id) const;

 private:
  class Endpoint;
  struct Node {
    InstanceId id;
    bool faulty = false;
    bool crashable = false;
    uint32_t incarnation = 0;
    std::unique_ptr<Endpoint> transport;
    std::unique_ptr<internal::Instance> instance;  // null while crashed
    std::optional<Instant> restart_at;
  };
  struct InFlight {
    Instant at;
    uint64_t order = 0;  // ties broken by send order
    Envelope envelope;
    uint32_t epoch = 0;  // the connection's epoch when sent: a later death loses it

    bool operator>(const InFlight& other) const {
      return at != other.at ? at > other.at : order > other.order;
    }
  };

  Simulation(const Flow& flow, SimOptions options, std::vector<uint32_t> sizes);
  Node& node(InstanceId id);
  void boot(Node& node);
  void send(InstanceId from, std::vector<Envelope>& messages);
  // True when `a` and `b` are instances of faulty locations (random faults touch only those).
  bool faulty_link(InstanceId a, InstanceId b);
  bool cut(InstanceId a, InstanceId b) const;
  void kill_connection(InstanceId from, InstanceId to);
  // One step of the schedule, never past `until`. Returns false when nothing happened.
  bool step(Instant until);
  void deliver_due();
  void random_faults();
  std::optional<Instant> next_event() const;
  Duration uniform(Duration lo, Duration hi);
  void log(const std::string& line);
  void mix(uint64_t value);

  const Flow& flow_;
  SimOptions options_;
  std::vector<uint32_t> sizes_;
  ManualClock clock_;
  Rng rng_;
  std::vector<Node> nodes_;  // stepping order: location id, then member
  std::priority_queue<InFlight, std::vector<InFlight>, std::greater<>> in_flight_;
  uint64_t sent_ = 0;
  // Per connection (from, to): its epoch (raised when it dies) and the time its last batch
  // arrives (later batches never overtake it).
  std::map<std::pair<InstanceId, InstanceId>, uint32_t> epochs_;
  std::map<std::pair<InstanceId, InstanceId>, Instant> last_arrival_;
  std::set<InstanceId> side_;   // non-empty: a partition is in force
  std::set<InstanceId> among_;  // the instances it separates (empty: everyone)
  std::optional<Instant> partition_ends_;
  Instant next_fault_check_;
  bool faults_paused_ = false;
  SimStats stats_;
  uint64_t digest_ = 0;
};

}  // namespace eddy::sim

#endif  // EDDY_DATAFLOW_SIM_SIMULATION_H_

#include "dataflow/sim/simulation.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "dataflow/core/check.h"

namespace eddy::sim {
namespace {

// Faults are considered once per this much virtual time.
constexpr Duration kFaultCheck = std::chrono::milliseconds(1);

std::string describe(InstanceId id) {
  return absl::StrCat("location ", id.location, " member ", id.member.raw);
}

double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

// FNV-1a, fixed across runs and processes (the trace digest must be).
uint64_t bytes_hash(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

uint64_t id_hash(InstanceId id) { return (uint64_t{id.location} << 32) | id.member.raw; }

}  // namespace

// The transport of one instance: hands its sends to the simulation, which schedules them.
class Simulation::Endpoint final : public Transport {
 public:
  Endpoint(Simulation* sim, InstanceId self) : sim_(sim), self_(self) {}

  void start(Receiver* receiver) override { receiver_ = receiver; }
  void send(std::vector<Envelope>& messages) override { sim_->send(self_, messages); }
  void stop() override { receiver_ = nullptr; }

  Receiver* receiver() const { return receiver_; }

 private:
  Simulation* sim_;
  InstanceId self_;
  Receiver* receiver_ = nullptr;
};

absl::StatusOr<std::unique_ptr<Simulation>> Simulation::create(const Flow& flow,
                                                               SimOptions options) {
  if (absl::Status status = flow.validate(); !status.ok()) return status;
  auto sizes = location_sizes(flow, options.cluster_sizes);
  if (!sizes.ok()) return sizes.status();
  for (const auto* names : {&options.faults.faulty, &options.faults.crashable}) {
    for (const std::string& name : *names) {
      bool known = false;
      for (const auto& location : flow.graph().locations()) known |= location.name == name;
      if (!known) {
        return absl::InvalidArgumentError(
            absl::StrCat(names == &options.faults.faulty ? "faulty" : "crashable", " location '",
                         name, "' is not a location of this flow"));
      }
    }
  }
  return std::unique_ptr<Simulation>(new Simulation(flow, std::move(options), *std::move(sizes)));
}

Simulation::Simulation(const Flow& flow, SimOptions options, std::vector<uint32_t> sizes)
    : flow_(flow),
      options_(std::move(options)),
      sizes_(std::move(sizes)),
      rng_(mix64(options_.seed ^ 0x5157'11a7'10a5'eedULL)) {
  flow.graph().freeze();
  for (const auto& location : flow.graph().locations()) {
    if (location.kind == internal::LocationKind::kExternal) continue;
    for (uint32_t m = 0; m < sizes_[location.id]; ++m) {
      Node node;
      node.id = InstanceId{location.id, MemberId{m}};
      node.faulty = options_.faults.faulty.contains(location.name);
      node.crashable = options_.faults.crashable.contains(location.name);
      nodes_.push_back(std::move(node));
    }
  }
  for (Node& node : nodes_) {
    node.transport = std::make_unique<Endpoint>(this, node.id);
    boot(node);
  }
}

Simulation::~Simulation() {
  for (Node& node : nodes_) {
    if (node.instance) node.instance->stop();
  }
}

Simulation::Node& Simulation::node(InstanceId id) {
  for (Node& node : nodes_) {
    if (node.id == id) return node;
  }
  EDDY_CHECK(false, "no instance ", describe(id));
  __builtin_unreachable();
}

bool Simulation::is_up(InstanceId id) const {
  for (const Node& node : nodes_) {
    if (node.id == id) return node.instance != nullptr;
  }
  return false;
}

void Simulation::boot(Node& node) {
  // Each incarnation gets its own seed, derived from the run's: a restart is a new process.
  const uint64_t seed = mix64(options_.seed + node.incarnation * 0x9e37'79b9'7f4a'7c15ULL);
  node.instance = std::make_unique<internal::Instance>(flow_.graph(), node.id, sizes_, clock_, seed,
                                                       node.transport.get());
  node.instance->start();
  node.restart_at.reset();
}

void Simulation::log(const std::string& line) {
  if (options_.trace) {
    options_.trace(absl::StrCat("[", clock_.now().since_epoch.count() / 1000, "us] ", line));
  }
}

void Simulation::mix(uint64_t value) { digest_ = mix64(digest_ ^ value) + 0x9e37'79b9; }

Duration Simulation::uniform(Duration lo, Duration hi) {
  if (hi <= lo) return lo;
  return lo +
         Duration(static_cast<int64_t>(rng_.uniform(static_cast<uint64_t>((hi - lo).count()) + 1)));
}

bool Simulation::faulty_link(InstanceId a, InstanceId b) {
  return node(a).faulty && node(b).faulty;
}

bool Simulation::cut(InstanceId a, InstanceId b) const {
  if (side_.empty() || side_.contains(a) == side_.contains(b)) return false;
  return among_.empty() || (among_.contains(a) && among_.contains(b));
}

void Simulation::kill_connection(InstanceId from, InstanceId to) { ++epochs_[{from, to}]; }

void Simulation::send(InstanceId from, std::vector<Envelope>& messages) {
  const FaultOptions& f = options_.faults;
  // One batch per destination, in the order the tick produced them.
  std::map<InstanceId, std::vector<Envelope*>> batches;
  for (Envelope& e : messages) batches[e.to].push_back(&e);
  for (auto& [to, batch] : batches) {
    const auto connection = std::pair(from, to);
    const bool down = !is_up(to);
    const bool dropped =
        down || cut(from, to) ||
        (!faults_paused_ && f.loss > 0 && faulty_link(from, to) && rng_.chance(f.loss));
    if (dropped) {
      kill_connection(from, to);
      stats_.lost += batch.size();
      log(absl::StrCat("lost ", batch.size(), " message(s) from ", describe(from), " to ",
                       describe(to),
                       down            ? " (receiver down)"
                       : cut(from, to) ? " (partition)"
                                       : " (connection died)"));
      continue;
    }
    Instant at = clock_.now() + uniform(f.min_delay, f.max_delay);
    Instant& last = last_arrival_[connection];
    at = std::max(at, last);
    last = at;
    const uint32_t epoch = epochs_[connection];
    for (Envelope* e : batch) {
      const bool twice =
          !faults_paused_ && f.duplicate > 0 && faulty_link(from, to) && rng_.chance(f.duplicate);
      if (twice) {
        ++stats_.duplicated;
        in_flight_.push(InFlight{at, sent_++, *e, epoch});
      }
      in_flight_.push(InFlight{at, sent_++, std::move(*e), epoch});
    }
  }
  messages.clear();
}

void Simulation::deliver_due() {
  while (!in_flight_.empty() && in_flight_.top().at <= clock_.now()) {
    InFlight message = std::move(const_cast<InFlight&>(in_flight_.top()));
    in_flight_.pop();
    const InstanceId from = message.envelope.from;
    const InstanceId to = message.envelope.to;
    Node& receiver = node(to);
    const bool alive = receiver.instance != nullptr && receiver.transport->receiver() != nullptr;
    if (!alive || cut(from, to) || epochs_[{from, to}] != message.epoch) {
      ++stats_.lost;
      continue;
    }
    ++stats_.delivered;
    const std::string_view bytes = message.envelope.payload.view();
    mix(static_cast<uint64_t>(clock_.now().since_epoch.count()));
    mix(id_hash(from));
    mix(id_hash(to) ^ (uint64_t{message.envelope.channel} << 48));
    mix(bytes_hash(bytes));
    if (options_.trace_messages) {
      log(absl::StrCat("deliver ", bytes.size(), " bytes (hash ", absl::Hex(bytes_hash(bytes)),
                       ") on channel ", message.envelope.channel, " from ", describe(from), " to ",
                       describe(to)));
    }
    receiver.transport->receiver()->deliver(std::move(message.envelope));
  }
}

void Simulation::partition(const std::vector<InstanceId>& side,
                           const std::vector<InstanceId>& others) {
  side_ = std::set<InstanceId>(side.begin(), side.end());
  among_.clear();
  if (!others.empty()) {
    among_ = side_;
    among_.insert(others.begin(), others.end());
  }
  // Connections across the cut die: what was in flight on them is lost.
  for (const Node& a : nodes_) {
    for (const Node& b : nodes_) {
      if (cut(a.id, b.id)) kill_connection(a.id, b.id);
    }
  }
  ++stats_.partitions;
  std::string names;
  for (InstanceId id : side_) absl::StrAppend(&names, names.empty() ? "" : ", ", describe(id));
  log(absl::StrCat("partition: {", names, "} cut off from ",
                   among_.empty() ? "everyone else" : "the others named"));
}

void Simulation::heal() {
  if (side_.empty()) return;
  side_.clear();
  among_.clear();
  partition_ends_.reset();
  log("partition healed");
}

void Simulation::crash(InstanceId id, std::optional<Duration> downtime) {
  Node& n = node(id);
  if (!n.instance) return;
  n.instance->stop();
  n.instance.reset();
  ++n.incarnation;
  ++stats_.crashes;
  for (const Node& other : nodes_) {
    kill_connection(id, other.id);
    kill_connection(other.id, id);
  }
  if (downtime) n.restart_at = clock_.now() + *downtime;
  log(absl::StrCat(
      "crash: ", describe(id),
      downtime ? absl::StrCat(", restarting in ", downtime->count() / 1000, "us") : std::string()));
}

void Simulation::restart(InstanceId id) {
  Node& n = node(id);
  if (n.instance) return;
  boot(n);
  log(absl::StrCat("restart: ", describe(id), " (incarnation ", n.incarnation, ")"));
}

void Simulation::restart_all() {
  for (Node& n : nodes_) {
    if (!n.instance) restart(n.id);
  }
}

void Simulation::random_faults() {
  const FaultOptions& f = options_.faults;
  while (next_fault_check_ <= clock_.now()) {
    next_fault_check_ = next_fault_check_ + kFaultCheck;
    if (faults_paused_) continue;
    if (partition_ends_ && *partition_ends_ <= clock_.now()) heal();
    if (side_.empty() && f.partitions_per_second > 0 &&
        rng_.chance(f.partitions_per_second * seconds(kFaultCheck))) {
      std::vector<InstanceId> side, others;
      for (const Node& n : nodes_) {
        if (n.faulty) (rng_.chance(0.5) ? side : others).push_back(n.id);
      }
      if (!side.empty() && !others.empty()) {
        partition(side, others);
        partition_ends_ = clock_.now() + uniform(f.min_partition, f.max_partition);
      }
    }
    if (f.crashes_per_second > 0 && rng_.chance(f.crashes_per_second * seconds(kFaultCheck))) {
      std::vector<InstanceId> up;
      for (const Node& n : nodes_) {
        if (n.crashable && n.instance) up.push_back(n.id);
      }
      if (!up.empty()) {
        crash(up[rng_.uniform(up.size())], uniform(f.min_downtime, f.max_downtime));
      }
    }
  }
}

std::optional<Instant> Simulation::next_event() const {
  std::optional<Instant> next;
  auto consider = [&](std::optional<Instant> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  if (!in_flight_.empty()) consider(in_flight_.top().at);
  for (const Node& n : nodes_) {
    if (n.instance) consider(n.instance->next_deadline());
    consider(n.restart_at);
  }
  consider(partition_ends_);
  const FaultOptions& f = options_.faults;
  if (!faults_paused_ && (f.partitions_per_second > 0 || f.crashes_per_second > 0)) {
    consider(next_fault_check_);
  }
  return next;
}

bool Simulation::step(Instant until) {
  random_faults();
  for (Node& n : nodes_) {
    if (!n.instance && n.restart_at && *n.restart_at <= clock_.now()) restart(n.id);
  }
  if (partition_ends_ && *partition_ends_ <= clock_.now()) heal();
  deliver_due();
  std::vector<Node*> ready;
  for (Node& n : nodes_) {
    if (n.instance && n.instance->has_work()) ready.push_back(&n);
  }
  if (!ready.empty()) {
    Node& chosen = *ready[rng_.uniform(ready.size())];
    chosen.instance->run_tick();
    ++stats_.ticks;
    mix(static_cast<uint64_t>(clock_.now().since_epoch.count()));
    mix(id_hash(chosen.id));
    if (options_.trace_messages) log(absl::StrCat("tick ", describe(chosen.id)));
    const Instant after =
        clock_.now() + uniform(options_.faults.min_tick_cost, options_.faults.max_tick_cost);
    clock_.set(std::min(after, std::max(until, clock_.now())));
    return true;
  }
  std::optional<Instant> next = next_event();
  if (!next || *next > until) return false;
  if (*next > clock_.now()) clock_.set(*next);
  return true;
}

void Simulation::run_for(Duration d) {
  const Instant until = clock_.now() + d;
  while (step(until)) {
  }
  if (clock_.now() < until) clock_.set(until);
}

bool Simulation::run_until_idle(Duration limit) {
  const bool was_paused = faults_paused_;
  faults_paused_ = true;
  const Instant until = clock_.now() + limit;
  bool idle = false;
  while (clock_.now() <= until) {
    bool busy = !in_flight_.empty();
    for (Node& n : nodes_) busy |= n.instance && n.instance->has_work();
    if (!busy) {
      idle = true;
      break;
    }
    if (!step(until)) break;
  }
  faults_paused_ = was_paused;
  return idle;
}

}  // namespace eddy::sim

#include "dataflow/core/internal/instance.h"

#include <algorithm>
#include <queue>

#include "dataflow/core/check.h"
#include "dataflow/core/log.h"

namespace eddy::internal {
namespace {

// A schedulable unit during compilation: one run-time node, the ports it reads, the ports it
// writes. Units are ordered so that every port is written before it is read.
struct Unit {
  std::unique_ptr<RuntimeNode> node;
  std::vector<NodeId> reads;
  std::vector<NodeId> writes;
  std::vector<NodeId> before_writers_of;  // ports read through a previous-tick view
  NodeId first_node = 0;  // tie-break for a deterministic order
};

bool is_chunk_consumer(NodeShape shape) {
  return shape == NodeShape::kStage || shape == NodeShape::kSink;
}

class Builder final : public InstanceBuilder {
 public:
  Builder(InstanceCore& core, std::vector<std::unique_ptr<PortBase>>& ports,
          const std::vector<NodeId>& real, const std::vector<std::vector<NodeId>>& consumers)
      : core_(core), ports_(ports), real_(real), consumers_(consumers) {}

  InstanceCore& core() override { return core_; }
  PortBase& port_base(NodeId node) override {
    node = real_.at(node);
    EDDY_CHECK(ports_[node] != nullptr, "node ", node, " has no port at this location");
    return *ports_[node];
  }
  bool may_move_from(NodeId node) const override {
    node = real_.at(node);
    return consumers_[node].size() == 1 && core_.graph().node(node).port_is_scratch();
  }

 private:
  InstanceCore& core_;
  std::vector<std::unique_ptr<PortBase>>& ports_;
  const std::vector<NodeId>& real_;
  const std::vector<std::vector<NodeId>>& consumers_;
};

}  // namespace

Instance::Instance(const FlowGraph& graph, InstanceId self, std::vector<uint32_t> sizes,
                   const Clock& clock, uint64_t seed, Transport* transport)
    : graph_(graph), core_(graph, self, std::move(sizes), clock, seed), transport_(transport) {
  compile();
}

Instance::~Instance() { stop(); }

void Instance::compile() {
  const LocationId here = core_.self().location;
  const size_t n = graph_.size();
  auto local = [&](NodeId id) { return graph_.node(id).location() == here; };

  // An alias shares the port of the node it renames; `real` follows alias chains.
  std::vector<NodeId> real(n);
  for (NodeId id = 0; id < n; ++id) {
    NodeId r = id;  // forward references may point at later nodes, so walk the chain
    while (graph_.node(r).shape() == NodeShape::kAlias) r = graph_.node(r).inputs().at(0);
    real[id] = r;
  }
  auto is_alias = [&](NodeId id) { return real[id] != id; };
  // True when reading `id` means reading a table as the previous tick left it.
  auto through_previous_view = [&](NodeId id) {
    for (NodeId at = id; graph_.node(at).shape() == NodeShape::kAlias;
         at = graph_.node(at).inputs().at(0)) {
      if (graph_.node(at).views_previous_tick()) return true;
    }
    return false;
  };

  // Ports, and who reads each one at this location.
  ports_.resize(n);
  std::vector<std::vector<NodeId>> consumers(n);
  for (NodeId id = 0; id < n; ++id) {
    if (!local(id) || is_alias(id)) continue;
    const IrNode& node = graph_.node(id);
    ports_[id] = node.make_port();
    for (NodeId input : node.inputs()) {
      if (local(input) && !node.receives_from_network()) consumers[real[input]].push_back(id);
    }
  }

  // A stage fuses into its consumer when that consumer is its only reader and consumes it
  // chunk by chunk.
  std::vector<bool> fused(n, false);
  for (NodeId id = 0; id < n; ++id) {
    if (!local(id) || is_alias(id) || graph_.node(id).shape() != NodeShape::kStage) continue;
    if (consumers[id].size() != 1) continue;
    const IrNode& consumer = graph_.node(consumers[id][0]);
    fused[id] = is_chunk_consumer(consumer.shape()) && consumer.inputs().size() == 1;
  }

  Builder builder(core_, ports_, real, consumers);
  std::vector<Unit> units;
  for (NodeId id = 0; id < n; ++id) {
    if (!local(id) || is_alias(id)) continue;
    const IrNode& node = graph_.node(id);
    Unit unit;
    unit.first_node = id;
    if (is_chunk_consumer(node.shape())) {
      const NodeId input = real[node.inputs().at(0)];
      if (fused[input]) continue;  // part of the pipeline that starts upstream
      // Follow the fused run from `node` to its end.
      std::vector<NodeId> chain{id};
      while (graph_.node(chain.back()).shape() == NodeShape::kStage && fused[chain.back()]) {
        chain.push_back(consumers[chain.back()][0]);
      }
      const IrNode& last = graph_.node(chain.back());
      std::unique_ptr<SinkBase> head = last.shape() == NodeShape::kSink
                                           ? last.make_sink(builder)
                                           : last.make_stage(builder,
                                                             last.make_materializer(builder));
      for (size_t i = chain.size() - 1; i-- > 0;) {
        head = graph_.node(chain[i]).make_stage(builder, std::move(head));
      }
      unit.node = node.make_driver(builder, std::move(head));
      unit.reads = {input};
      unit.writes = {chain.back()};
    } else {
      unit.node = node.make_runtime(builder);
      for (NodeId input : node.inputs()) {
        if (!node.reads_in_tick(graph_.node(input))) continue;
        if (through_previous_view(input)) {
          unit.before_writers_of.push_back(real[input]);
        } else {
          unit.reads.push_back(real[input]);
        }
      }
      unit.writes = {id};
    }
    units.push_back(std::move(unit));
  }

  // Topological order (Kahn), smallest node id first among the ready units.
  std::vector<int> writer(n, -1);
  for (size_t u = 0; u < units.size(); ++u) {
    for (NodeId w : units[u].writes) writer[w] = static_cast<int>(u);
  }
  std::vector<std::vector<size_t>> dependents(units.size());
  std::vector<size_t> missing(units.size(), 0);
  for (size_t u = 0; u < units.size(); ++u) {
    for (NodeId r : units[u].reads) {
      EDDY_CHECK(writer[r] >= 0, "node ", r, " is read but nothing at this location writes it");
      dependents[writer[r]].push_back(u);
      ++missing[u];
    }
    // A reader of a previous-tick view runs before the table's writer updates it.
    for (NodeId r : units[u].before_writers_of) {
      EDDY_CHECK(writer[r] >= 0, "node ", r, " is read but nothing at this location writes it");
      dependents[u].push_back(writer[r]);
      ++missing[writer[r]];
    }
  }
  auto later = [&](size_t a, size_t b) { return units[a].first_node > units[b].first_node; };
  std::priority_queue<size_t, std::vector<size_t>, decltype(later)> ready(later);
  for (size_t u = 0; u < units.size(); ++u) {
    if (missing[u] == 0) ready.push(u);
  }
  while (!ready.empty()) {
    const size_t u = ready.top();
    ready.pop();
    schedule_.push_back(std::move(units[u].node));
    for (size_t d : dependents[u]) {
      if (--missing[d] == 0) ready.push(d);
    }
  }
  EDDY_CHECK(schedule_.size() == units.size(),
             "same-tick cycle at this location; validate() should have rejected the flow");
}

void Instance::start() {
  if (started_) return;
  started_ = true;
  if (transport_ != nullptr) transport_->start(this);
}

void Instance::stop() {
  if (!started_) return;
  started_ = false;
  if (transport_ != nullptr) transport_->stop();
}

bool Instance::has_work() const {
  if (ticks_run_ == 0 || core_.input_marked()) return true;
  const Instant now = core_.now();
  for (const auto& node : schedule_) {
    if (node->has_pending()) return true;
    if (auto deadline = node->next_deadline(); deadline && *deadline <= now) return true;
  }
  return false;
}

std::optional<Instant> Instance::next_deadline() const {
  std::optional<Instant> earliest;
  for (const auto& node : schedule_) {
    if (auto deadline = node->next_deadline()) {
      if (!earliest || *deadline < *earliest) earliest = deadline;
    }
  }
  return earliest;
}

void Instance::deliver(Envelope envelope) {
  {
    std::lock_guard<std::mutex> lock(inbox_mutex_);
    inbox_.push_back(std::move(envelope));
  }
  core_.notify_input();
}

void Instance::deliver_batch(std::vector<Envelope>& envelopes) {
  if (envelopes.empty()) return;
  {
    std::lock_guard<std::mutex> lock(inbox_mutex_);
    if (inbox_.empty()) {
      inbox_.swap(envelopes);
    } else {
      for (Envelope& e : envelopes) inbox_.push_back(std::move(e));
    }
  }
  envelopes.clear();
  core_.notify_input();
}

void Instance::drain_network() {
  {
    std::lock_guard<std::mutex> lock(inbox_mutex_);
    draining_.swap(inbox_);
  }
  for (Envelope& envelope : draining_) {
    core_.count_received(envelope.channel, envelope.payload.size());
    NetworkInput* input = core_.network_input(envelope.channel);
    if (input == nullptr) {
      EDDY_LOG(kWarning, "dropped a message on channel ", envelope.channel,
               ", which no operator here receives");
      continue;
    }
    if (absl::Status status = input->accept(envelope); !status.ok()) {
      EDDY_LOG(kWarning, "dropped a message on channel ", envelope.channel, " from location ",
               envelope.from.location, " member ", envelope.from.member.raw, ": ",
               status.message());
      if (transport_ != nullptr) transport_->reject(envelope.from, status);
    }
  }
  draining_.clear();
}

void Instance::run_tick() {
  core_.set_tick(ticks_run_.load(std::memory_order_relaxed));
  core_.take_input_mark();  // input arriving from now on asks for another tick
  drain_network();
  for (auto& node : schedule_) node->run();
  for (auto& node : schedule_) node->end_tick();
  if (!core_.outbox().empty()) {
    if (transport_ != nullptr) {
      transport_->send(core_.outbox());
    }
    core_.outbox().clear();
  }
  ticks_run_.fetch_add(1, std::memory_order_relaxed);
}

size_t Instance::inbox_depth() {
  std::lock_guard<std::mutex> lock(inbox_mutex_);
  return inbox_.size();
}

}  // namespace eddy::internal

// InProcessRunner: runs every location instance of a flow inside one OS process over an
// in-memory transport, either stepped deterministically on the caller's thread (tests,
// simulation) or with one thread per instance (embedding, demos).
//
//   auto runner = eddy::InProcessRunner::create(flow, {.cluster_sizes = {{"workers", 3}}});
//   (*runner)->run_until_idle();
//
// Stepping: step() runs one tick of the next instance that has work, in a fixed round-robin
// order over instances (location id, then member), so a stepped run with a ManualClock is a pure
// function of the flow, its inputs and the seed. Threads: start() gives every instance a thread
// that ticks whenever it has work and sleeps otherwise (lazy ticks: idle means no CPU).
// Do not mix the two modes at the same time. The flow must outlive the runner.
#ifndef EDDY_DATAFLOW_CORE_IN_PROCESS_RUNNER_H_
#define EDDY_DATAFLOW_CORE_IN_PROCESS_RUNNER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "dataflow/core/clock.h"
#include "dataflow/core/internal/instance.h"
#include "dataflow/core/internal/instance_thread.h"
#include "dataflow/external_port.h"
#include "dataflow/flow.h"
#include "dataflow/net/in_memory_transport.h"
#include "dataflow/ops/external.h"

namespace eddy {

struct RunOptions {
  // Number of members of each cluster, by cluster name; every cluster needs one (>= 1).
  std::map<std::string, uint32_t> cluster_sizes;
  // Seeds every instance's Rng.
  uint64_t seed = 0;
  // Time source for every instance; null means a SteadyClock owned by the runner.
  Clock* clock = nullptr;
};

// The instance count of each location of `flow`, or an error naming a missing or unknown
// cluster, or a zero size.
absl::StatusOr<std::vector<uint32_t>> location_sizes(
    const Flow& flow, const std::map<std::string, uint32_t>& cluster_sizes);

template <class Req, class Resp>
class InProcessClient;
namespace sim {
class Simulation;
}

class InProcessRunner {
 public:
  // Validates `flow` and builds every instance. Fails with the flow's validation error, or on
  // missing, unknown or zero cluster sizes.
  static absl::StatusOr<std::unique_ptr<InProcessRunner>> create(const Flow& flow,
                                                                 RunOptions options);
  ~InProcessRunner();

  // Runs one tick of the next instance with work. Returns false when no instance has any.
  bool step();
  // Steps until no instance has work (or `max_ticks` ticks ran); returns the ticks run.
  uint64_t run_until_idle(uint64_t max_ticks = UINT64_MAX);
  // REQUIRES: the runner's clock is a ManualClock. Moves time forward by `d`, stopping at
  // every timer deadline on the way to run all instances until idle.
  void advance(Duration d);

  // Gives every instance its own thread. Idempotent.
  void start();
  // Stops and joins the threads. Idempotent; also done by the destructor.
  void stop();

  // Opens a client connection to `port`.
  template <class Req, class Resp>
  InProcessClient<Req, Resp> connect(const ExternalPort<Req, Resp>& port);

  // Instances in stepping order, and lookup by id.
  size_t instance_count() const { return instances_.size(); }
  internal::Instance& instance(InstanceId id);
  const Clock& clock() const { return *clock_; }

 private:
  InProcessRunner(const Flow& flow, RunOptions options, std::vector<uint32_t> sizes);

  const Flow& flow_;
  std::unique_ptr<Clock> owned_clock_;
  Clock* clock_;
  InMemoryNetwork network_;
  std::vector<std::unique_ptr<Transport>> transports_;
  std::vector<std::unique_ptr<internal::Instance>> instances_;
  std::vector<std::unique_ptr<internal::InstanceThread>> threads_;
  size_t next_step_ = 0;
};

// A test or embedding client of an External port, in the same process. Move-only.
template <class Req, class Resp>
class InProcessClient {
 public:
  ConnectionId id() const { return id_; }

  void send(Req request) {
    std::vector<Req> one;
    one.push_back(std::move(request));
    port_->request(id_, std::move(one));
  }
  void send_batch(std::vector<Req> requests) { port_->request(id_, std::move(requests)); }

  // The replies that arrived so far, in order; takes them.
  std::vector<Resp> take_replies() {
    std::lock_guard<std::mutex> lock(inbox_->mutex);
    std::vector<Resp> out(std::make_move_iterator(inbox_->replies.begin()),
                          std::make_move_iterator(inbox_->replies.end()));
    inbox_->replies.clear();
    return out;
  }

  // For threaded runners: waits until `count` replies are waiting or `limit` passes (a hang
  // guard, not a deadline), then takes what is there.
  std::vector<Resp> wait_for_replies(size_t count,
                                     std::chrono::milliseconds limit = std::chrono::seconds(60)) {
    {
      std::unique_lock<std::mutex> lock(inbox_->mutex);
      inbox_->arrived.wait_for(lock, limit, [&] { return inbox_->replies.size() >= count; });
    }
    return take_replies();
  }

  // Closes the connection; the flow sees it in port.disconnects().
  void close() { port_->disconnect(id_); }

 private:
  friend class InProcessRunner;
  friend class sim::Simulation;

  struct Inbox final : public ClientPeer<Resp> {
    std::mutex mutex;
    std::condition_variable arrived;
    std::deque<Resp> replies;

    void on_replies(std::vector<Resp>& batch) override {
      {
        std::lock_guard<std::mutex> lock(mutex);
        for (Resp& r : batch) replies.push_back(std::move(r));
      }
      arrived.notify_all();
    }
  };

  InProcessClient(internal::ExternalPortState<Req, Resp>* port) : port_(port) {
    inbox_ = std::make_shared<Inbox>();
    id_ = port_->connect(inbox_);
  }

  internal::ExternalPortState<Req, Resp>* port_;
  std::shared_ptr<Inbox> inbox_;
  ConnectionId id_;
};

template <class Req, class Resp>
InProcessClient<Req, Resp> InProcessRunner::connect(const ExternalPort<Req, Resp>& port) {
  internal::Instance& host = instance(InstanceId{port.process().id(), MemberId{0}});
  return InProcessClient<Req, Resp>(&internal::find_port<Req, Resp>(host.core(), port.node()));
}

}  // namespace eddy

#endif  // EDDY_DATAFLOW_CORE_IN_PROCESS_RUNNER_H_

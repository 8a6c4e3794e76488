// Operators driven by the injected Clock: source_interval, sample_every, timeout.
//
// Each keeps a deadline and reports it through next_deadline(), so an idle instance sleeps
// until the earliest one (lazy ticks); under a ManualClock nothing fires until the test or
// simulator moves time.
#ifndef EDDY_DATAFLOW_OPS_TIME_OPS_H_
#define EDDY_DATAFLOW_OPS_TIME_OPS_H_

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "dataflow/core/clock.h"
#include "dataflow/core/internal/typed_nodes.h"

namespace eddy::internal {

// A periodic deadline: first at start + interval; after firing, the next multiple of the
// interval that is still ahead (missed periods are skipped, not replayed).
class Periodic {
 public:
  Periodic(Instant start, Duration interval) : interval_(interval), deadline_(start + interval) {
    EDDY_CHECK(interval.count() > 0, "an interval must be positive");
  }
  // True (and re-armed) when the deadline has passed.
  bool fire(Instant now) {
    if (now < deadline_) return false;
    while (deadline_ <= now) deadline_ = deadline_ + interval_;
    return true;
  }
  Instant deadline() const { return deadline_; }

 private:
  Duration interval_;
  Instant deadline_;
};

// source_interval(d): one element (the instant it fired) every d.
class SourceIntervalNode final : public SourceNode<std::vector<Instant>> {
 public:
  bool open_input() const override { return true; }
  SourceIntervalNode(NodeSpec spec, Duration interval)
      : SourceNode<std::vector<Instant>>(std::move(spec), "eddy::Instant"), interval_(interval) {}

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    return std::make_unique<Runtime>(b.core(), &b.port<std::vector<Instant>>(id()), interval_,
                                     id());
  }

 private:
  class Runtime final : public RuntimeNode {
   public:
    Runtime(InstanceCore& core, std::vector<Instant>* out, Duration interval, NodeId id)
        : core_(core), out_(out), timer_(core.now(), interval), id_(id) {}
    void run() override {
      out_->clear();
      const Instant now = core_.now();
      if (timer_.fire(now)) {
        out_->push_back(now);
        core_.count(id_, 1);
      }
    }
    std::optional<Instant> next_deadline() const override { return timer_.deadline(); }

   private:
    InstanceCore& core_;
    std::vector<Instant>* out_;
    Periodic timer_;
    NodeId id_;
  };

  Duration interval_;
};

// sample_every(d) on a stream: passes the elements of the ticks in which the timer fires and
// drops the rest (a sampler, as in Hydro). On a singleton/optional (kFromValue): emits its
// current value each time the timer fires.
template <class T, bool kFromValue>
class SampleEveryNode final : public GeneralNode<std::vector<T>> {
  using In = std::conditional_t<kFromValue, std::optional<T>, std::vector<T>>;

 public:
  bool open_input() const override { return true; }
  SampleEveryNode(NodeSpec spec, Duration interval)
      : GeneralNode<std::vector<T>>(std::move(spec), type_name<T>()), interval_(interval) {}

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    return std::make_unique<Runtime>(b.core(), &b.port<std::vector<T>>(this->id()),
                                     &b.port<In>(this->inputs()[0]), interval_, this->id());
  }

 private:
  class Runtime final : public RuntimeNode {
   public:
    Runtime(InstanceCore& core, std::vector<T>* out, In* in, Duration interval, NodeId id)
        : core_(core), out_(out), in_(in), timer_(core.now(), interval), id_(id) {}
    void run() override {
      out_->clear();
      if (!timer_.fire(core_.now())) return;
      if constexpr (kFromValue) {
        if (in_->has_value()) out_->push_back(**in_);
      } else {
        out_->insert(out_->end(), in_->begin(), in_->end());
      }
      core_.count(id_, out_->size());
    }
    std::optional<Instant> next_deadline() const override { return timer_.deadline(); }

   private:
    InstanceCore& core_;
    std::vector<T>* out_;
    In* in_;
    Periodic timer_;
    NodeId id_;
  };

  Duration interval_;
};

// timeout(d) on a stream: an Optional holding the instant of the last element (or of the
// instance's start) while no element has arrived for at least d; empty otherwise.
template <class T>
class TimeoutNode final : public GeneralNode<std::optional<Instant>> {
 public:
  bool open_input() const override { return true; }
  TimeoutNode(NodeSpec spec, Duration timeout)
      : GeneralNode<std::optional<Instant>>(std::move(spec), "eddy::Instant"), timeout_(timeout) {}
  bool port_is_scratch() const override { return false; }

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    return std::make_unique<Runtime>(b.core(), &b.port<std::optional<Instant>>(this->id()),
                                     &b.port<std::vector<T>>(this->inputs()[0]), timeout_);
  }

 private:
  class Runtime final : public RuntimeNode {
   public:
    Runtime(InstanceCore& core, std::optional<Instant>* out, std::vector<T>* in, Duration timeout)
        : core_(core), out_(out), in_(in), timeout_(timeout), last_seen_(core.now()) {}
    void run() override {
      const Instant now = core_.now();
      if (!in_->empty()) last_seen_ = now;
      if (now - last_seen_ >= timeout_) {
        *out_ = last_seen_;
      } else {
        out_->reset();
      }
    }
    // Only a tick at the expiry can change the output without new input.
    std::optional<Instant> next_deadline() const override {
      if (out_->has_value()) return std::nullopt;
      return last_seen_ + timeout_;
    }

   private:
    InstanceCore& core_;
    std::optional<Instant>* out_;
    std::vector<T>* in_;
    Duration timeout_;
    Instant last_seen_;
  };

  Duration timeout_;
};

}  // namespace eddy::internal

#endif  // EDDY_DATAFLOW_OPS_TIME_OPS_H_

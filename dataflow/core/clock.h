// Clock: the only source of time inside eddy (a determinism seam).
//
// Operators that depend on time (source_interval, sample_every, timeout) and user lambdas that
// ask Context::now() read the injected Clock, so a simulation or a test can drive time by hand.
// Instants are nanoseconds since the clock's own epoch; two clocks' instants are not comparable.
// Thread safety: every method of every Clock here may be called from any thread.
#ifndef EDDY_DATAFLOW_CORE_CLOCK_H_
#define EDDY_DATAFLOW_CORE_CLOCK_H_

#include <atomic>
#include <chrono>
#include <cstdint>

namespace eddy {

using Duration = std::chrono::nanoseconds;

// A point in time: nanoseconds since the owning clock's epoch.
struct Instant {
  Duration since_epoch{0};

  friend auto operator<=>(const Instant&, const Instant&) = default;
  friend Instant operator+(Instant t, Duration d) { return Instant{t.since_epoch + d}; }
  friend Duration operator-(Instant a, Instant b) { return a.since_epoch - b.since_epoch; }

  template <class Archive>
  void serialize(Archive& archive) {
    int64_t ns = since_epoch.count();
    archive(ns);
    since_epoch = Duration(ns);
  }
};

class Clock {
 public:
  virtual ~Clock() = default;
  // Returns the current instant; never goes backwards.
  virtual Instant now() const = 0;
};

// Real monotonic time (CLOCK_MONOTONIC): comparable between processes on one host.
class SteadyClock final : public Clock {
 public:
  Instant now() const override;
};

// Unix time that never goes backwards: read from the system clock once, when the clock is made,
// then moved on by the monotonic clock. Instants are nanoseconds since 1970-01-01 UTC (so a
// process started later, even after a reboot, starts later), comparable between hosts as far as
// their system clocks agree. What a deployed instance runs on (hybrid-logical-clock stamps and
// dates in records need it); a system clock stepped while the process runs is not followed.
class WallClock final : public Clock {
 public:
  WallClock();
  Instant now() const override;

 private:
  Duration wall_at_start_;
  Duration steady_at_start_;
};

// Time that moves only when told to: for tests and the simulator.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Instant start = Instant{}) : now_ns_(start.since_epoch.count()) {}

  Instant now() const override { return Instant{Duration(now_ns_.load())}; }
  // REQUIRES: d >= 0.
  void advance(Duration d);
  // REQUIRES: t >= now().
  void set(Instant t);

 private:
  std::atomic<int64_t> now_ns_;
};

}  // namespace eddy

#endif  // EDDY_DATAFLOW_CORE_CLOCK_H_

#include "dataflow/core/clock.h"

#include "dataflow/core/check.h"

namespace eddy {

Instant SteadyClock::now() const {
  return Instant{std::chrono::duration_cast<Duration>(
      std::chrono::steady_clock::now().time_since_epoch())};
}

WallClock::WallClock()
    : wall_at_start_(std::chrono::duration_cast<Duration>(
          std::chrono::system_clock::now().time_since_epoch())),
      steady_at_start_(std::chrono::duration_cast<Duration>(
          std::chrono::steady_clock::now().time_since_epoch())) {}

Instant WallClock::now() const {
  const Duration steady = std::chrono::duration_cast<Duration>(
      std::chrono::steady_clock::now().time_since_epoch());
  return Instant{wall_at_start_ + (steady - steady_at_start_)};
}

void ManualClock::advance(Duration d) {
  EDDY_CHECK(d.count() >= 0, "ManualClock cannot go backwards");
  now_ns_.fetch_add(d.count());
}

void ManualClock::set(Instant t) {
  EDDY_CHECK(t.since_epoch.count() >= now_ns_.load(), "ManualClock cannot go backwards");
  now_ns_.store(t.since_epoch.count());
}

}  // namespace eddy

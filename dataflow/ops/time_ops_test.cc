// Time-driven operators under a ManualClock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dataflow/testing.h"

namespace eddy {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using std::chrono::milliseconds;

Instant at_ms(int64_t ms) { return Instant{milliseconds(ms)}; }

TEST(TimeOpsTest, SourceIntervalFiresOncePerIntervalAndSkipsMissedPeriods) {
  Flow flow;
  auto p = flow.process("p");
  auto fired = p.source_interval(milliseconds(100)).collect();
  testing::Harness h(flow);
  h.run();
  EXPECT_THAT(fired.values(), IsEmpty());
  h.advance(milliseconds(250));
  EXPECT_THAT(fired.values(), ElementsAre(at_ms(100), at_ms(200)));
  // A long stall fires once, not once per missed period.
  h.clock().advance(milliseconds(1000));
  h.run();
  EXPECT_THAT(fired.values(), ElementsAre(at_ms(100), at_ms(200), at_ms(1250)));
}

TEST(TimeOpsTest, IdleInstanceTicksOnlyWhenATimerIsDue) {
  Flow flow;
  auto p = flow.process("p");
  p.source_interval(milliseconds(100)).collect();
  testing::Harness h(flow);
  h.run();
  h.clock().advance(milliseconds(99));
  EXPECT_EQ(h.run(), 0u);
  h.clock().advance(milliseconds(1));
  EXPECT_EQ(h.run(), 1u);
}

TEST(TimeOpsTest, SingletonSampleEveryEmitsTheCurrentValuePerInterval) {
  Flow flow;
  auto p = flow.process("p");
  auto [sender, input] = p.source_channel<int>();
  auto samples = input.fold(0, [](int& acc, int x) { acc += x; })
                     .sample_every(milliseconds(10))
                     .collect();
  testing::Harness h(flow);
  sender.send_batch({1, 2});
  h.advance(milliseconds(10));
  sender.send(4);
  h.advance(milliseconds(10));
  EXPECT_THAT(samples.values(), ElementsAre(3, 7));
}

TEST(TimeOpsTest, StreamSampleEveryPassesOnlyTicksWhereTheTimerFires) {
  Flow flow;
  auto p = flow.process("p");
  auto [sender, input] = p.source_channel<int>();
  auto sampled = input.sample_every(milliseconds(10)).collect();
  testing::Harness h(flow);
  sender.send(1);
  h.run();  // before the first deadline: dropped
  h.clock().advance(milliseconds(10));
  sender.send(2);
  h.run();  // the timer fires in this tick
  EXPECT_THAT(sampled.values(), ElementsAre(2));
}

TEST(TimeOpsTest, TimeoutIsPresentOnlyAfterSilence) {
  Flow flow;
  auto p = flow.process("p");
  auto tick = p.tick();
  auto [heartbeat, beats] = p.source_channel<int>();
  auto suspect = beats.timeout(milliseconds(50));
  auto reports = suspect.snapshot(tick).into_stream().all_ticks().collect();
  testing::Harness h(flow);
  h.run();
  h.advance(milliseconds(40));
  heartbeat.send(1);  // at 40 ms
  h.run();
  h.advance(milliseconds(49));  // 89 ms: 49 ms of silence
  EXPECT_THAT(reports.values(), IsEmpty());
  h.advance(milliseconds(1));  // 90 ms: the timer wakes the instance by itself
  EXPECT_THAT(reports.values(), ElementsAre(at_ms(40)));
}

// A deployed instance's clock reads Unix time (a date, not time since boot) and never goes back.
TEST(TimeOpsTest, WallClockIsUnixTimeAndNeverGoesBack) {
  const WallClock clock;
  const auto system = std::chrono::duration_cast<Duration>(
      std::chrono::system_clock::now().time_since_epoch());
  const Instant first = clock.now();
  // The same date as the system clock (an hour is a bound on the reads' distance, not a
  // performance limit), far from a boot-relative count.
  EXPECT_LT(std::chrono::abs(first.since_epoch - system), std::chrono::hours(1));
  EXPECT_GT(first.since_epoch, std::chrono::hours(24 * 365 * 50));
  Instant last = first;
  for (int i = 0; i < 1000; ++i) {
    const Instant now = clock.now();
    EXPECT_GE(now, last);
    last = now;
  }
}

}  // namespace
}  // namespace eddy

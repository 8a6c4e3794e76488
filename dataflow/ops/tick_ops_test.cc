// Ticks: defer_tick, cycles to a fixpoint, forward references, latest/snapshot, singleton
// operators, and lazy ticks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dataflow/testing.h"

namespace eddy {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

TEST(TickOpsTest, DeferTickDeliversExactlyAtTheNextTickAndNothingAtTickZero) {
  Flow flow;
  auto p = flow.process("p");
  auto tick = p.tick();
  auto [sender, input] = p.source_channel<int>();
  auto deferred = input.batch(tick).defer_tick().all_ticks().collect();
  auto now = input.batch(tick).all_ticks().collect();
  testing::Harness h(flow);
  sender.send_batch({1, 2});  // arrives in tick 0
  h.run();
  EXPECT_THAT(now.with_ticks(), ElementsAre(Pair(0, 1), Pair(0, 2)));
  // The deferred copy arrived in tick 1, which ran by itself: deferred data is work.
  EXPECT_THAT(deferred.with_ticks(), ElementsAre(Pair(1, 1), Pair(1, 2)));
  EXPECT_EQ(h.ticks(p), 2u);
}

TEST(TickOpsTest, CycleThroughDeferTickIteratesReachabilityToAFixpoint) {
  Flow flow;
  auto p = flow.process("p");
  auto tick = p.tick();
  auto edges =
      p.source_iter<std::pair<int, int>>({{1, 2}, {2, 3}, {3, 4}, {4, 2}, {5, 6}}).batch(tick).persist();
  auto [next_ref, previous] = tick.cycle<int, NoOrder>();
  auto frontier = p.source_iter({1}).batch(tick).chain(previous);
  auto reached = frontier.persist();
  auto next = frontier.map([](int x) { return std::pair(x, 0); })
                  .join(edges)
                  .map([](std::pair<int, std::pair<int, int>> e) { return e.second.second; })
                  .filter_not_in(reached)
                  .unique();
  next_ref.complete(next);
  auto newly_reached = frontier.all_ticks().collect();
  testing::Harness h(flow);
  h.run();
  EXPECT_THAT(newly_reached.with_ticks(), ElementsAre(Pair(0, 1), Pair(1, 2), Pair(2, 3), Pair(3, 4)));
  // Node 4 leads back to 2, already reached: the frontier empties and ticking stops.
  EXPECT_EQ(h.ticks(p), 4u);
}

TEST(TickOpsTest, ForwardRefAtTopLevelStandsForTheCollectionCompletedLater) {
  Flow flow;
  auto p = flow.process("p");
  auto [ref, later] = p.forward_ref<Stream<int, Process>>();
  auto out = later.map([](int x) { return x + 1; }).collect();
  ref.complete(p.source_iter({1, 2}));
  testing::Harness(flow).run();
  EXPECT_THAT(out.values(), ElementsAre(2, 3));
}

TEST(TickOpsTest, LatestHoldsTheMostRecentValueAcrossTicks) {
  Flow flow;
  auto p = flow.process("p");
  auto tick = p.tick();
  auto [sender, input] = p.source_channel<int>();
  auto batch = input.batch(tick);
  auto latest_max = batch.max().latest();
  // Read it back inside the tick, in ticks triggered by a second input.
  auto [poke, pokes] = p.source_channel<int>();
  auto seen = pokes.batch(tick).cross_singleton(latest_max.snapshot(tick)).all_ticks().collect();
  testing::Harness h(flow);
  sender.send_batch({3, 9, 4});
  h.run();
  poke.send(0);  // no new input: latest still 9
  h.run();
  sender.send_batch({1});
  poke.send(1);
  h.run();
  EXPECT_THAT(seen.values(), ElementsAre(Pair(0, 9), Pair(1, 1)));
}

TEST(TickOpsTest, SingletonOperators) {
  Flow flow;
  auto p = flow.process("p");
  auto tick = p.tick();
  auto [sender, input] = p.source_channel<int>();
  auto batch = input.batch(tick);
  auto count = batch.count();
  auto doubled = count.map([](size_t n) { return n * 2; }).all_ticks().collect();
  auto big = count.filter([](const size_t& n) { return n > 1; }).all_ticks().collect();
  auto zipped = count.zip(batch.max()).all_ticks().collect();
  auto fallback = batch.max().unwrap_or(-1).all_ticks().collect();
  auto constant = tick.singleton(std::string("c")).zip(count).all_ticks().collect();
  auto previous = count.defer_tick().all_ticks().collect();
  testing::Harness h(flow);
  h.run();  // tick 0: empty
  sender.send_batch({4, 7});
  EXPECT_EQ(h.run(), 1u) << "a deferred singleton must not make ticks by itself";
  sender.send(1);
  h.run();
  EXPECT_THAT(doubled.values(), ElementsAre(0u, 4u, 2u));
  EXPECT_THAT(big.values(), ElementsAre(2u));
  EXPECT_THAT(zipped.values(), ElementsAre(Pair(2u, 7), Pair(1u, 1)));
  EXPECT_THAT(fallback.values(), ElementsAre(-1, 7, 1));
  EXPECT_THAT(constant.values(), ElementsAre(Pair("c", 0u), Pair("c", 2u), Pair("c", 1u)));
  EXPECT_THAT(previous.with_ticks(), ElementsAre(Pair(1, 0u), Pair(2, 2u)));
}

TEST(TickOpsTest, DeferTickLazyWaitsForTheNextTickSomethingElseCauses) {
  Flow flow;
  auto p = flow.process("p");
  auto tick = p.tick();
  auto [sender, input] = p.source_channel<int>();
  auto parked = input.batch(tick).defer_tick_lazy().all_ticks().collect();
  testing::Harness h(flow);
  sender.send(7);
  EXPECT_EQ(h.run(), 1u) << "lazily deferred data must not make a tick by itself";
  EXPECT_THAT(parked.values(), IsEmpty());
  sender.send(8);
  h.run();
  EXPECT_THAT(parked.with_ticks(), ElementsAre(Pair(1, 7)));
}

TEST(TickOpsTest, KeyedSingletonDeferTickIsThePreviousTicksTableWithoutACopy) {
  Flow flow;
  auto p = flow.process("p");
  auto tick = p.tick();
  auto [sender, input] = p.source_channel<std::pair<std::string, int>>();
  auto batch = input.batch(tick);
  auto table = batch.across_ticks().reduce_keyed([](int& a, int b) { a += b; });
  // Probe the same keys this tick updates: the previous view must not see this tick's values.
  auto probes = batch.map([](std::pair<std::string, int> kv) { return kv.first; });
  auto before = table.defer_tick().lookup(probes).all_ticks().collect();
  auto after = table.lookup(probes).all_ticks().collect();
  ASSERT_TRUE(flow.validate().ok()) << flow.validate();
  testing::Harness h(flow);
  sender.send_batch({{"a", 1}});
  h.run();
  sender.send_batch({{"a", 10}});
  h.run();
  EXPECT_THAT(before.values(), ElementsAre(Pair("a", std::nullopt), Pair("a", 1)));
  EXPECT_THAT(after.values(), ElementsAre(Pair("a", 1), Pair("a", 11)));
}

TEST(TickOpsTest, APreviousViewReaderMayFeedTheTableItReads) {
  // Read, then write: each tick adds one to the count the previous tick left.
  Flow flow;
  auto p = flow.process("p");
  auto tick = p.tick();
  auto [sender, keys] = p.source_channel<int>();
  auto [ref, puts] = tick.forward_ref<Stream<std::pair<int, int>, Tick<Process>, Bounded>>();
  auto table = puts.across_ticks().reduce_keyed([](int& a, int b) { a = std::max(a, b); });
  auto looked = table.defer_tick().lookup(keys.batch(tick));
  ref.complete(looked.map([](std::pair<int, std::optional<int>> hit) {
    return std::pair(hit.first, hit.second.value_or(0) + 1);
  }));
  auto counts = table.entries().all_ticks().collect();
  ASSERT_TRUE(flow.validate().ok()) << flow.validate();
  testing::Harness h(flow);
  for (int i = 0; i < 3; ++i) {
    sender.send(5);
    h.run();
  }
  EXPECT_EQ(counts.values().back(), std::pair(5, 3));
}

TEST(TickOpsTest, AReaderOfBothThePreviousAndTheCurrentTableIsASameTickCycle) {
  Flow flow;
  auto p = flow.process("p");
  auto tick = p.tick();
  auto table = p.source_iter<std::pair<int, int>>({{1, 1}})
                   .batch(tick)
                   .across_ticks()
                   .reduce_keyed([](int& a, int b) { a += b; });
  table.defer_tick().lookup(table.keys()).all_ticks().collect();
  EXPECT_THAT(flow.validate().message(), ::testing::HasSubstr("same-tick cycle"));
}

TEST(TickOpsTest, LazyTicksDoNotRunWithoutInput) {
  Flow flow;
  auto p = flow.process("p");
  auto tick = p.tick();
  auto [sender, input] = p.source_channel<int>();
  input.batch(tick).count().all_ticks().collect();
  testing::Harness h(flow);
  EXPECT_EQ(h.run(), 1u);  // the first tick always runs
  EXPECT_EQ(h.run(), 0u);
  h.advance(std::chrono::seconds(10));
  EXPECT_EQ(h.ticks(p), 1u);
  sender.send(1);
  EXPECT_EQ(h.run(), 1u);
  EXPECT_EQ(h.run(), 0u);
}

}  // namespace
}  // namespace eddy

// Aggregations: per-tick versus persisted state, empty ticks, keyed folds, unique, sort.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "dataflow/testing.h"

namespace eddy {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

// A process fed one batch per call to feed(), with a tick to aggregate in.
struct Fed {
  Flow flow;
  Process p = flow.process("p");
  Tick<Process> tick = p.tick();
  std::pair<ChannelSender<int>, Stream<int, Process>> channel = p.source_channel<int>();
  Stream<int, Tick<Process>, Bounded> batch = channel.second.batch(tick);
};

TEST(AggregateTest, InTickFoldResetsEachTickWhilePersistedFoldKeepsItsState) {
  Fed f;
  auto plus = [](int& acc, int x) { acc += x; };
  auto per_tick = f.batch.fold(0, plus).all_ticks().collect();
  auto across = f.batch.across_ticks().fold(0, plus).all_ticks().collect();
  auto top_level = f.channel.second.fold(0, plus).snapshot(f.tick).all_ticks().collect();
  testing::Harness h(f.flow);
  h.run();  // tick 0: nothing yet
  f.channel.first.send_batch({1, 2});
  h.run();
  f.channel.first.send_batch({10});
  h.run();
  EXPECT_THAT(per_tick.values(), ElementsAre(0, 3, 10));
  EXPECT_THAT(across.values(), ElementsAre(0, 3, 13));
  EXPECT_THAT(top_level.values(), ElementsAre(0, 3, 13));
}

TEST(AggregateTest, FoldAcceptsAReturningCombiner) {
  Fed f;
  auto product = f.batch.fold(1, [](int acc, int x) { return acc * x; }).all_ticks().collect();
  testing::Harness h(f.flow);
  f.channel.first.send_batch({2, 3, 4});
  h.run();
  EXPECT_THAT(product.values(), ElementsAre(24));
}

TEST(AggregateTest, EmptyTickGivesZeroCountAndEmptyReductions) {
  Fed f;
  auto count = f.batch.count().all_ticks().collect();
  auto min = f.batch.min().all_ticks().collect();
  auto max = f.batch.max().all_ticks().collect();
  auto first = f.batch.first().all_ticks().collect();
  auto last = f.batch.last().all_ticks().collect();
  auto reduce = f.batch.reduce([](int& a, int b) { a = a * 10 + b; }).all_ticks().collect();
  testing::Harness h(f.flow);
  h.run();
  EXPECT_THAT(count.values(), ElementsAre(0u));
  EXPECT_THAT(min.values(), IsEmpty());
  f.channel.first.send_batch({5, 1, 9, 3});
  h.run();
  EXPECT_THAT(count.values(), ElementsAre(0u, 4u));
  EXPECT_THAT(min.values(), ElementsAre(1));
  EXPECT_THAT(max.values(), ElementsAre(9));
  EXPECT_THAT(first.values(), ElementsAre(5));
  EXPECT_THAT(last.values(), ElementsAre(3));
  EXPECT_THAT(reduce.values(), ElementsAre(5193));
}

TEST(AggregateTest, CommutativeFoldOverNoOrderStream) {
  Fed f;
  auto sum = f.batch.merge(f.batch)
                 .fold(0, commutative([](int& acc, int x) { acc += x; }))
                 .all_ticks()
                 .collect();
  testing::Harness h(f.flow);
  f.channel.first.send_batch({1, 2});
  h.run();
  EXPECT_THAT(sum.values(), ElementsAre(6));
}

TEST(AggregateTest, FoldKeyedPerTickAndAcrossTicks) {
  Flow flow;
  auto p = flow.process("p");
  auto tick = p.tick();
  auto [sender, input] = p.source_channel<std::pair<std::string, int>>();
  auto batch = input.batch(tick);
  auto plus = [](int& acc, int x) { acc += x; };
  auto per_tick = batch.fold_keyed(0, plus).entries().all_ticks().collect();
  auto across = batch.across_ticks().fold_keyed(0, plus).entries().all_ticks().collect();
  auto reduced = batch.reduce_keyed([](int& a, int b) { a = std::max(a, b); })
                     .entries()
                     .all_ticks()
                     .collect();
  testing::Harness h(flow);
  sender.send_batch({{"a", 1}, {"b", 2}, {"a", 3}});
  h.run();
  EXPECT_THAT(per_tick.values(), UnorderedElementsAre(Pair("a", 4), Pair("b", 2)));
  EXPECT_THAT(reduced.values(), UnorderedElementsAre(Pair("a", 3), Pair("b", 2)));
  per_tick.clear();
  across.clear();
  sender.send_batch({{"b", 5}});
  h.run();
  EXPECT_THAT(per_tick.values(), UnorderedElementsAre(Pair("b", 5)));
  EXPECT_THAT(across.values(), UnorderedElementsAre(Pair("a", 4), Pair("b", 7)));
}

TEST(AggregateTest, ReduceKeyedOrEraseRemovesAKeyAndLaterValuesStartItAfresh) {
  Flow flow;
  auto p = flow.process("p");
  auto tick = p.tick();
  auto [sender, input] = p.source_channel<std::pair<std::string, std::optional<int>>>();
  auto table = input.batch(tick)
                   .assume_ordered()
                   .across_ticks()
                   .reduce_keyed_or_erase([](int& a, int b) { a += b; });
  auto entries = table.entries().all_ticks().collect();
  testing::Harness h(flow);
  sender.send_batch({{"a", 1}, {"b", 2}, {"a", 3}});
  h.run();
  EXPECT_THAT(entries.values(), UnorderedElementsAre(Pair("a", 4), Pair("b", 2)));
  entries.clear();
  // In order within the tick: "a" is removed, then starts again from 10; "b" is removed last.
  sender.send_batch({{"a", std::nullopt}, {"a", 10}, {"b", 5}, {"b", std::nullopt},
                     {"c", std::nullopt}});
  h.run();
  EXPECT_THAT(entries.values(), UnorderedElementsAre(Pair("a", 10)));
  entries.clear();
  sender.send_batch({{"a", 1}});  // the table lives across ticks
  h.run();
  EXPECT_THAT(entries.values(), UnorderedElementsAre(Pair("a", 11)));
}

TEST(AggregateTest, PersistReplaysEveryElementSoFar) {
  Fed f;
  auto all = f.batch.persist().count().all_ticks().collect();
  testing::Harness h(f.flow);
  f.channel.first.send_batch({1, 2});
  h.run();
  f.channel.first.send_batch({3});
  h.run();
  EXPECT_THAT(all.values(), ElementsAre(2u, 3u));
}

TEST(AggregateTest, UniquePerTickInsideATickAndForeverAtTopLevel) {
  Fed f;
  auto per_tick = f.batch.unique().all_ticks().collect();
  auto forever = f.channel.second.unique().collect();
  testing::Harness h(f.flow);
  f.channel.first.send_batch({3, 1, 3, 2, 1});
  h.run();
  f.channel.first.send_batch({2, 4});
  h.run();
  EXPECT_THAT(per_tick.values(), ElementsAre(3, 1, 2, 2, 4));
  EXPECT_THAT(forever.values(), ElementsAre(3, 1, 2, 4));
}

TEST(AggregateTest, ScanEmitsWhatEachStepReturnsWithStatePerTickOrAcrossTicks) {
  Fed f;
  // Running sums, emitted only when they cross a multiple of 10.
  auto crossings = [](int& sum, int x) -> std::optional<int> {
    const int before = sum;
    sum += x;
    if (sum / 10 > before / 10) return sum;
    return std::nullopt;
  };
  auto per_tick = f.batch.scan(0, crossings).all_ticks().collect();
  auto across = f.batch.across_ticks().scan(0, crossings).all_ticks().collect();
  auto top = f.channel.second.scan(0, [](int& n, int x) {
    ++n;
    return std::vector<int>(static_cast<size_t>(n), x);  // a range: n copies
  }).collect();
  testing::Harness h(f.flow);
  f.channel.first.send_batch({4, 4, 4});
  h.run();
  f.channel.first.send_batch({4, 4});
  h.run();
  EXPECT_THAT(per_tick.values(), ElementsAre(12));
  EXPECT_THAT(across.values(), ElementsAre(12, 20));
  EXPECT_THAT(top.values().size(), 1u + 2 + 3 + 4 + 5);
}

TEST(AggregateTest, SortOrdersEachTickSeparately) {
  Fed f;
  auto sorted = f.batch.sort().all_ticks().collect();
  testing::Harness h(f.flow);
  f.channel.first.send_batch({5, 1, 5, 3});
  h.run();
  f.channel.first.send_batch({0});
  h.run();
  EXPECT_THAT(sorted.with_ticks(), ElementsAre(Pair(0, 1), Pair(0, 3), Pair(0, 5), Pair(0, 5),
                                               Pair(1, 0)));
}

}  // namespace
}  // namespace eddy

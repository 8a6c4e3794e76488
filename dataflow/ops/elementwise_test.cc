// Element-wise operators, fused pipelines and tees.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <numeric>
#include <string>
#include <vector>

#include "dataflow/testing.h"

namespace eddy {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

std::vector<int> range(int n) {
  std::vector<int> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

TEST(ElementwiseTest, MapFilterFilterMapFlatMapInspectInOrder) {
  Flow flow;
  auto p = flow.process("p");
  std::vector<int> inspected;
  auto out = p.source_iter({1, 2, 3, 4})
                 .map([](int x) { return x * 10; })
                 .inspect([&](const int& x) { inspected.push_back(x); })
                 .filter([](const int& x) { return x != 20; })
                 .filter_map([](int x) -> std::optional<std::string> {
                   if (x == 40) return std::nullopt;
                   return std::to_string(x);
                 })
                 .flat_map([](std::string s) { return std::vector<std::string>{s, s + "!"}; })
                 .collect();
  testing::Harness(flow).run();
  EXPECT_THAT(out.values(), ElementsAre("10", "10!", "30", "30!"));
  EXPECT_THAT(inspected, ElementsAre(10, 20, 30, 40));
}

TEST(ElementwiseTest, FusedPipelineIsCorrectAcrossChunkBoundaries) {
  // More elements than one chunk, and a flat_map that multiplies them past chunk size.
  const int n = 5000;
  Flow flow;
  auto p = flow.process("p");
  auto out = p.source_iter(range(n))
                 .flat_map([](int x) { return std::vector<int>{x, x}; })
                 .filter([](const int& x) { return x % 3 != 0; })
                 .map([](int x) { return x + 1; })
                 .collect();
  testing::Harness(flow).run();
  std::vector<int> expected;
  for (int x = 0; x < n; ++x) {
    if (x % 3 == 0) continue;
    expected.push_back(x + 1);
    expected.push_back(x + 1);
  }
  EXPECT_THAT(out.values(), ElementsAreArray(expected));
}

TEST(ElementwiseTest, UsingAHandleTwiceFeedsBothUses) {
  Flow flow;
  auto p = flow.process("p");
  auto doubled = p.source_iter({1, 2, 3}).map([](int x) { return x * 2; });
  auto plus = doubled.map([](int x) { return x + 1; }).collect();
  auto minus = doubled.map([](int x) { return x - 1; }).collect();
  auto same = doubled.collect();
  testing::Harness(flow).run();
  EXPECT_THAT(plus.values(), ElementsAre(3, 5, 7));
  EXPECT_THAT(minus.values(), ElementsAre(1, 3, 5));
  EXPECT_THAT(same.values(), ElementsAre(2, 4, 6));
}

TEST(ElementwiseTest, MoveOnlyLambdaArgumentsReceiveOwnedElements) {
  Flow flow;
  auto p = flow.process("p");
  auto out = p.source_iter(std::vector<std::string>{"a", "b"})
                 .map([](std::string s) {
                   s += "x";
                   return s;
                 })
                 .collect();
  testing::Harness(flow).run();
  EXPECT_THAT(out.values(), ElementsAre("ax", "bx"));
}

TEST(ElementwiseTest, LambdasMayTakeTheContext) {
  Flow flow;
  auto p = flow.process("p");
  auto workers = flow.cluster("workers");
  auto out = p.source_iter({7})
                 .broadcast(workers)
                 .map([](Context& ctx, int x) { return std::pair(ctx.member_id().raw, x); })
                 .filter([workers](Context& ctx, const std::pair<uint32_t, int>&) {
                   return ctx.cluster_size(workers) == 3;
                 })
                 .collect();
  testing::Harness(flow, {{"workers", 3}}).run();
  EXPECT_THAT(out.values(), ElementsAre(std::pair(0u, 7), std::pair(1u, 7), std::pair(2u, 7)));
}

TEST(ElementwiseTest, EnumerateRestartsEachTickInsideATickAndNeverAtTopLevel) {
  Flow flow;
  auto p = flow.process("p");
  auto tick = p.tick();
  auto [sender, input] = p.source_channel<char>();
  auto per_tick = input.batch(tick).enumerate().all_ticks().collect();
  auto global = input.enumerate().collect();
  testing::Harness h(flow);
  sender.send_batch({'a', 'b'});
  h.run();
  sender.send_batch({'c'});
  h.run();
  EXPECT_THAT(per_tick.values(), ElementsAre(std::pair<size_t, char>(0, 'a'),
                                             std::pair<size_t, char>(1, 'b'),
                                             std::pair<size_t, char>(0, 'c')));
  EXPECT_THAT(global.values(), ElementsAre(std::pair<size_t, char>(0, 'a'),
                                           std::pair<size_t, char>(1, 'b'),
                                           std::pair<size_t, char>(2, 'c')));
}

TEST(ElementwiseTest, EmptyTicksProduceNothing) {
  Flow flow;
  auto p = flow.process("p");
  auto [sender, input] = p.source_channel<int>();
  auto out = input.map([](int x) { return x; }).collect();
  testing::Harness h(flow);
  h.run();
  EXPECT_THAT(out.values(), IsEmpty());
  sender.send_batch({});
  h.run();
  EXPECT_THAT(out.values(), IsEmpty());
}

}  // namespace
}  // namespace eddy

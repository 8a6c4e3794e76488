// Flow: validation, pictures, fingerprints, and loud failure on misbuilt flows.
#include "dataflow/flow.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dataflow/testing.h"

namespace eddy {
namespace {

using ::testing::HasSubstr;

TEST(FlowTest, SameTickCycleIsRejectedNamingItsOperators) {
  Flow flow;
  auto p = flow.process("p");
  auto tick = p.tick();
  auto [ref, placeholder] = tick.forward_ref<Stream<int, Tick<Process>, Bounded>>();
  auto looped = placeholder.map([](int x) { return x + 1; }).filter([](const int& x) { return x < 10; });
  ref.complete(p.source_iter({1}).batch(tick).chain(looped));
  absl::Status status = flow.validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("same-tick cycle"));
  EXPECT_THAT(status.message(), HasSubstr("map (node"));
  EXPECT_THAT(status.message(), HasSubstr("filter (node"));
  EXPECT_THAT(status.message(), HasSubstr("chain (node"));
  EXPECT_THAT(status.message(), HasSubstr("defer_tick"));
  EXPECT_FALSE(InProcessRunner::create(flow, {}).ok());
}

TEST(FlowTest, TheSameCycleThroughDeferTickIsAccepted) {
  Flow flow;
  auto p = flow.process("p");
  auto tick = p.tick();
  auto [ref, previous] = tick.cycle<int>();
  auto looped = previous.map([](int x) { return x + 1; }).filter([](const int& x) { return x < 10; });
  ref.complete(p.source_iter({1}).batch(tick).chain(looped));
  EXPECT_TRUE(flow.validate().ok()) << flow.validate();
}

TEST(FlowTest, UncompletedForwardRefIsRejected) {
  Flow flow;
  auto p = flow.process("p");
  auto [ref, later] = p.forward_ref<Stream<int, Process>>();
  later.collect();
  EXPECT_THAT(flow.validate().message(), HasSubstr("forward_ref (node 0 at 'p') was never completed"));
}

Flow two_location_flow(int factor) {
  Flow flow;
  auto leader = flow.process("leader");
  auto workers = flow.cluster("workers");
  leader.source_iter({1, 2})
      .map([factor](int x) { return x * factor; })
      .broadcast(workers)
      .for_each([](int) {});
  return flow;
}

TEST(FlowTest, MermaidGroupsByLocationAndDashesNetworkEdges) {
  Flow flow = two_location_flow(2);
  const std::string mermaid = flow.to_mermaid();
  EXPECT_THAT(mermaid, HasSubstr("flowchart TD"));
  EXPECT_THAT(mermaid, HasSubstr("subgraph loc0 [\"Process leader\"]"));
  EXPECT_THAT(mermaid, HasSubstr("subgraph loc1 [\"Cluster workers\"]"));
  EXPECT_THAT(mermaid, HasSubstr("n2[\"broadcast\"]"));
  EXPECT_THAT(mermaid, HasSubstr("n2 -. \"int\" .-> n3"));
  EXPECT_THAT(mermaid, HasSubstr("n0 --> n1"));
  const std::string dot = flow.to_dot();
  EXPECT_THAT(dot, HasSubstr("subgraph cluster_1"));
  EXPECT_THAT(dot, HasSubstr("n2 -> n3 [style=dashed, label=\"int\"]"));
}

TEST(FlowTest, FingerprintIsEqualForEqualFlowsAndDiffersOtherwise) {
  EXPECT_EQ(two_location_flow(2).fingerprint(), two_location_flow(3).fingerprint())
      << "lambda state is not structure";
  Flow other;
  auto leader = other.process("leader");
  auto workers = other.cluster("workers");
  leader.source_iter({1L, 2L}).broadcast(workers).for_each([](long) {});
  EXPECT_NE(two_location_flow(2).fingerprint(), other.fingerprint()) << "element types differ";
}

TEST(FlowDeathTest, MixingLocationsInOneOperatorFailsLoudly) {
  Flow flow;
  auto a = flow.process("a");
  auto b = flow.process("b");
  auto ta = a.tick();
  auto tb = b.tick();
  EXPECT_DEATH(a.source_iter({1}).batch(ta).chain(b.source_iter({2}).batch(tb)),
               "chain: both collections must live at the same location, but one is at 'a' and "
               "the other at 'b'");
}

TEST(FlowDeathTest, ClusterBroadcastingToItselfMustChooseIncludeSelf) {
  Flow flow;
  auto workers = flow.cluster("workers");
  EXPECT_DEATH(workers.source_iter({1}).broadcast(workers), "IncludeSelf::kYes");
}

TEST(FlowDeathTest, AddingOperatorsToARunningFlowFailsLoudly) {
  Flow flow;
  auto p = flow.process("p");
  auto s = p.source_iter({1});
  testing::Harness h(flow);
  EXPECT_DEATH(s.map([](int x) { return x; }), "already running");
}

}  // namespace
}  // namespace eddy

// The in-process runner: threads, host channels, cluster sizes, determinism.
#include "dataflow/core/in_process_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "dataflow/testing.h"

namespace eddy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(InProcessRunnerTest, SourceChannelFedFromAnotherThreadWithThreadedInstances) {
  Flow flow;
  auto p = flow.process("p");
  auto workers = flow.cluster("workers");
  auto [sender, input] = p.source_channel<int>();
  auto clients = flow.external("clients");
  auto [port, ask] = p.source_external<int, int>(clients);
  // Workers keep a running total of what they were sent; a client asks for it.
  auto total = input.round_robin(workers)
                   .send(p)
                   .values()
                   .fold(0, commutative([](int& acc, int x) { acc += x; }));
  auto tick = p.tick();
  ask.entries()
      .batch(tick)
      .cross_singleton(total.snapshot(tick))
      .map([](std::pair<std::pair<ConnectionId, int>, int> x) {
        return std::pair(x.first.first, x.second);
      })
      .all_ticks()
      .send_external(port);
  auto runner = InProcessRunner::create(flow, {.cluster_sizes = {{"workers", 2}}});
  ASSERT_TRUE(runner.ok()) << runner.status();
  (*runner)->start();
  std::thread producer([&sender] {
    for (int i = 1; i <= 1000; ++i) sender.send(i);
  });
  producer.join();
  auto client = (*runner)->connect(port);
  // Poll until every element made the round trip (a liveness check, not a timing claim).
  int seen = 0;
  for (int attempt = 0; attempt < 60000 && seen != 500500; ++attempt) {
    client.send(0);
    auto replies = client.wait_for_replies(1);
    if (!replies.empty()) seen = replies.back();
    if (seen != 500500) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(seen, 500500);
  (*runner)->stop();
}

TEST(InProcessRunnerTest, RejectsMissingUnknownAndZeroClusterSizes) {
  Flow flow;
  auto workers = flow.cluster("workers");
  workers.source_iter({1}).collect();
  auto missing = InProcessRunner::create(flow, {});
  EXPECT_THAT(missing.status().message(), HasSubstr("cluster 'workers' has no size"));
  auto zero = InProcessRunner::create(flow, {.cluster_sizes = {{"workers", 0}}});
  EXPECT_THAT(zero.status().message(), HasSubstr("needs at least one member"));
  auto unknown = InProcessRunner::create(flow, {.cluster_sizes = {{"workers", 1}, {"nope", 2}}});
  EXPECT_THAT(unknown.status().message(), HasSubstr("'nope', which is not a cluster"));
}

TEST(InProcessRunnerTest, SteppedRunsAreDeterministic) {
  auto run_once = [] {
    Flow flow;
    auto p = flow.process("p");
    auto workers = flow.cluster("workers");
    auto tick = p.tick();
    auto rolls = workers.source_iter({0, 1, 2})
                     .map([](Context& ctx, int i) { return std::pair(i, ctx.rng().uniform(1000)); })
                     .send(p)
                     .entries()
                     .batch(tick)
                     .sort()
                     .all_ticks()
                     .collect();
    testing::Harness h(flow, {{"workers", 3}}, /*seed=*/42);
    h.run();
    return rolls.values();
  };
  const auto first = run_once();
  EXPECT_EQ(first.size(), 9u);
  EXPECT_EQ(first, run_once());
}

}  // namespace
}  // namespace eddy

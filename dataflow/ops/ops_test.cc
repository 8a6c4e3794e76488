#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dataflow/eddy.h"

namespace eddy {
namespace {

using ::testing::ElementsAre;

TEST(SmokeTest, MapFilterFoldInOneTick) {
  Flow flow;
  auto p = flow.process("p");
  auto tick = p.tick();
  auto sum = p.source_iter({1, 2, 3, 4, 5})
                 .map([](int x) { return x * 10; })
                 .filter([](int x) { return x != 30; })
                 .batch(tick)
                 .fold(0, [](int& acc, int x) { acc += x; })
                 .all_ticks()
                 .collect();
  auto runner = InProcessRunner::create(flow, {});
  ASSERT_TRUE(runner.ok()) << runner.status();
  (*runner)->run_until_idle();
  EXPECT_THAT(sum.values(), ElementsAre(120));
}

}  // namespace
}  // namespace eddy

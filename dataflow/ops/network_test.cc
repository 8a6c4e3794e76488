// send, broadcast, round_robin and demux between a Process and a Cluster, in process.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "dataflow/testing.h"

namespace eddy {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

std::vector<int> range(int n) {
  std::vector<int> v;
  for (int i = 0; i < n; ++i) v.push_back(i);
  return v;
}

TEST(NetworkTest, SendBetweenProcessesKeepsOrder) {
  Flow flow;
  auto a = flow.process("a");
  auto b = flow.process("b");
  auto out = a.source_iter(range(2000)).send(b).collect();
  testing::Harness(flow).run();
  EXPECT_EQ(out.values(), range(2000));
}

TEST(NetworkTest, BroadcastFromAProcessReachesEveryMemberOnce) {
  Flow flow;
  auto p = flow.process("p");
  auto workers = flow.cluster("workers");
  auto got = p.source_iter(std::vector<std::string>{"x", "y"}).broadcast(workers).collect();
  testing::Harness(flow, {{"workers", 4}}).run();
  for (uint32_t m = 0; m < 4; ++m) {
    EXPECT_THAT(got.values_at(MemberId{m}), ElementsAre("x", "y")) << "member " << m;
  }
}

TEST(NetworkTest, ClusterBroadcastToItselfIncludesTheSenderOnlyWhenAsked) {
  Flow flow;
  auto workers = flow.cluster("workers");
  auto mine = workers.source_iter({0}).map([](Context& ctx, int) { return ctx.member_id(); });
  auto others = mine.broadcast(workers, IncludeSelf::kNo).entries().collect();
  auto everyone = mine.broadcast(workers, IncludeSelf::kYes).entries().collect();
  testing::Harness(flow, {{"workers", 3}}).run();
  for (uint32_t m = 0; m < 3; ++m) {
    std::vector<uint32_t> from_others;
    for (auto [sender, value] : others.values_at(MemberId{m})) {
      EXPECT_EQ(sender, value);  // keyed by the sending member
      from_others.push_back(sender.raw);
    }
    std::vector<uint32_t> expected;
    for (uint32_t s = 0; s < 3; ++s) {
      if (s != m) expected.push_back(s);
    }
    EXPECT_THAT(from_others, ::testing::UnorderedElementsAreArray(expected));
    EXPECT_EQ(everyone.values_at(MemberId{m}).size(), 3u);
  }
}

TEST(NetworkTest, AClusterMayLoopDataThroughTheNetworkToItself) {
  // A token goes around the members (each forwards it to the next with one hop less): a cycle
  // through a cluster's broadcast to itself is not a same-tick cycle.
  Flow flow;
  auto workers = flow.cluster("workers");
  auto [ref, hops] = workers.forward_ref<Stream<int, Cluster, Unbounded, NoOrder>>();
  auto start = workers.source_iter({6}).filter([](Context& ctx, const int&) {
    return ctx.member_id().raw == 0;
  });
  auto arrived = hops.merge(start);
  auto seen = arrived.collect();
  ref.complete(arrived.filter([](const int& ttl) { return ttl > 0; })
                   .map([](Context& ctx, int ttl) {
                     return std::pair(MemberId{(ctx.member_id().raw + 1) % 3}, ttl - 1);
                   })
                   .demux(workers)
                   .values());
  ASSERT_TRUE(flow.validate().ok()) << flow.validate();
  testing::Harness(flow, {{"workers", 3}}).run();
  EXPECT_THAT(seen.values_at(MemberId{0}), UnorderedElementsAre(6, 3, 0));
  EXPECT_THAT(seen.values_at(MemberId{1}), UnorderedElementsAre(5, 2));
  EXPECT_THAT(seen.values_at(MemberId{2}), UnorderedElementsAre(4, 1));
}

TEST(NetworkTest, RoundRobinSpreadsEvenly) {
  Flow flow;
  auto p = flow.process("p");
  auto workers = flow.cluster("workers");
  auto got = p.source_iter(range(300)).round_robin(workers).collect();
  testing::Harness(flow, {{"workers", 3}}).run();
  std::vector<int> all;
  for (uint32_t m = 0; m < 3; ++m) {
    auto mine = got.values_at(MemberId{m});
    EXPECT_EQ(mine.size(), 100u) << "member " << m;
    all.insert(all.end(), mine.begin(), mine.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, range(300));
}

TEST(NetworkTest, DemuxSendsEachElementToTheMemberItNamesAndDropsUnknownMembers) {
  Flow flow;
  auto p = flow.process("p");
  auto workers = flow.cluster("workers");
  auto got = p.source_iter<std::pair<MemberId, int>>(
                  {{MemberId{1}, 10}, {MemberId{0}, 20}, {MemberId{7}, 99}, {MemberId{1}, 30}})
                 .demux(workers)
                 .collect();
  testing::Harness(flow, {{"workers", 2}}).run();
  EXPECT_THAT(got.values_at(MemberId{0}), ElementsAre(20));
  EXPECT_THAT(got.values_at(MemberId{1}), ElementsAre(10, 30));
}

TEST(NetworkTest, ClusterToProcessIsKeyedBySender) {
  Flow flow;
  auto p = flow.process("p");
  auto workers = flow.cluster("workers");
  auto replies = p.source_iter({5})
                     .broadcast(workers)
                     .map([](Context& ctx, int x) { return x * 100 + int(ctx.member_id().raw); })
                     .send(p)
                     .collect();
  testing::Harness(flow, {{"workers", 3}}).run();
  EXPECT_THAT(replies.values(), UnorderedElementsAre(Pair(MemberId{0}, 500), Pair(MemberId{1}, 501),
                                                     Pair(MemberId{2}, 502)));
}

TEST(NetworkTest, ProcessToClusterToProcessRoundTripCountsEveryElement) {
  // The shape of issue 3's deployment test: round_robin out, broadcast among members, send back.
  Flow flow;
  auto leader = flow.process("leader");
  auto workers = flow.cluster("workers");
  auto at_members = leader.source_iter(range(30)).round_robin(workers);
  auto gossip = at_members.broadcast(workers, IncludeSelf::kYes).values();
  auto counted = gossip.send(leader).values().fold(0, commutative([](int& acc, int x) { acc += x; }));
  auto tick = leader.tick();
  auto total = counted.snapshot(tick).all_ticks().collect();
  testing::Harness h(flow, {{"workers", 3}});
  h.run();
  ASSERT_FALSE(total.values().empty());
  EXPECT_EQ(total.values().back(), 3 * (29 * 30 / 2));  // every member saw every element
}

}  // namespace
}  // namespace eddy

// The CRDT field types: stamps and the hybrid clock, LWW registers with and without resolvers,
// observed-remove sets and LWW maps, each checked against the lattice laws on random inputs.
#include "kvs/cluster_state/crdt.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

#include "kvs/cluster_state/testing.h"

namespace eddy::kvs {
namespace {

using eddy::testing::expect_lattice_laws;
using eddy::testing::progress;

constexpr int kCases = 3000;

TEST(StampTest, OrdersByTimeThenLogicalThenReplica) {
  EXPECT_LT((Stamp{1, 9, "z"}), (Stamp{2, 0, "a"}));
  EXPECT_LT((Stamp{2, 0, "z"}), (Stamp{2, 1, "a"}));
  EXPECT_LT((Stamp{2, 1, "a"}), (Stamp{2, 1, "b"}));
  EXPECT_LT(Stamp{}, (Stamp{0, 0, "a"}));
}

TEST(HybridClockTest, TickUsesWallTimeWhenItIsAhead) {
  HybridClock clock;
  EXPECT_EQ(clock.tick(100, "r"), (Stamp{100, 0, "r"}));
  EXPECT_EQ(clock.tick(250, "r"), (Stamp{250, 0, "r"}));
}

TEST(HybridClockTest, TickCountsLogicallyWhenWallTimeStallsOrGoesBack) {
  HybridClock clock;
  Stamp first = clock.tick(100, "r");
  Stamp second = clock.tick(100, "r");
  Stamp third = clock.tick(40, "r");
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
  EXPECT_EQ(third, (Stamp{100, 2, "r"}));
}

TEST(HybridClockTest, TickIsGreaterThanAnObservedStampFromAFastClock) {
  HybridClock clock;
  clock.observe(Stamp{5000, 3, "fast"});
  Stamp next = clock.tick(100, "slow");
  EXPECT_GT(next, (Stamp{5000, 3, "fast"}));
  EXPECT_EQ(next, (Stamp{5000, 4, "slow"}));
}

TEST(HybridClockTest, ObservingAnOlderStampChangesNothing) {
  HybridClock clock;
  clock.tick(100, "r");
  clock.observe(Stamp{50, 7, "x"});
  EXPECT_EQ(clock.high_water("r"), (Stamp{100, 0, "r"}));
}

TEST(LwwRegisterTest, UnsetRegisterLosesToEveryWrite) {
  LwwRegister<int> reg;
  EXPECT_FALSE(reg.is_set());
  EXPECT_TRUE(reg.merge(LwwRegister<int>(0, Stamp{0, 0, "a"})));
  EXPECT_TRUE(reg.is_set());
  EXPECT_FALSE(reg.merge(LwwRegister<int>()));
}

TEST(LwwRegisterTest, NewerStampWinsInBothMergeOrders) {
  LwwRegister<int> older(7, Stamp{1, 0, "z"});
  LwwRegister<int> newer(3, Stamp{2, 0, "a"});
  LwwRegister<int> x = older, y = newer;
  EXPECT_TRUE(x.merge(newer));
  EXPECT_FALSE(y.merge(older));
  EXPECT_EQ(x, newer);
  EXPECT_EQ(y, newer);
}

TEST(LwwRegisterTest, TimeTieIsBrokenByReplicaIdNeverByArrival) {
  LwwRegister<int> from_a(1, Stamp{5, 0, "a"});
  LwwRegister<int> from_b(2, Stamp{5, 0, "b"});
  LwwRegister<int> x = from_a, y = from_b;
  x.merge(from_b);
  y.merge(from_a);
  EXPECT_EQ(x.value(), 2);
  EXPECT_EQ(y.value(), 2);
}

TEST(LwwRegisterTest, ResolverOverridesTheStampWhenItRanksTheWrites) {
  // Greater value wins, whatever the stamps.
  Resolver<int> max_value = [](const LwwRegister<int>& a, const LwwRegister<int>& b) {
    return a.value() < b.value();
  };
  LwwRegister<int> big_old(9, Stamp{1, 0, "a"});
  LwwRegister<int> small_new(1, Stamp{8, 0, "a"});
  LwwRegister<int> reg = big_old;
  EXPECT_FALSE(reg.merge(small_new, &max_value));
  EXPECT_EQ(reg.value(), 9);
  EXPECT_TRUE(reg.merge(small_new));  // Without the resolver, the newer write wins.
  EXPECT_EQ(reg.value(), 1);
}

TEST(LwwRegisterTest, WritesTheResolverRanksEqualFallBackToTheStamp) {
  Resolver<TaskProgress> by_status = task_progress_by_status();
  LwwRegister<TaskProgress> on_n1(progress(TaskStatus::kAssigned, "n1"), Stamp{1, 0, "a"});
  LwwRegister<TaskProgress> on_n2(progress(TaskStatus::kAssigned, "n2"), Stamp{2, 0, "b"});
  LwwRegister<TaskProgress> running(progress(TaskStatus::kRunning, "n1", 5), Stamp{1, 1, "a"});
  LwwRegister<TaskProgress> reg = on_n1;
  EXPECT_TRUE(reg.merge(on_n2, &by_status));
  EXPECT_EQ(reg.value().assigned_node_id, "n2");
  EXPECT_TRUE(reg.merge(running, &by_status));  // Further along wins over the newer stamp.
  EXPECT_EQ(reg.value().status, TaskStatus::kRunning);
}

TEST(LwwRegisterTest, MergeIsALatticeOnRandomWrites) {
  std::mt19937_64 rng(11);
  expect_lattice_laws<LwwRegister<int>>(
      rng, eddy::testing::random_register,
      [](LwwRegister<int> a, const LwwRegister<int>& b) {
        a.merge(b);
        return a;
      },
      kCases);
}

TEST(LwwRegisterTest, MergeWithAResolverIsALatticeOnRandomWrites) {
  // Ranks only parity: many writes are equivalent and fall back to the stamp.
  Resolver<int> odd_wins = [](const LwwRegister<int>& a, const LwwRegister<int>& b) {
    return a.value() % 2 < b.value() % 2;
  };
  std::mt19937_64 rng(12);
  expect_lattice_laws<LwwRegister<int>>(
      rng, eddy::testing::random_register,
      [&odd_wins](LwwRegister<int> a, const LwwRegister<int>& b) {
        a.merge(b, &odd_wins);
        return a;
      },
      kCases);
}

TEST(OrSetTest, AddedElementIsPresentUntilRemoved) {
  OrSet<std::string> set;
  EXPECT_TRUE(set.add("gpu", Dot{"a", 1}));
  EXPECT_TRUE(set.contains("gpu"));
  EXPECT_EQ(set.size(), 1u);
  EXPECT_TRUE(set.remove("gpu"));
  EXPECT_FALSE(set.contains("gpu"));
  EXPECT_FALSE(set.remove("gpu"));
  EXPECT_EQ(set.elements(), std::set<std::string>{});
}

TEST(OrSetTest, ConcurrentAddWinsOverRemove) {
  OrSet<std::string> base;
  base.add("x", Dot{"a", 1});
  OrSet<std::string> removed_on_a = base;
  removed_on_a.remove("x");
  OrSet<std::string> added_on_b = base;
  added_on_b.add("x", Dot{"b", 1});  // b has not seen the remove.
  OrSet<std::string> x = removed_on_a, y = added_on_b;
  x.merge(added_on_b);
  y.merge(removed_on_a);
  EXPECT_TRUE(x.contains("x"));
  EXPECT_EQ(x, y);
}

TEST(OrSetTest, StaleCopyDoesNotBringARemovedElementBack) {
  OrSet<std::string> stale;
  stale.add("x", Dot{"a", 1});
  OrSet<std::string> current = stale;
  current.remove("x");
  EXPECT_FALSE(current.merge(stale));
  EXPECT_FALSE(current.contains("x"));
  stale.merge(current);
  EXPECT_FALSE(stale.contains("x"));
}

TEST(OrSetTest, ReAddAfterRemoveWithAFreshDotIsPresent) {
  OrSet<std::string> set;
  set.add("x", Dot{"a", 1});
  set.remove("x");
  EXPECT_TRUE(set.add("x", Dot{"a", 2}));
  EXPECT_TRUE(set.contains("x"));
}

TEST(OrSetTest, ClearRemovesEveryObservedElement) {
  OrSet<std::string> set;
  set.add("x", Dot{"a", 1});
  set.add("y", Dot{"a", 1});
  set.clear();
  EXPECT_EQ(set.size(), 0u);
  EXPECT_EQ(set.tags().size(), 2u);  // The removed dots are remembered.
}

TEST(OrSetTest, MergeIsALatticeOnRandomSets) {
  std::mt19937_64 rng(21);
  expect_lattice_laws<OrSet<std::string>>(
      rng, eddy::testing::random_or_set,
      [](OrSet<std::string> a, const OrSet<std::string>& b) {
        a.merge(b);
        return a;
      },
      kCases);
}

TEST(LwwMapTest, EraseIsATombstoneThatAStalePutCannotUndo) {
  LwwMap<std::string, int> map;
  map.put("k", 1, Stamp{1, 0, "a"});
  EXPECT_TRUE(map.erase("k", Stamp{2, 0, "a"}));
  EXPECT_FALSE(map.put("k", 5, Stamp{1, 5, "b"}));
  EXPECT_TRUE(map.values().empty());
  EXPECT_TRUE(map.put("k", 6, Stamp{3, 0, "b"}));
  EXPECT_EQ(map.values(), (std::map<std::string, int>{{"k", 6}}));
}

TEST(LwwMapTest, AssignReplacesTheLiveEntries) {
  LwwMap<std::string, int> map;
  map.put("old", 1, Stamp{1, 0, "a"});
  map.put("kept", 2, Stamp{1, 0, "a"});
  EXPECT_TRUE(map.assign({{"kept", 3}, {"new", 4}}, Stamp{2, 0, "a"}));
  EXPECT_EQ(map.values(), (std::map<std::string, int>{{"kept", 3}, {"new", 4}}));
}

TEST(LwwMapTest, MergeIsALatticeOnRandomMaps) {
  std::mt19937_64 rng(31);
  expect_lattice_laws<LwwMap<std::string, int>>(
      rng, eddy::testing::random_lww_map,
      [](LwwMap<std::string, int> a, const LwwMap<std::string, int>& b) {
        a.merge(b);
        return a;
      },
      kCases);
}

TEST(FieldResolversTest, FieldsWithoutAResolverUsePlainLww) {
  FieldResolvers resolvers;
  EXPECT_EQ(resolvers.get<Field::kTaskProgress>(), nullptr);
  resolvers.set<Field::kTaskProgress>(task_progress_by_status());
  EXPECT_NE(resolvers.get<Field::kTaskProgress>(), nullptr);
  EXPECT_EQ(resolvers.get<Field::kNodeStatus>(), nullptr);
  resolvers.set<Field::kTaskProgress>(nullptr);
  EXPECT_EQ(resolvers.get<Field::kTaskProgress>(), nullptr);
}

}  // namespace
}  // namespace eddy::kvs

// VectorClock: missing entries are 0, zero entries are normalized away, compare is the
// pointwise causal order.
#include "kvs/lattices/vector_clock.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>

#include "cereal/archives/binary.hpp"
#include "dataflow/core/rng.h"
#include "kvs/lattices/testing.h"

namespace eddy::kvs {
namespace {

TEST(VectorClockTest, GetReturnsZeroForAReplicaWithNoEntry) {
  VectorClock clock{{"a", 2}};
  EXPECT_EQ(clock.get("a"), 2u);
  EXPECT_EQ(clock.get("b"), 0u);
}

TEST(VectorClockTest, IncrementStartsAtOneAndReturnsTheNewCounter) {
  VectorClock clock;
  EXPECT_EQ(clock.increment("a"), 1u);
  EXPECT_EQ(clock.increment("a"), 2u);
  EXPECT_EQ(clock.increment("b"), 1u);
  EXPECT_EQ(clock, (VectorClock{{"a", 2}, {"b", 1}}));
}

TEST(VectorClockTest, ZeroEntriesDoNotMakeClocksUnequal) {
  VectorClock with_zero{{"a", 1}, {"b", 0}};
  VectorClock without{{"a", 1}};
  EXPECT_EQ(with_zero, without);
  EXPECT_EQ(with_zero.entries().size(), 1u);
  EXPECT_EQ(VectorClock::compare(with_zero, without), Causality::kEqual);
  EXPECT_EQ((VectorClock{{"z", 0}}), VectorClock());
}

TEST(VectorClockTest, DecodingDropsZeroEntries) {
  // The wire form is a plain map, so a peer could send a zero counter.
  std::stringstream bytes;
  {
    cereal::BinaryOutputArchive out(bytes);
    out(std::map<std::string, uint64_t>{{"a", 0}, {"b", 3}});
  }
  VectorClock decoded{{"stale", 9}};
  {
    cereal::BinaryInputArchive in(bytes);
    in(decoded);
  }
  EXPECT_EQ(decoded, (VectorClock{{"b", 3}}));
  EXPECT_EQ(decoded.entries().size(), 1u);
}

TEST(VectorClockTest, MergeTakesThePointwiseMaximum) {
  VectorClock clock{{"a", 3}, {"b", 1}};
  EXPECT_TRUE(clock.merge(VectorClock{{"b", 2}, {"c", 1}}));
  EXPECT_EQ(clock, (VectorClock{{"a", 3}, {"b", 2}, {"c", 1}}));
  EXPECT_FALSE(clock.merge(VectorClock{{"a", 1}}));
}

TEST(VectorClockTest, CompareTreatsMissingEntriesAsZero) {
  VectorClock a{{"a", 1}};
  VectorClock ab{{"a", 1}, {"b", 1}};
  EXPECT_EQ(VectorClock::compare(a, ab), Causality::kBefore);
  EXPECT_EQ(VectorClock::compare(ab, a), Causality::kAfter);
  EXPECT_EQ(VectorClock::compare(VectorClock(), a), Causality::kBefore);
  EXPECT_EQ(VectorClock::compare(a, VectorClock()), Causality::kAfter);
}

TEST(VectorClockTest, CompareReportsEqualForTheSameCounters) {
  EXPECT_EQ(VectorClock::compare(VectorClock{{"a", 1}, {"b", 2}}, VectorClock{{"b", 2}, {"a", 1}}),
            Causality::kEqual);
  EXPECT_EQ(VectorClock::compare(VectorClock(), VectorClock()), Causality::kEqual);
}

TEST(VectorClockTest, CompareReportsBeforeAndAfterOnSharedKeys) {
  VectorClock low{{"a", 1}, {"b", 2}};
  VectorClock high{{"a", 2}, {"b", 2}};
  EXPECT_EQ(VectorClock::compare(low, high), Causality::kBefore);
  EXPECT_EQ(VectorClock::compare(high, low), Causality::kAfter);
}

TEST(VectorClockTest, CompareReportsConcurrentWhenEachHasSeenSomethingNew) {
  // Disjoint key sets.
  EXPECT_EQ(VectorClock::compare(VectorClock{{"a", 1}}, VectorClock{{"b", 1}}),
            Causality::kConcurrent);
  // Shared keys, crossing counters.
  EXPECT_EQ(VectorClock::compare(VectorClock{{"a", 2}, {"b", 1}}, VectorClock{{"a", 1}, {"b", 2}}),
            Causality::kConcurrent);
  // One side greater on a shared key, the other has a key of its own.
  EXPECT_EQ(VectorClock::compare(VectorClock{{"a", 2}}, VectorClock{{"a", 1}, {"c", 1}}),
            Causality::kConcurrent);
}

TEST(VectorClockTest, DominatesIncludesEqualButStrictlyDominatesDoesNot) {
  VectorClock low{{"a", 1}};
  VectorClock high{{"a", 1}, {"b", 1}};
  EXPECT_TRUE(high.dominates(low));
  EXPECT_TRUE(high.strictly_dominates(low));
  EXPECT_TRUE(low.dominates(low));
  EXPECT_FALSE(low.strictly_dominates(low));
  EXPECT_FALSE(low.dominates(high));
  EXPECT_FALSE((VectorClock{{"b", 1}}.dominates(low)));
}

// The definition, spelled out: pointwise over every replica either clock could name.
Causality brute_force_compare(const VectorClock& a, const VectorClock& b) {
  bool le = true;
  bool ge = true;
  for (const char* replica : {"a", "b", "c"}) {
    le = le && a.get(replica) <= b.get(replica);
    ge = ge && a.get(replica) >= b.get(replica);
  }
  if (le && ge) return Causality::kEqual;
  if (le) return Causality::kBefore;
  if (ge) return Causality::kAfter;
  return Causality::kConcurrent;
}

TEST(VectorClockTest, CompareAgreesWithThePointwiseDefinitionOnRandomClocks) {
  Rng rng(11);
  std::map<Causality, int> seen;
  for (int i = 0; i < 5000; ++i) {
    VectorClock a = eddy::testing::Arbitrary<VectorClock>::random(rng);
    VectorClock b = eddy::testing::Arbitrary<VectorClock>::random(rng);
    Causality expected = brute_force_compare(a, b);
    EXPECT_EQ(VectorClock::compare(a, b), expected)
        << ::testing::PrintToString(a) << " vs " << ::testing::PrintToString(b);
    EXPECT_EQ(a == b, expected == Causality::kEqual);
    ++seen[expected];
  }
  // Every outcome must be exercised, or the loop proves nothing about it.
  EXPECT_GT(seen[Causality::kBefore], 100);
  EXPECT_GT(seen[Causality::kAfter], 100);
  EXPECT_GT(seen[Causality::kEqual], 100);
  EXPECT_GT(seen[Causality::kConcurrent], 100);
}

}  // namespace
}  // namespace eddy::kvs

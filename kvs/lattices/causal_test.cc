// Causal keeps the maximal concurrent versions: dominating writes replace, concurrent writes
// become siblings, and merge stays associative where a single-clock form would not.
#include "kvs/lattices/causal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "cereal/archives/binary.hpp"
#include "cereal/types/utility.hpp"
#include "dataflow/core/rng.h"
#include "kvs/lattices/lattice.h"
#include "kvs/lattices/testing.h"

namespace eddy::kvs {
namespace {

using ::testing::ElementsAre;

TEST(CausalTest, DefaultHasNoSiblingsAndTheEmptyClock) {
  Causal<int> empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_TRUE(empty.values().empty());
  EXPECT_EQ(empty.clock(), VectorClock());
}

TEST(CausalTest, WriteHoldsOneSibling) {
  Causal<int> c = Causal<int>::write(VectorClock{{"a", 1}}, 5);
  ASSERT_EQ(c.siblings().size(), 1u);
  EXPECT_EQ(c.siblings()[0].clock, (VectorClock{{"a", 1}}));
  EXPECT_EQ(c.siblings()[0].value, 5);
  EXPECT_THAT(c.values(), ElementsAre(5));
}

TEST(CausalTest, DominatingWriteReplacesTheValue) {
  Causal<int> c = Causal<int>::write(VectorClock{{"a", 1}}, 1);
  EXPECT_TRUE(c.merge(Causal<int>::write(VectorClock{{"a", 2}}, 2)));
  EXPECT_EQ(c, Causal<int>::write(VectorClock{{"a", 2}}, 2));
}

TEST(CausalTest, DominatedWriteArrivingLateChangesNothing) {
  Causal<int> c = Causal<int>::write(VectorClock{{"a", 2}}, 2);
  EXPECT_FALSE(c.merge(Causal<int>::write(VectorClock{{"a", 1}}, 1)));
  EXPECT_THAT(c.values(), ElementsAre(2));
}

TEST(CausalTest, ConcurrentWritesBecomeSiblings) {
  Causal<int> c = Causal<int>::write(VectorClock{{"a", 1}}, 10);
  EXPECT_TRUE(c.merge(Causal<int>::write(VectorClock{{"b", 1}}, 20)));
  EXPECT_THAT(c.values(), ElementsAre(10, 20));
  EXPECT_EQ(c.siblings().size(), 2u);
  EXPECT_EQ(c.clock(), (VectorClock{{"a", 1}, {"b", 1}}));
}

TEST(CausalTest, WriteThatSawBothSiblingsCollapsesThem) {
  Causal<int> c = Causal<int>::write(VectorClock{{"a", 1}}, 10);
  c.merge(Causal<int>::write(VectorClock{{"b", 1}}, 20));
  VectorClock next = c.clock();
  next.increment("a");
  EXPECT_TRUE(c.merge(Causal<int>::write(next, 30)));
  EXPECT_EQ(c, Causal<int>::write(VectorClock{{"a", 2}, {"b", 1}}, 30));
}

TEST(CausalTest, WriteThatSawOnlyOneSiblingReplacesOnlyThatOne) {
  Causal<int> c = Causal<int>::write(VectorClock{{"a", 1}}, 10);
  c.merge(Causal<int>::write(VectorClock{{"b", 1}}, 20));
  EXPECT_TRUE(c.merge(Causal<int>::write(VectorClock{{"a", 2}}, 11)));
  EXPECT_THAT(c.values(), ElementsAre(11, 20));
}

TEST(CausalTest, EqualClocksWithDifferentValuesAreBothKept) {
  Causal<int> a = Causal<int>::write(VectorClock{{"a", 1}}, 1);
  Causal<int> b = Causal<int>::write(VectorClock{{"a", 1}}, 2);
  EXPECT_EQ(merged(a, b), merged(b, a));
  EXPECT_THAT(merged(a, b).values(), ElementsAre(1, 2));
}

TEST(CausalTest, ValuesAreDistinctAndAscending) {
  Causal<int> c = Causal<int>::write(VectorClock{{"c", 1}}, 7);
  c.merge(Causal<int>::write(VectorClock{{"a", 1}}, 7));
  c.merge(Causal<int>::write(VectorClock{{"b", 1}}, 3));
  EXPECT_EQ(c.siblings().size(), 3u);
  EXPECT_THAT(c.values(), ElementsAre(3, 7));
}

TEST(CausalTest, SiblingOrderDoesNotDependOnMergeOrder) {
  Causal<int> x = Causal<int>::write(VectorClock{{"b", 1}}, 1);
  Causal<int> y = Causal<int>::write(VectorClock{{"a", 1}}, 2);
  Causal<int> xy = merged(x, y);
  Causal<int> yx = merged(y, x);
  ASSERT_EQ(xy.siblings().size(), 2u);
  EXPECT_EQ(xy.siblings(), yx.siblings());
  EXPECT_EQ(xy.siblings()[0].clock, (VectorClock{{"a", 1}}));
}

TEST(CausalTest, DeleteIsAnOptionalValueThatDominatesLikeAnyWrite) {
  using Value = Causal<std::optional<int>>;
  Value c = Value::write(VectorClock{{"a", 1}}, 5);
  EXPECT_TRUE(c.merge(Value::write(VectorClock{{"a", 2}}, std::nullopt)));
  EXPECT_THAT(c.values(), ElementsAre(std::nullopt));
}

// Three writes where the single-clock form (one clock, a set of values) is not associative:
// grouping (x, y) first makes x and z look concurrent; grouping (y, z) first lets z overtake x.
TEST(CausalTest, DropsASiblingOvertakenByALaterWriteFromTheSameReplica) {
  Causal<int> x = Causal<int>::write(VectorClock{{"a", 1}}, 1);
  Causal<int> y = Causal<int>::write(VectorClock{{"b", 1}}, 2);
  Causal<int> z = Causal<int>::write(VectorClock{{"a", 2}}, 3);
  Causal<int> left = merged(merged(x, y), z);
  Causal<int> right = merged(x, merged(y, z));
  EXPECT_EQ(left, right);
  EXPECT_THAT(left.values(), ElementsAre(2, 3));
}

// The form this file must not use, kept to prove the random associativity check would catch it.
struct NaiveCausal {
  VectorClock clock;
  std::set<int> values;

  void merge(const NaiveCausal& other) {
    switch (VectorClock::compare(clock, other.clock)) {
      case Causality::kBefore:
        *this = other;
        return;
      case Causality::kAfter:
        return;
      case Causality::kEqual:
      case Causality::kConcurrent:
        clock.merge(other.clock);
        values.insert(other.values.begin(), other.values.end());
        return;
    }
  }
  friend bool operator==(const NaiveCausal&, const NaiveCausal&) = default;
};

NaiveCausal naive_merged(NaiveCausal a, const NaiveCausal& b) {
  a.merge(b);
  return a;
}

TEST(CausalTest, RandomAssociativityCheckCatchesTheNaiveFormButNotThisOne) {
  Rng rng(3);
  int naive_failures = 0;
  for (int i = 0; i < 2000; ++i) {
    std::vector<Causal<int>> real;
    std::vector<NaiveCausal> naive;
    for (int j = 0; j < 3; ++j) {
      VectorClock clock = eddy::testing::Arbitrary<VectorClock>::random(rng);
      int value = eddy::testing::Arbitrary<int>::random(rng);
      real.push_back(Causal<int>::write(clock, value));
      naive.push_back(NaiveCausal{clock, {value}});
    }
    EXPECT_EQ(merged(real[0], merged(real[1], real[2])), merged(merged(real[0], real[1]), real[2]))
        << "case " << i;
    if (naive_merged(naive[0], naive_merged(naive[1], naive[2])) !=
        naive_merged(naive_merged(naive[0], naive[1]), naive[2])) {
      ++naive_failures;
    }
  }
  EXPECT_GT(naive_failures, 0) << "the random inputs are too tame to catch a non-lattice";
}

TEST(CausalTest, DecodingRestoresTheAntichainInvariant) {
  // Siblings out of order, one repeated and one overtaken: the wire form of a buggy peer.
  std::vector<std::pair<VectorClock, int>> wire = {
      {VectorClock{{"b", 1}}, 2},
      {VectorClock{{"a", 1}}, 1},
      {VectorClock{{"a", 2}}, 3},
      {VectorClock{{"b", 1}}, 2},
  };
  std::stringstream bytes;
  {
    cereal::BinaryOutputArchive out(bytes);
    out(wire);
  }
  Causal<int> decoded;
  {
    cereal::BinaryInputArchive in(bytes);
    in(decoded);
  }
  Causal<int> expected = Causal<int>::write(VectorClock{{"a", 2}}, 3);
  expected.merge(Causal<int>::write(VectorClock{{"b", 1}}, 2));
  EXPECT_EQ(decoded, expected);
  EXPECT_EQ(decoded.siblings().size(), 2u);
}

}  // namespace
}  // namespace eddy::kvs

// The lattice laws, property-tested on random values for every lattice type, plus the Lattice
// concept, merged() and the Cereal round trip.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <set>
#include <sstream>
#include <string>

#include "cereal/archives/binary.hpp"
#include "dataflow/core/rng.h"
#include "kvs/lattices/causal.h"
#include "kvs/lattices/lattice.h"
#include "kvs/lattices/lww.h"
#include "kvs/lattices/map_union.h"
#include "kvs/lattices/max.h"
#include "kvs/lattices/set_union.h"
#include "kvs/lattices/testing.h"
#include "kvs/lattices/vector_clock.h"

namespace eddy::kvs {
namespace {

using ::eddy::testing::Arbitrary;

// Cases per law per type: random draws from small domains, so equal and tied values are common.
constexpr int kCases = 2000;

static_assert(Lattice<Lww<int>>);
static_assert(Lattice<Lww<std::string>>);
static_assert(Lattice<VectorClock>);
static_assert(Lattice<Causal<int>>);
static_assert(Lattice<Causal<std::optional<std::string>>>);
static_assert(Lattice<SetUnion<std::string>>);
static_assert(Lattice<Max<uint64_t>>);
static_assert(Lattice<MapUnion<std::string, Lww<std::string>>>);
static_assert(!Lattice<int>);
static_assert(!Lattice<std::set<int>>);

template <class T>
T cereal_round_trip(const T& value) {
  std::stringstream bytes;
  {
    cereal::BinaryOutputArchive out(bytes);
    out(value);
  }
  T back;
  cereal::BinaryInputArchive in(bytes);
  in(back);
  return back;
}

template <class L>
class LatticeLawsTest : public ::testing::Test {
 protected:
  L random() { return Arbitrary<L>::random(rng_); }

 private:
  Rng rng_{42};
};

using LatticeTypes =
    ::testing::Types<Lww<int>, Lww<std::string>, VectorClock, Causal<int>,
                     Causal<std::optional<std::string>>, SetUnion<int>, Max<int>, Max<std::string>,
                     MapUnion<int, Lww<int>>, MapUnion<std::string, Causal<int>>,
                     MapUnion<int, MapUnion<int, SetUnion<int>>>>;
TYPED_TEST_SUITE(LatticeLawsTest, LatticeTypes);

TYPED_TEST(LatticeLawsTest, MergeIsAssociative) {
  for (int i = 0; i < kCases; ++i) {
    TypeParam a = this->random(), b = this->random(), c = this->random();
    EXPECT_EQ(merged(a, merged(b, c)), merged(merged(a, b), c))
        << "case " << i << ": a=" << ::testing::PrintToString(a)
        << " b=" << ::testing::PrintToString(b) << " c=" << ::testing::PrintToString(c);
  }
}

TYPED_TEST(LatticeLawsTest, MergeIsCommutative) {
  for (int i = 0; i < kCases; ++i) {
    TypeParam a = this->random(), b = this->random();
    EXPECT_EQ(merged(a, b), merged(b, a)) << "case " << i;
  }
}

TYPED_TEST(LatticeLawsTest, MergeIsIdempotent) {
  for (int i = 0; i < kCases; ++i) {
    TypeParam a = this->random();
    TypeParam copy = a;
    EXPECT_FALSE(copy.merge(a)) << "case " << i << ": merging a value into itself changed it";
    EXPECT_EQ(copy, a) << "case " << i;
  }
}

TYPED_TEST(LatticeLawsTest, MergeReportsChangeExactly) {
  int changed_count = 0;
  for (int i = 0; i < kCases; ++i) {
    TypeParam a = this->random(), b = this->random();
    TypeParam result = a;
    bool changed = result.merge(b);
    EXPECT_EQ(changed, result != a) << "case " << i << ": a=" << ::testing::PrintToString(a)
                                    << " b=" << ::testing::PrintToString(b);
    changed_count += changed ? 1 : 0;
  }
  // Both answers must be exercised, or the loop above proves nothing about one of them.
  EXPECT_GT(changed_count, kCases / 10);
  EXPECT_LT(changed_count, kCases - kCases / 10);
}

TYPED_TEST(LatticeLawsTest, MergeIsAnUpperBoundOfBothInputs) {
  for (int i = 0; i < kCases; ++i) {
    TypeParam a = this->random(), b = this->random();
    const TypeParam join = merged(a, b);
    TypeParam join_then_a = join;
    TypeParam join_then_b = join;
    EXPECT_FALSE(join_then_a.merge(a)) << "case " << i << ": join is below a";
    EXPECT_FALSE(join_then_b.merge(b)) << "case " << i << ": join is below b";
  }
}

TYPED_TEST(LatticeLawsTest, DefaultValueIsTheBottom) {
  for (int i = 0; i < kCases; ++i) {
    TypeParam a = this->random();
    EXPECT_EQ(merged(TypeParam(), a), a) << "case " << i;
    TypeParam copy = a;
    EXPECT_FALSE(copy.merge(TypeParam())) << "case " << i;
  }
}

TYPED_TEST(LatticeLawsTest, GeneratorProducesBothEqualAndDistinctPairs) {
  // The laws above only bite if random pairs are sometimes equal and usually not.
  int equal = 0;
  for (int i = 0; i < kCases; ++i) equal += this->random() == this->random() ? 1 : 0;
  EXPECT_GT(equal, 0);
  EXPECT_LT(equal, kCases / 2);
}

TYPED_TEST(LatticeLawsTest, CerealRoundTripPreservesTheValue) {
  for (int i = 0; i < kCases; ++i) {
    TypeParam a = this->random();
    EXPECT_EQ(cereal_round_trip(a), a) << "case " << i;
  }
}

TEST(MergedTest, ReturnsTheJoinAndLeavesBothInputsUnchanged) {
  const SetUnion<int> a{1, 2};
  const SetUnion<int> b{2, 3};
  EXPECT_EQ(merged(a, b), (SetUnion<int>{1, 2, 3}));
  EXPECT_EQ(a, (SetUnion<int>{1, 2}));
  EXPECT_EQ(b, (SetUnion<int>{2, 3}));
}

}  // namespace
}  // namespace eddy::kvs

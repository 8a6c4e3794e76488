// SetUnion: merge is set union; iteration is ascending whatever the arrival order.
#include "kvs/lattices/set_union.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "kvs/lattices/lattice.h"
#include "kvs/lattices/testing.h"

namespace eddy::kvs {
namespace {

using ::testing::ElementsAre;

TEST(SetUnionTest, MergeAddsTheMissingElements) {
  SetUnion<std::string> s{"b"};
  EXPECT_TRUE(s.merge(SetUnion<std::string>{"c", "a", "b"}));
  EXPECT_THAT(s.elements(), ElementsAre("a", "b", "c"));
  EXPECT_EQ(s.size(), 3u);
}

TEST(SetUnionTest, MergeOfASubsetReportsNoChange) {
  SetUnion<int> s{1, 2, 3};
  EXPECT_FALSE(s.merge(SetUnion<int>{3, 1}));
  EXPECT_FALSE(s.merge(SetUnion<int>()));
  EXPECT_EQ(s, (SetUnion<int>{1, 2, 3}));
}

TEST(SetUnionTest, InsertReportsWhetherTheElementWasNew) {
  SetUnion<int> s;
  EXPECT_TRUE(s.empty());
  EXPECT_TRUE(s.insert(4));
  EXPECT_FALSE(s.insert(4));
  EXPECT_TRUE(s.contains(4));
  EXPECT_FALSE(s.contains(5));
}

TEST(SetUnionTest, ConstructsFromAStdSet) {
  EXPECT_EQ(SetUnion<int>(std::set<int>{2, 1}), (SetUnion<int>{1, 2}));
}

}  // namespace
}  // namespace eddy::kvs

// MapUnion: keys union, values of shared keys merge with their own lattice.
#include "kvs/lattices/map_union.h"

#include <gtest/gtest.h>

#include <string>

#include "kvs/lattices/lattice.h"
#include "kvs/lattices/lww.h"
#include "kvs/lattices/max.h"
#include "kvs/lattices/testing.h"

namespace eddy::kvs {
namespace {

using Table = MapUnion<std::string, Lww<int>>;

TEST(MapUnionTest, MergeUnionsKeysAndMergesSharedValues) {
  Table t{{"a", Lww<int>::write(1, 0, 10)}, {"b", Lww<int>::write(5, 0, 50)}};
  EXPECT_TRUE(t.merge(Table{{"b", Lww<int>::write(6, 0, 60)}, {"c", Lww<int>::write(1, 0, 1)}}));
  EXPECT_EQ(t, (Table{{"a", Lww<int>::write(1, 0, 10)},
                      {"b", Lww<int>::write(6, 0, 60)},
                      {"c", Lww<int>::write(1, 0, 1)}}));
}

TEST(MapUnionTest, MergeReportsNoChangeWhenEverySharedValueIsAlreadyNewer) {
  Table t{{"a", Lww<int>::write(5, 0, 50)}};
  EXPECT_FALSE(t.merge(Table{{"a", Lww<int>::write(4, 0, 40)}}));
  EXPECT_EQ(t.find("a")->value(), 50);
}

TEST(MapUnionTest, MergeEntryAddsAMissingKeyEvenWithTheBottomValue) {
  MapUnion<int, Max<int>> m;
  EXPECT_TRUE(m.merge_entry(1, Max<int>()));
  EXPECT_FALSE(m.merge_entry(1, Max<int>()));
  EXPECT_TRUE(m.merge_entry(1, Max<int>(4)));
  EXPECT_EQ(m.size(), 1u);
  EXPECT_EQ(m.find(1)->value(), 4);
}

TEST(MapUnionTest, FindReturnsNullForAMissingKey) {
  Table t{{"a", Lww<int>::write(1, 0, 10)}};
  EXPECT_EQ(t.find("b"), nullptr);
  ASSERT_NE(t.find("a"), nullptr);
  EXPECT_EQ(t.find("a")->value(), 10);
}

}  // namespace
}  // namespace eddy::kvs

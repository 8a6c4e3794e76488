// Lww orders writes and tombstones by (timestamp, writer id), never by arrival.
#include "kvs/lattices/lww.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "dataflow/core/rng.h"
#include "kvs/lattices/lattice.h"
#include "kvs/lattices/testing.h"

namespace eddy::kvs {
namespace {

using Register = Lww<std::string>;

TEST(LwwTest, WriteExposesItsVersionAndPayload) {
  Register w = Register::write(7, 3, "v");
  EXPECT_EQ(w.timestamp(), 7u);
  EXPECT_EQ(w.writer(), 3u);
  EXPECT_EQ(w.value(), std::optional<std::string>("v"));
  EXPECT_FALSE(w.is_tombstone());
}

TEST(LwwTest, TombstoneHasAVersionAndNoPayload) {
  Register t = Register::tombstone(7, 3);
  EXPECT_EQ(t.timestamp(), 7u);
  EXPECT_EQ(t.writer(), 3u);
  EXPECT_EQ(t.value(), std::nullopt);
  EXPECT_TRUE(t.is_tombstone());
}

TEST(LwwTest, DefaultIsATombstoneThatEveryWriteBeats) {
  Register bottom;
  EXPECT_TRUE(bottom.is_tombstone());
  EXPECT_EQ(bottom, Register::tombstone(0, 0));
  Register r;
  EXPECT_TRUE(r.merge(Register::write(0, 0, "")));
  EXPECT_EQ(r, Register::write(0, 0, ""));
}

TEST(LwwTest, NewerTimestampWinsInBothMergeOrders) {
  Register older = Register::write(1, 9, "old");
  Register newer = Register::write(2, 0, "new");
  EXPECT_EQ(merged(older, newer), newer);
  EXPECT_EQ(merged(newer, older), newer);
}

TEST(LwwTest, TimestampTieIsBrokenByWriterIdInBothMergeOrders) {
  Register low_writer = Register::write(5, 1, "z");
  Register high_writer = Register::write(5, 2, "a");
  EXPECT_EQ(merged(low_writer, high_writer), high_writer);
  EXPECT_EQ(merged(high_writer, low_writer), high_writer);
}

TEST(LwwTest, MergeReturnsFalseAndKeepsValueWhenOtherIsOlder) {
  Register r = Register::write(5, 2, "keep");
  EXPECT_FALSE(r.merge(Register::write(5, 1, "lose")));
  EXPECT_FALSE(r.merge(Register::write(4, 9, "lose")));
  EXPECT_EQ(r, Register::write(5, 2, "keep"));
}

TEST(LwwTest, TombstoneNewerThanWriteWins) {
  Register write = Register::write(3, 1, "v");
  Register tombstone = Register::tombstone(4, 0);
  EXPECT_TRUE(merged(write, tombstone).is_tombstone());
  EXPECT_TRUE(merged(tombstone, write).is_tombstone());
  Register r = write;
  EXPECT_TRUE(r.merge(tombstone));
  EXPECT_EQ(r, tombstone);
}

TEST(LwwTest, TombstoneOlderThanWriteLoses) {
  Register write = Register::write(4, 0, "v");
  Register tombstone = Register::tombstone(3, 1);
  EXPECT_EQ(merged(write, tombstone), write);
  EXPECT_EQ(merged(tombstone, write), write);
  Register r = write;
  EXPECT_FALSE(r.merge(tombstone));
}

TEST(LwwTest, TombstoneTimestampTieIsBrokenByWriterId) {
  Register write = Register::write(3, 1, "v");
  Register tombstone = Register::tombstone(3, 2);
  EXPECT_EQ(merged(write, tombstone), tombstone);
  EXPECT_EQ(merged(tombstone, write), tombstone);
}

TEST(LwwTest, WriteAfterTombstoneResurrectsTheKey) {
  Register r = Register::tombstone(3, 0);
  EXPECT_TRUE(r.merge(Register::write(4, 0, "back")));
  EXPECT_EQ(r.value(), std::optional<std::string>("back"));
}

TEST(LwwTest, SameVersionWithDifferentPayloadsResolvesTheSameInBothOrders) {
  Register small = Register::write(5, 1, "a");
  Register big = Register::write(5, 1, "b");
  Register tombstone = Register::tombstone(5, 1);
  EXPECT_EQ(merged(small, big), big);
  EXPECT_EQ(merged(big, small), big);
  EXPECT_EQ(merged(small, tombstone), small);
  EXPECT_EQ(merged(tombstone, small), small);
}

TEST(LwwTest, MergeIsCommutativeOnRandomVersionTies) {
  Rng rng(7);
  int ties_with_different_payloads = 0;
  for (int i = 0; i < 2000; ++i) {
    Register a = eddy::testing::Arbitrary<Register>::random(rng);
    Register b = eddy::testing::Arbitrary<Register>::random(rng);
    if (a.timestamp() != b.timestamp() || a.writer() != b.writer() || a == b) continue;
    ++ties_with_different_payloads;
    EXPECT_EQ(merged(a, b), merged(b, a)) << "case " << i;
  }
  EXPECT_GT(ties_with_different_payloads, 100) << "the generator stopped producing ties";
}

}  // namespace
}  // namespace eddy::kvs

// Max: the greater value wins; the default (no value) loses to every value.
#include "kvs/lattices/max.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "kvs/lattices/lattice.h"
#include "kvs/lattices/testing.h"

namespace eddy::kvs {
namespace {

TEST(MaxTest, GreaterValueWinsInBothMergeOrders) {
  Max<int> low(3);
  Max<int> high(8);
  EXPECT_EQ(merged(low, high), high);
  EXPECT_EQ(merged(high, low), high);
  EXPECT_TRUE(low.merge(high));
  EXPECT_FALSE(high.merge(Max<int>(8)));
}

TEST(MaxTest, DefaultHasNoValueAndLosesEvenToTheLowestValue) {
  Max<int64_t> bottom;
  EXPECT_EQ(bottom.value(), std::nullopt);
  Max<int64_t> lowest(std::numeric_limits<int64_t>::lowest());
  EXPECT_TRUE(bottom.merge(lowest));
  EXPECT_EQ(bottom, lowest);
  EXPECT_FALSE(bottom.merge(Max<int64_t>()));
}

TEST(MaxTest, OrdersNonNumericTypesByTheirOperatorLess) {
  EXPECT_EQ(merged(Max<std::string>("apple"), Max<std::string>("pear")).value(),
            std::optional<std::string>("pear"));
}

}  // namespace
}  // namespace eddy::kvs

#include "kvs/servers/write_numbers.h"

#include "gtest/gtest.h"

namespace eddy::kvs {
namespace {

TEST(WriteNumbersTest, NumbersWritesFromOneInOrder) {
  WriteNumbers numbers;
  EXPECT_TRUE(numbers.all_answered());
  EXPECT_EQ(numbers.add(100), 1u);
  EXPECT_EQ(numbers.add(200), 2u);
  EXPECT_FALSE(numbers.all_answered());
  EXPECT_EQ(numbers.oldest(), 1u);
  EXPECT_EQ(numbers.oldest_stamp(), 100u);
}

TEST(WriteNumbersTest, OldestMovesPastEveryAnswerAtTheFrontOnly) {
  WriteNumbers numbers;
  for (uint64_t stamp = 10; stamp <= 40; stamp += 10) numbers.add(stamp);
  numbers.answer(2);  // answered out of order: 1 still waits
  EXPECT_EQ(numbers.oldest(), 1u);
  EXPECT_EQ(numbers.oldest_stamp(), 10u);
  numbers.answer(1);  // 1 and 2 answered: 3 is the oldest
  EXPECT_EQ(numbers.oldest(), 3u);
  EXPECT_EQ(numbers.oldest_stamp(), 30u);
  numbers.answer(4);
  numbers.answer(3);
  EXPECT_TRUE(numbers.all_answered());
  EXPECT_EQ(numbers.add(50), 5u);  // numbering goes on where it was
  EXPECT_EQ(numbers.oldest(), 5u);
}

TEST(WriteNumbersTest, IgnoresRepeatedAndUnknownAnswers) {
  WriteNumbers numbers;
  numbers.add(10);
  numbers.add(20);
  numbers.answer(1);
  numbers.answer(1);  // a duplicate reply
  numbers.answer(0);  // never given
  numbers.answer(7);  // never given
  EXPECT_EQ(numbers.oldest(), 2u);
  EXPECT_EQ(numbers.oldest_stamp(), 20u);
}

}  // namespace
}  // namespace eddy::kvs

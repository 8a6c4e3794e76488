#include "kvs/protocol/resp.h"

#include <gtest/gtest.h>

namespace eddy::kvs {
namespace {
TEST(RespParserTest, Smoke) {
  RespParser parser;
  parser.feed("*1\r\n$4\r\nPING\r\n", 14);
  auto r = parser.next();
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->args[0], "PING");
}
}  // namespace
}  // namespace eddy::kvs

// Regressions found by the simulator (dataflow/sim) in the transport's Payload.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "dataflow/net/transport.h"

namespace eddy {
namespace {

// Found by kvs_sim seed 1: a moved-from Payload that had shared its bytes kept their size with
// no owner, so moving from it again (as std::priority_queue::pop does after top() was moved
// out) copied that many bytes into the 64-byte inline buffer: a heap overflow.
TEST(PayloadRegressionTest, AMovedFromPayloadIsEmptyAndMovesSafely) {
  const std::string big(237, 'x');
  Payload shared{std::string(big)};
  Payload taken(std::move(shared));
  EXPECT_EQ(taken.view(), big);
  EXPECT_EQ(shared.size(), 0u);      // NOLINT(bugprone-use-after-move): the state under test
  Payload again(std::move(shared));  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(again.size(), 0u);

  Payload assigned{std::string(big)};
  Payload target;
  target = std::move(assigned);
  EXPECT_EQ(target.view(), big);
  Payload second;
  second = std::move(assigned);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(second.size(), 0u);

  Payload small{std::string("abc")};
  Payload moved(std::move(small));
  EXPECT_EQ(moved.view(), "abc");
}

// The same through the container that found it: a queue of envelopes popped after moving out
// of its top.
TEST(PayloadRegressionTest, EnvelopesMoveOutOfAHeap) {
  std::vector<Envelope> heap;
  for (int i = 0; i < 20; ++i) {
    heap.push_back(Envelope{{}, {}, static_cast<ChannelId>(i), Payload(std::string(100 + i, 'a'))});
  }
  size_t total = 0;
  while (!heap.empty()) {
    Envelope out = std::move(heap.front());
    heap.front() = std::move(heap.back());
    heap.pop_back();
    total += out.payload.size();
  }
  EXPECT_EQ(total, size_t{20 * 100 + 190});
}

}  // namespace
}  // namespace eddy

// Client ports: requests keyed by connection, replies to the connection that asked, disconnects.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "dataflow/testing.h"

namespace eddy {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ExternalTest, RepliesReachTheConnectionThatAskedInOrder) {
  Flow flow;
  auto server = flow.process("server");
  auto clients = flow.external("clients");
  auto [port, requests] = server.source_external<int, std::string>(clients);
  requests.entries()
      .map([](std::pair<ConnectionId, int> r) {
        return std::pair(r.first, std::to_string(r.first.raw) + ":" + std::to_string(r.second));
      })
      .send_external(port);
  testing::Harness h(flow);
  auto a = h.runner().connect(port);
  auto b = h.runner().connect(port);
  a.send_batch({1, 2, 3});
  b.send(9);
  a.send(4);
  h.run();
  const std::string ida = std::to_string(a.id().raw);
  const std::string idb = std::to_string(b.id().raw);
  EXPECT_THAT(a.take_replies(), ElementsAre(ida + ":1", ida + ":2", ida + ":3", ida + ":4"));
  EXPECT_THAT(b.take_replies(), ElementsAre(idb + ":9"));
}

TEST(ExternalTest, RepliesCanComeFromAClusterRoundTrip) {
  Flow flow;
  auto coordinator = flow.process("coordinator");
  auto workers = flow.cluster("workers");
  auto clients = flow.external("clients");
  auto [port, requests] = coordinator.source_external<int, int>(clients);
  requests.entries()
      .round_robin(workers)
      .map([](std::pair<ConnectionId, int> r) { return std::pair(r.first, r.second * 2); })
      .send(coordinator)
      .values()
      .send_external(port);
  testing::Harness h(flow, {{"workers", 3}});
  auto client = h.runner().connect(port);
  client.send_batch({1, 2, 3, 4, 5, 6});
  h.run();
  auto replies = client.take_replies();
  std::sort(replies.begin(), replies.end());
  EXPECT_THAT(replies, ElementsAre(2, 4, 6, 8, 10, 12));
}

TEST(ExternalTest, DisconnectsAreSeenOnceAndLaterRepliesAreDropped) {
  Flow flow;
  auto server = flow.process("server");
  auto clients = flow.external("clients");
  auto [port, requests] = server.source_external<int, int>(clients);
  requests.entries().send_external(port);
  auto gone = port.disconnects().collect();
  testing::Harness h(flow);
  auto a = h.runner().connect(port);
  auto b = h.runner().connect(port);
  a.send(1);
  h.run();
  a.close();
  a.send(2);  // after close: ignored
  h.run();
  EXPECT_THAT(gone.values(), ElementsAre(a.id()));
  EXPECT_THAT(a.take_replies(), ElementsAre(1));
  b.send(3);
  h.run();
  EXPECT_THAT(b.take_replies(), ElementsAre(3));
  EXPECT_THAT(gone.values(), ElementsAre(a.id()));
}

TEST(ExternalTest, AConnectionsDisconnectComesAfterAllItsRequests) {
  Flow flow;
  auto server = flow.process("server");
  auto clients = flow.external("clients");
  auto [port, requests] = server.source_external<int, int>(clients);
  // +conn for a request, -conn for a disconnect, in the order the flow sees them.
  auto tick = server.tick();
  auto seen = requests.entries()
                  .map([](std::pair<ConnectionId, int> r) { return static_cast<int64_t>(r.first.raw); })
                  .batch(tick)
                  .chain(port.disconnects()
                             .map([](ConnectionId c) { return -static_cast<int64_t>(c.raw); })
                             .batch(tick))
                  .all_ticks()
                  .collect();
  testing::Harness h(flow);
  constexpr int kClients = 200;
  constexpr int kRequests = 3;
  // Clients send and leave on another thread while ticks run: whatever the interleaving, no
  // disconnect may overtake its connection's requests.
  std::thread traffic([&] {
    for (int i = 0; i < kClients; ++i) {
      auto c = h.runner().connect(port);
      for (int r = 0; r < kRequests; ++r) c.send(r);
      c.close();
    }
  });
  size_t gone = 0;
  while (gone < kClients) {
    h.run();
    gone = 0;
    for (int64_t e : seen.values()) gone += e < 0 ? 1 : 0;
  }
  traffic.join();
  std::map<int64_t, int> requests_seen;
  std::set<int64_t> disconnected;
  for (int64_t e : seen.values()) {
    if (e > 0) {
      EXPECT_FALSE(disconnected.contains(e)) << "a request of connection " << e << " after it left";
      ++requests_seen[e];
    } else {
      EXPECT_EQ(requests_seen[-e], kRequests) << "connection " << -e << " left before its requests";
      disconnected.insert(-e);
    }
  }
}

}  // namespace
}  // namespace eddy

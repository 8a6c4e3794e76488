// TcpTransport between two instances of one test process, over loopback.
#include "dataflow/net/tcp_transport.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "dataflow/net/io_loop.h"

namespace eddy {
namespace {

using ::testing::HasSubstr;

const InstanceId kA{0, MemberId{0}};
const InstanceId kB{1, MemberId{0}};
constexpr auto kPatience = std::chrono::seconds(30);  // a hang guard, not a performance claim

class Inbox final : public Receiver {
 public:
  void deliver(Envelope envelope) override {
    std::lock_guard<std::mutex> lock(mutex_);
    got_.push_back(std::move(envelope));
    arrived_.notify_all();
  }
  // Waits until `n` messages arrived; returns their payloads.
  std::vector<std::string> wait_for(size_t n) {
    std::unique_lock<std::mutex> lock(mutex_);
    arrived_.wait_for(lock, kPatience, [&] { return got_.size() >= n; });
    std::vector<std::string> payloads;
    for (const Envelope& e : got_) payloads.emplace_back(e.payload.view());
    return payloads;
  }
  std::vector<Envelope> all() {
    std::lock_guard<std::mutex> lock(mutex_);
    return got_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<Envelope> got_;
};

// One instance: its I/O loop, transport and inbox.
struct Node {
  IoLoop loop;
  std::unique_ptr<TcpTransport> transport;
  Inbox inbox;

  Node(InstanceId self, std::map<InstanceId, Endpoint> peers, uint64_t fingerprint = 1,
       std::string secret = "", uint16_t port = 0) {
    TcpTransportOptions options;
    options.self = self;
    options.listen = Endpoint{"127.0.0.1", port};
    options.peers = std::move(peers);
    options.fingerprint = fingerprint;
    options.secret = std::move(secret);
    options.initial_backoff = std::chrono::milliseconds(10);
    options.max_backoff = std::chrono::milliseconds(100);
    auto created = TcpTransport::create(loop, std::move(options));
    EXPECT_TRUE(created.ok()) << created.status();
    transport = *std::move(created);
    transport->start(&inbox);
    loop.start();
  }
  ~Node() {
    transport->stop();
    loop.stop();
  }
  void send(InstanceId to, ChannelId channel, std::string payload) {
    std::vector<Envelope> batch{Envelope{transport_self, to, channel, Payload(std::move(payload))}};
    transport->send(batch);
  }
  PeerStats stats_of(InstanceId peer) {
    for (const PeerStats& s : transport->stats()) {
      if (s.peer == peer) return s;
    }
    return PeerStats{};
  }
  bool connected_to(InstanceId peer) { return stats_of(peer).connected; }
  InstanceId transport_self;
};

bool eventually(const std::function<bool()>& condition) {
  const auto until = std::chrono::steady_clock::now() + kPatience;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

// B accepts (it has the larger id); A dials it.
struct Pair {
  std::unique_ptr<Node> b;
  std::unique_ptr<Node> a;
  Pair(uint64_t fingerprint_a = 1, uint64_t fingerprint_b = 1, std::string secret_a = "",
       std::string secret_b = "") {
    b = std::make_unique<Node>(kB, std::map<InstanceId, Endpoint>{{kA, Endpoint{"127.0.0.1", 1}}},
                               fingerprint_b, secret_b);
    b->transport_self = kB;
    a = std::make_unique<Node>(kA, std::map<InstanceId, Endpoint>{{kB, b->transport->local_endpoint()}},
                               fingerprint_a, secret_a);
    a->transport_self = kA;
  }
};

TEST(TcpTransportTest, DeliversInOrderBothWaysOverOneConnection) {
  Pair p;
  for (int i = 0; i < 200; ++i) p.a->send(kB, 7, std::to_string(i));
  p.b->send(kA, 8, "back");
  auto at_b = p.b->inbox.wait_for(200);
  ASSERT_EQ(at_b.size(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(at_b[i], std::to_string(i));
  EXPECT_EQ(p.b->inbox.all()[0].from, kA);
  EXPECT_EQ(p.b->inbox.all()[0].channel, 7u);
  EXPECT_EQ(p.a->inbox.wait_for(1), std::vector<std::string>{"back"});
}

TEST(TcpTransportTest, QueuesForAPeerThatIsNotUpYetAndDeliversOnceItIs) {
  // Reserve a port for B, then start A first: its messages wait until B exists.
  uint16_t port;
  {
    IoLoop probe_loop;
    TcpTransportOptions options;
    options.listen = Endpoint{"127.0.0.1", 0};
    port = (*TcpTransport::create(probe_loop, options))->local_endpoint().port;
  }
  Node a(kA, {{kB, Endpoint{"127.0.0.1", port}}});
  a.transport_self = kA;
  a.send(kB, 1, "early");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  Node b(kB, {{kA, Endpoint{"127.0.0.1", 1}}}, 1, "", port);
  b.transport_self = kB;
  EXPECT_EQ(b.inbox.wait_for(1), std::vector<std::string>{"early"});
}

TEST(TcpTransportTest, ReconnectsAfterThePeerRestarts) {
  Pair p;
  p.a->send(kB, 1, "one");
  ASSERT_EQ(p.b->inbox.wait_for(1).size(), 1u);
  const uint16_t port = p.b->transport->local_endpoint().port;
  p.b.reset();  // B dies
  ASSERT_TRUE(eventually([&] { return !p.a->connected_to(kB); }));
  p.b = std::make_unique<Node>(kB, std::map<InstanceId, Endpoint>{{kA, Endpoint{"127.0.0.1", 1}}},
                               1, "", port);
  p.b->transport_self = kB;
  ASSERT_TRUE(eventually([&] { return p.a->connected_to(kB); }));
  p.a->send(kB, 1, "two");
  EXPECT_EQ(p.b->inbox.wait_for(1), std::vector<std::string>{"two"});
}

TEST(TcpTransportTest, RefusesAPeerBuiltFromAnotherFlow) {
  ::testing::internal::CaptureStderr();
  {
    Pair p(/*fingerprint_a=*/1, /*fingerprint_b=*/2);
    p.a->send(kB, 1, "lost");
    ASSERT_TRUE(eventually([&] { return p.a->stats_of(kB).refusals > 0; }));
    ASSERT_TRUE(eventually([&] { return p.b->stats_of(kA).refusals > 0; }));
    EXPECT_FALSE(p.b->connected_to(kA));
    EXPECT_TRUE(p.b->inbox.all().empty());
  }
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, HasSubstr("refused: it runs a different flow (fingerprint 0000000000000001, "
                             "this instance runs 0000000000000002)"));
  EXPECT_THAT(log, HasSubstr("the peer refused us: it runs a different flow"));
}

TEST(TcpTransportTest, AcceptsTheRightSecretAndRefusesAWrongOrMissingOne) {
  const std::string secret = "a-cluster-secret-of-some-length";
  {
    Pair p(1, 1, secret, secret);
    p.a->send(kB, 1, "ok");
    EXPECT_EQ(p.b->inbox.wait_for(1), std::vector<std::string>{"ok"});
  }
  ::testing::internal::CaptureStderr();
  {
    Pair wrong(1, 1, "another-secret-entirely-000", secret);
    Pair missing(1, 1, "", secret);
    ASSERT_TRUE(eventually([&] { return wrong.b->stats_of(kA).refusals > 0; }));
    ASSERT_TRUE(eventually([&] { return missing.b->stats_of(kA).refusals > 0; }));
    EXPECT_FALSE(wrong.b->connected_to(kA));
    EXPECT_FALSE(missing.b->connected_to(kA));
  }
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, HasSubstr("its cluster-secret proof does not verify: it has a different secret"));
  EXPECT_THAT(log, HasSubstr("it proves a cluster secret, but this instance has none configured"));
}

TEST(TcpTransportTest, AnOversizedFrameClosesOnlyItsConnection) {
  Pair p;
  p.a->send(kB, 1, "before");
  ASSERT_EQ(p.b->inbox.wait_for(1).size(), 1u);
  ::testing::internal::CaptureStderr();
  // A raw client claims a 4 GiB frame.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(p.b->transport->local_endpoint().port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const char claim[] = "\xff\xff\xff\xff\x01 and then some";
  ASSERT_GT(::write(fd, claim, sizeof claim), 0);
  char byte;
  EXPECT_EQ(::read(fd, &byte, 1), 0) << "the member must close the connection";
  ::close(fd);
  p.a->send(kB, 1, "after");
  EXPECT_EQ(p.b->inbox.wait_for(2).back(), "after");
  EXPECT_THAT(::testing::internal::GetCapturedStderr(),
              HasSubstr("dropped: frame of 4294967295 bytes exceeds the limit"));
}

TEST(TcpTransportTest, DeliversMessagesToItselfWithoutTheNetwork) {
  Node a(kA, {});
  a.transport_self = kA;
  a.send(kA, 3, "self");
  EXPECT_EQ(a.inbox.wait_for(1), std::vector<std::string>{"self"});
}

}  // namespace
}  // namespace eddy

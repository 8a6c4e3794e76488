// A flow's client port served over TCP, and eddy::Client against it.
#include "dataflow/deploy/tcp_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dataflow/client.h"
#include "dataflow/eddy.h"

namespace eddy {
namespace {

using ::testing::HasSubstr;

// One process serving port "upper": replies with the request upper-cased.
struct Served {
  Flow flow;
  std::unique_ptr<TcpRunner> runner;
  Endpoint port;

  Served() {
    auto server = flow.process("server");
    auto clients = flow.external("clients");
    auto [p, requests] = server.source_external<std::string, std::string>(clients, "upper");
    requests.entries()
        .map([](std::pair<ConnectionId, std::string> r) {
          for (char& c : r.second) c = static_cast<char>(std::toupper(c));
          return r;
        })
        .send_external(p);
    auto topology = Topology::parse(
        "locations:\n  server:\n    process: 127.0.0.1:0\n  clients:\n    ports:\n"
        "      upper: 127.0.0.1:0\n",
        ".");
    EXPECT_TRUE(topology.ok()) << topology.status();
    TcpRunOptions options;
    options.location = "server";
    auto started = TcpRunner::start(flow, *topology, options);
    EXPECT_TRUE(started.ok()) << started.status();
    runner = *std::move(started);
    port = *runner->port_endpoint("upper");
  }
};

TEST(TcpRunnerTest, ClientsGetTheirOwnRepliesInOrder) {
  Served s;
  auto one = Client<std::string, std::string>::connect(s.port, "upper");
  auto two = Client<std::string, std::string>::connect(s.port, "upper");
  ASSERT_TRUE(one.ok()) << one.status();
  ASSERT_TRUE(two.ok()) << two.status();
  for (const char* word : {"a", "bb", "ccc"}) ASSERT_TRUE((*one)->send(word).ok());
  EXPECT_EQ(*(*two)->call("zz"), "ZZ");
  EXPECT_EQ(*(*one)->receive(), "A");
  EXPECT_EQ(*(*one)->receive(), "BB");
  EXPECT_EQ(*(*one)->receive(), "CCC");
}

TEST(TcpRunnerTest, RefusesAClientOfAnotherPortOrOtherTypes) {
  Served s;
  auto wrong_name = Client<std::string, std::string>::connect(s.port, "lower");
  EXPECT_THAT(wrong_name.status().message(), HasSubstr("this is port 'upper', not 'lower'"));
  auto wrong_types = Client<int, std::string>::connect(s.port, "upper");
  EXPECT_THAT(wrong_types.status().message(),
              HasSubstr("the client's request/reply types differ from port 'upper'"));
}

TEST(TcpRunnerTest, AClientSendingGarbageIsClosedWhileOthersAreServed) {
  Served s;
  auto good = Client<std::string, std::string>::connect(s.port, "upper");
  ASSERT_TRUE(good.ok());
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(s.port.port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const char garbage[] = "\x10\x00\x00\x00\x07NOTEDDY-garbage!";
  ASSERT_GT(::write(fd, garbage, sizeof garbage - 1), 0);
  char byte;
  EXPECT_EQ(::read(fd, &byte, 1), 0) << "the port must close the garbage connection";
  ::close(fd);
  EXPECT_EQ(*(*good)->call("still"), "STILL");
}

}  // namespace
}  // namespace eddy

// Topology files: what they may say, and precise errors for what they may not.
#include "dataflow/deploy/topology.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "dataflow/eddy.h"

namespace eddy {
namespace {

using ::testing::HasSubstr;

constexpr char kGood[] = R"(
locations:
  leader:
    process: 127.0.0.1:7000
    admin: 127.0.0.1:7100
  workers:
    members: [127.0.0.1:7001, "[::1]:7002"]
  clients:
    ports:
      echo: 0.0.0.0:7200
)";

Flow echo_flow() {
  Flow flow;
  auto leader = flow.process("leader");
  auto workers = flow.cluster("workers");
  auto clients = flow.external("clients");
  auto [port, requests] = leader.source_external<int, int>(clients, "echo");
  requests.entries().round_robin(workers).send(leader).values().send_external(port);
  return flow;
}

TEST(TopologyTest, ParsesEveryKindOfLocation) {
  absl::StatusOr<Topology> t = Topology::parse(kGood, ".");
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->locations.size(), 3u);
  EXPECT_EQ(t->find("leader")->instances[0].to_string(), "127.0.0.1:7000");
  EXPECT_EQ(t->find("leader")->admin[0]->port, 7100);
  EXPECT_EQ(t->find("workers")->instances[1].host, "::1");
  EXPECT_EQ(t->find("clients")->ports.at("echo").port, 7200);
  EXPECT_TRUE(t->check(echo_flow()).ok()) << t->check(echo_flow());
  EXPECT_EQ(t->sizes(echo_flow()), (std::vector<uint32_t>{1, 2, 1}));
}

TEST(TopologyTest, ErrorsNameTheLineAndTheProblem) {
  EXPECT_THAT(Topology::parse("locations:\n  leader:\n    process: nowhere\n", ".", "t.yaml")
                  .status()
                  .message(),
              HasSubstr("t.yaml:3: leader.process: 'nowhere' is not host:port"));
  EXPECT_THAT(Topology::parse("locations:\n  x:\n    proces: 1.2.3.4:5\n", ".", "t.yaml")
                  .status()
                  .message(),
              HasSubstr("t.yaml:3: unknown key 'proces' in location 'x'"));
  EXPECT_THAT(Topology::parse("locations: [\n", ".", "t.yaml").status().message(),
              HasSubstr("not valid YAML"));
  EXPECT_THAT(Topology::parse("locations:\n  w:\n    members: [1.2.3.4:1]\n    admin: []\n", ".")
                  .status()
                  .message(),
              HasSubstr("w.admin must be a list of host:port"));
  EXPECT_THAT(Topology::parse("locations:\n  w:\n    members: [a:1, a:2]\n    process: a:3\n", ".")
                  .status()
                  .message(),
              HasSubstr("needs exactly one of 'process', 'members' or 'ports'"));
}

TEST(TopologyTest, CheckFindsWhatDoesNotMatchTheFlow) {
  Flow flow = echo_flow();
  auto missing = Topology::parse("locations:\n  leader:\n    process: a:1\n", ".");
  EXPECT_THAT(missing->check(flow).message(), HasSubstr("does not place Cluster 'workers'"));
  auto wrong_kind = Topology::parse(
      "locations:\n  leader:\n    members: [a:1]\n  workers:\n    members: [a:2]\n  clients:\n"
      "    ports: {echo: a:3}\n",
      ".");
  EXPECT_THAT(wrong_kind->check(flow).message(),
              HasSubstr("gives 'leader' as a Cluster, but the flow has a Process"));
  auto no_port = Topology::parse(
      "locations:\n  leader:\n    process: a:1\n  workers:\n    members: [a:2]\n  clients:\n"
      "    ports: {other: a:3}\n",
      ".");
  EXPECT_THAT(no_port->check(flow).message(), HasSubstr("no address for client port 'echo'"));
  auto extra = Topology::parse(std::string(kGood) + "  spare:\n    process: a:9\n", ".");
  EXPECT_THAT(extra->check(flow).message(), HasSubstr("names 'spare', which the flow does not have"));
}

TEST(TopologyTest, ReadsTheClusterSecretRelativeToTheFile) {
  const std::string dir = ::testing::TempDir();
  std::ofstream(dir + "/secret.key") << "0123456789abcdef0123\n";
  std::ofstream(dir + "/short.key") << "tiny\n";
  auto t = Topology::parse(
      "options:\n  cluster_secret_file: secret.key\nlocations:\n  p:\n    process: a:1\n", dir);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->secret, "0123456789abcdef0123");
  EXPECT_THAT(Topology::parse(
                  "options:\n  cluster_secret_file: short.key\nlocations:\n  p:\n    process: a:1\n",
                  dir)
                  .status()
                  .message(),
              HasSubstr("shorter than 16 bytes"));
  EXPECT_THAT(Topology::parse(
                  "options:\n  cluster_secret_file: gone.key\nlocations:\n  p:\n    process: a:1\n",
                  dir)
                  .status()
                  .message(),
              HasSubstr("cannot read cluster secret file"));
}

}  // namespace
}  // namespace eddy

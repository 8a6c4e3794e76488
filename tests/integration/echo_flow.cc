// A test flow with a client port: port "echo" on the leader takes an int64 x, sends it to a
// member (round robin), and replies (member id, 2x) to the client that asked.
#include "dataflow/deploy/run_main.h"
#include "dataflow/eddy.h"

using Reply = std::pair<uint32_t, int64_t>;

int main(int argc, char** argv) {
  eddy::Flow flow;
  auto leader = flow.process("leader");
  auto workers = flow.cluster("workers");
  auto clients = flow.external("clients");
  auto [port, requests] = leader.source_external<int64_t, Reply>(clients, "echo");
  requests.entries()
      .round_robin(workers)
      .map([](eddy::Context& ctx, std::pair<eddy::ConnectionId, int64_t> r) {
        return std::pair(r.first, Reply(ctx.member_id().raw, 2 * r.second));
      })
      .send(leader)
      .values()
      .send_external(port);
  return eddy::run_main(flow, argc, argv, {.cluster_sizes = {{"workers", 3}}});
}

// A test flow over a Process and a Cluster: the leader round-robins 1..100 over the members,
// each member broadcasts what it got to every member (itself included), every member sends
// what it heard back to the leader, and the leader prints the total once all of it is back:
//   sum=15150 count=300      (with 3 members)
// --variant builds a flow with one more operator, so its fingerprint differs (handshake tests).
#include <cstdio>

#include "absl/flags/flag.h"
#include "dataflow/deploy/run_main.h"
#include "dataflow/eddy.h"

ABSL_FLAG(bool, variant, false, "build a slightly different flow (another fingerprint)");

int main(int argc, char** argv) {
  eddy::parse_command_line(argc, argv);
  eddy::Flow flow;
  auto leader = flow.process("leader");
  auto workers = flow.cluster("workers");
  std::vector<int64_t> numbers;
  for (int64_t i = 1; i <= 100; ++i) numbers.push_back(i);
  auto spread = leader.source_iter(numbers).round_robin(workers);
  if (absl::GetFlag(FLAGS_variant)) spread = spread.map([](int64_t x) { return x; });
  auto heard = spread.broadcast(workers, eddy::IncludeSelf::kYes).values();
  auto back = heard.send(leader).values();
  auto tick = leader.tick();
  auto totals = back.fold(std::pair<int64_t, int64_t>(0, 0),
                          eddy::commutative([](std::pair<int64_t, int64_t>& t, int64_t x) {
                            t.first += x;
                            t.second += 1;
                          }));
  totals.snapshot(tick)
      .filter([workers](eddy::Context& ctx, const std::pair<int64_t, int64_t>& t) {
        return t.second == 100 * int64_t{ctx.cluster_size(workers)};
      })
      .all_ticks()
      .unique()
      .for_each([](std::pair<int64_t, int64_t> t) {
        std::printf("sum=%lld count=%lld\n", static_cast<long long>(t.first),
                    static_cast<long long>(t.second));
      });
  return eddy::run_main(flow, argc, argv, {.cluster_sizes = {{"workers", 3}}});
}

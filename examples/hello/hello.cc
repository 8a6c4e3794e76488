// Squares four numbers on a leader, broadcasts them to a 3-member cluster, and has each member
// print the sum it received. Run: build/bin/hello   Picture: build/bin/hello --print-graph
#include <cstdio>

#include "dataflow/deploy/run_main.h"
#include "dataflow/eddy.h"

int main(int argc, char** argv) {
  eddy::Flow flow;
  auto leader = flow.process("leader");
  auto workers = flow.cluster("workers");
  leader.source_iter({1, 2, 3, 4})
      .map([](int x) { return x * x; })
      .broadcast(workers)
      .batch(workers.tick())
      .reduce([](int& sum, int x) { sum += x; })
      .all_ticks()
      .for_each([](eddy::Context& ctx, int sum) {
        std::printf("member %u: sum of squares = %d\n", ctx.member_id().raw, sum);
      });
  return eddy::run_main(flow, argc, argv, {.cluster_sizes = {{"workers", 3}}});
}

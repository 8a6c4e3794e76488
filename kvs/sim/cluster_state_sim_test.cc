// The cluster-state service under seeded loss, partitions and crashes (cluster_state_sim.h):
// over many seeds every command is answered in order and the replicas converge; a seed replays
// exactly.
//
// Replay one seed with its trace (CLUSTER_STATE_SIM_CRASHES=1 for the crash test's settings):
//   CLUSTER_STATE_SIM_SEED=<seed> cluster_state_sim_test --gtest_filter='*ReplaysOneSeed'
#include "kvs/sim/cluster_state_sim.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"

namespace eddy::kvs {
namespace {

constexpr uint64_t kSeeds = 200;
constexpr uint64_t kCrashSeeds = 100;

ClusterStateSimOptions crash_options(uint64_t seed) {
  ClusterStateSimOptions options;
  options.seed = seed;
  options.replicas = 4;
  options.leecher = true;
  options.crashes_per_second = 20;
  options.ops_per_client = 120;
  return options;
}

std::string replay_command(uint64_t seed, bool crashes = false) {
  return std::string(crashes ? "CLUSTER_STATE_SIM_CRASHES=1 " : "") +
         "CLUSTER_STATE_SIM_SEED=" + std::to_string(seed) +
         " cluster_state_sim_test --gtest_filter='*ReplaysOneSeed'";
}

TEST(ClusterStateSimTest, ReplicasConvergeUnderLossAndPartitions) {
  uint64_t failed = 0;
  sim::SimStats total;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    ClusterStateSimOptions options;
    options.seed = seed;
    ClusterStateSimResult result = run_cluster_state_sim(options);
    total.lost += result.stats.lost;
    total.partitions += result.stats.partitions;
    if (!result.violations.empty()) {
      ++failed;
      ADD_FAILURE() << "seed " << seed << ": " << absl::StrJoin(result.violations, "\n  ")
                    << "\nreplay: " << replay_command(seed);
    }
  }
  EXPECT_EQ(failed, 0u);
  // The faults really happened (an assertion that could not fail would prove nothing).
  EXPECT_GT(total.lost, 0u);
  EXPECT_GT(total.partitions, 0u);
}

// Replicas crash and restart (from their data directory, or empty), one of four is a leecher,
// and the gateway answers for replicas that are down; still every command is answered once, in
// order, and the replicas converge.
TEST(ClusterStateSimTest, ReplicasConvergeUnderCrashesWithALeecher) {
  uint64_t failed = 0;
  uint64_t unavailable = 0;
  sim::SimStats total;
  for (uint64_t seed = 1; seed <= kCrashSeeds; ++seed) {
    ClusterStateSimResult result = run_cluster_state_sim(crash_options(seed));
    total.crashes += result.stats.crashes;
    unavailable += result.unavailable;
    if (!result.violations.empty()) {
      ++failed;
      ADD_FAILURE() << "seed " << seed << ": " << absl::StrJoin(result.violations, "\n  ")
                    << "\nreplay: " << replay_command(seed, /*crashes=*/true);
    }
  }
  EXPECT_EQ(failed, 0u);
  EXPECT_GT(total.crashes, 0u);
  EXPECT_GT(unavailable, 0u);  // Some commands met a replica that was down.
}

TEST(ClusterStateSimTest, SameSeedSameRun) {
  ClusterStateSimOptions options;
  options.seed = 7;
  ClusterStateSimResult a = run_cluster_state_sim(options);
  ClusterStateSimResult b = run_cluster_state_sim(options);
  EXPECT_EQ(a.trace_digest, b.trace_digest);
  EXPECT_EQ(a.violations, b.violations);
}

// Runs the seed in CLUSTER_STATE_SIM_SEED (if set) with its trace printed.
TEST(ClusterStateSimTest, ReplaysOneSeed) {
  const char* env = std::getenv("CLUSTER_STATE_SIM_SEED");
  uint64_t seed = 0;
  if (env == nullptr || !absl::SimpleAtoi(env, &seed)) GTEST_SKIP() << "no CLUSTER_STATE_SIM_SEED";
  ClusterStateSimOptions options;
  options.seed = seed;
  if (std::getenv("CLUSTER_STATE_SIM_CRASHES") != nullptr) options = crash_options(seed);
  options.trace = [](const std::string& line) { std::cout << line << "\n"; };
  ClusterStateSimResult result = run_cluster_state_sim(options);
  EXPECT_TRUE(result.violations.empty()) << absl::StrJoin(result.violations, "\n");
}

}  // namespace
}  // namespace eddy::kvs

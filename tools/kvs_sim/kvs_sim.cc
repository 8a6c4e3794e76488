// kvs_sim: runs the replicated KVS in the deterministic simulator for many seeds and checks its
// invariants (kvs/sim/kvs_sim.h says which).
//
//   kvs_sim --seeds 500                  seeds 1..500, one summary line
//   kvs_sim --seeds 100 --start-seed 9000
//   kvs_sim --seed 17 --trace            one seed, every fault, tick, delivery and reply
//   kvs_sim --seeds 200 --crashes 5 --wal   member crash-restarts, recovering from their logs
//
// Prints each failing seed with its violations and the command that replays it, then
// "N seeds, V violations"; exits 1 on any violation.
#include "kvs/sim/kvs_sim.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "dataflow/core/log.h"
#include "dataflow/deploy/flag_names.h"

ABSL_FLAG(uint64_t, seeds, 100, "how many seeds to run");
ABSL_FLAG(uint64_t, start_seed, 1, "the first seed");
ABSL_FLAG(int64_t, seed, -1, "run only this seed (with --trace: verbosely)");
ABSL_FLAG(bool, trace, false, "print every fault, tick, delivery, command and reply");
ABSL_FLAG(uint32_t, members, 3, "cluster size");
ABSL_FLAG(uint32_t, clients, 3, "client connections");
ABSL_FLAG(uint32_t, ops, 150, "commands per client");
ABSL_FLAG(double, loss, 0.05, "probability a batch between members finds its connection dead");
ABSL_FLAG(double, partitions, 20, "partitions among members per virtual second");
ABSL_FLAG(double, crashes, 0, "member crash-restarts per virtual second");
ABSL_FLAG(double, duplicate, 0, "probability a message between members is delivered twice");
ABSL_FLAG(std::string, ack, "local", "acknowledge writes after local (1), quorum or all members");
ABSL_FLAG(int64_t, down_after_ms, 150,
          "the coordinator counts a member silent this long as down (0: never)");
ABSL_FLAG(bool, wal, false, "members keep a write-ahead log (appendfsync always) across crashes");
ABSL_FLAG(bool, fixed_faults, false,  // --fixed-faults
          "use exactly --loss/--partitions/--crashes (default: each seed picks up to them)");

namespace {

std::string replay_command(uint64_t seed) {
  std::string command = absl::StrCat("build/bin/kvs_sim --seed ", seed, " --trace");
  auto add = [&](const char* name, auto value, auto fallback) {
    if (value != fallback) absl::StrAppend(&command, " --", name, " ", value);
  };
  add("members", absl::GetFlag(FLAGS_members), 3u);
  add("clients", absl::GetFlag(FLAGS_clients), 3u);
  add("ops", absl::GetFlag(FLAGS_ops), 150u);
  add("loss", absl::GetFlag(FLAGS_loss), 0.05);
  add("partitions", absl::GetFlag(FLAGS_partitions), 20.0);
  add("crashes", absl::GetFlag(FLAGS_crashes), 0.0);
  add("duplicate", absl::GetFlag(FLAGS_duplicate), 0.0);
  if (absl::GetFlag(FLAGS_ack) != "local")
    absl::StrAppend(&command, " --ack ", absl::GetFlag(FLAGS_ack));
  if (absl::GetFlag(FLAGS_wal)) absl::StrAppend(&command, " --wal");
  if (absl::GetFlag(FLAGS_fixed_faults)) absl::StrAppend(&command, " --fixed-faults");
  return command;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("runs the replicated KVS under simulated faults, seed by seed");
  // Flag names with '-' or '_'.
  std::vector<std::string> args(argv, argv + argc);
  std::vector<char*> spelled;
  for (std::string& arg : args) {
    eddy::underscore_flag_name(&arg);
    spelled.push_back(arg.data());
  }
  absl::ParseCommandLine(static_cast<int>(spelled.size()), spelled.data());
  const int64_t single = absl::GetFlag(FLAGS_seed);
  const bool trace = absl::GetFlag(FLAGS_trace);
  // Instances log each recovery and each member counted down: only a trace shows them.
  if (!trace) eddy::set_log_level(eddy::LogLevel::kError);
  const uint64_t first =
      single >= 0 ? static_cast<uint64_t>(single) : absl::GetFlag(FLAGS_start_seed);
  const uint64_t count = single >= 0 ? 1 : absl::GetFlag(FLAGS_seeds);

  eddy::kvs::AckPolicy ack = eddy::kvs::AckPolicy::kLocal;
  if (absl::GetFlag(FLAGS_ack) == "quorum") {
    ack = eddy::kvs::AckPolicy::kQuorum;
  } else if (absl::GetFlag(FLAGS_ack) == "all") {
    ack = eddy::kvs::AckPolicy::kAll;
  } else if (absl::GetFlag(FLAGS_ack) != "local") {
    std::fprintf(stderr, "kvs_sim: --ack must be local, quorum or all, not '%s'\n",
                 absl::GetFlag(FLAGS_ack).c_str());
    return 2;
  }
  if (absl::GetFlag(FLAGS_crashes) > 0 && ack != eddy::kvs::AckPolicy::kLocal &&
      !absl::GetFlag(FLAGS_wal)) {
    std::fprintf(stderr,
                 "kvs_sim: --crashes with --ack %s needs --wal: without a log, crashes of every "
                 "member holding a write lose it, and reads that need it wait for good "
                 "(docs/consistency.md)\n",
                 absl::GetFlag(FLAGS_ack).c_str());
    return 2;
  }
  uint64_t violations = 0;
  uint64_t failed_seeds = 0;
  uint64_t requests = 0;
  for (uint64_t seed = first; seed < first + count; ++seed) {
    eddy::kvs::KvsSimOptions options;
    options.seed = seed;
    options.members = absl::GetFlag(FLAGS_members);
    options.clients = absl::GetFlag(FLAGS_clients);
    options.ops_per_client = absl::GetFlag(FLAGS_ops);
    options.loss = absl::GetFlag(FLAGS_loss);
    options.partitions_per_second = absl::GetFlag(FLAGS_partitions);
    options.crashes_per_second = absl::GetFlag(FLAGS_crashes);
    options.duplicate = absl::GetFlag(FLAGS_duplicate);
    options.down_after = std::chrono::milliseconds(absl::GetFlag(FLAGS_down_after_ms));
    options.random_faults = !absl::GetFlag(FLAGS_fixed_faults);
    options.ack = ack;
    options.wal = absl::GetFlag(FLAGS_wal);
    if (trace) {
      options.trace = [](const std::string& line) { std::printf("%s\n", line.c_str()); };
      options.trace_messages = true;
    }
    const eddy::kvs::KvsSimResult result = eddy::kvs::run_kvs_sim(options);
    requests += result.requests;
    if (single >= 0) {
      std::printf(
          "seed %llu: %llu ticks, %llu messages delivered, %llu lost, %llu partitions, "
          "%llu crashes, %.3f s virtual; trace digest %016llx\n",
          static_cast<unsigned long long>(seed),
          static_cast<unsigned long long>(result.stats.ticks),
          static_cast<unsigned long long>(result.stats.delivered),
          static_cast<unsigned long long>(result.stats.lost),
          static_cast<unsigned long long>(result.stats.partitions),
          static_cast<unsigned long long>(result.stats.crashes),
          std::chrono::duration<double>(result.virtual_time).count(),
          static_cast<unsigned long long>(result.trace_digest));
    }
    if (result.violations.empty()) continue;
    ++failed_seeds;
    violations += result.violations.size();
    std::printf("seed %llu: %zu violation(s)\n", static_cast<unsigned long long>(seed),
                result.violations.size());
    for (size_t i = 0; i < result.violations.size() && i < 10; ++i) {
      std::printf("  %s\n", result.violations[i].c_str());
    }
    std::printf("  replay: %s\n", replay_command(seed).c_str());
  }
  std::printf("%llu seeds, %llu violations (%llu failing seeds, %llu client requests)\n",
              static_cast<unsigned long long>(count), static_cast<unsigned long long>(violations),
              static_cast<unsigned long long>(failed_seeds),
              static_cast<unsigned long long>(requests));
  return violations == 0 ? 0 : 1;
}

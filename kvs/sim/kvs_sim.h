// kvs_sim: the replicated KVS (kvs/servers/kvs_server.h) under a seeded random client workload
// and seeded random faults, in the deterministic simulator (dataflow/sim/simulation.h), with
// its invariants checked. One seed decides everything: the workload, the fault mix, every
// delay and loss; a failing seed replays exactly.
//
// A run: clients pipeline commands at the coordinator while faults hit the members (lost
// gossip and repair messages, partitions between members, crash-restarts when enabled); then
// faults stop, partitions heal, and the store runs until every request is answered and the
// members have exchanged several anti-entropy rounds. Checked:
//   answered       every request gets exactly one reply (none stuck after healing);
//   program order  each client writes only its own keys (and some shared ones), so a GET of
//                  its own key must return exactly its latest earlier SET (or nil after DEL),
//                  and DEL must count what the client's own history says it removes;
//   durable        after quiescence every member holds, for every client key, the client's
//                  last acknowledged write (nothing acknowledged was lost, no delete undone);
//   converged      every member's table digest is equal (EDDY.MEMBERS), so every member
//                  picked the same LWW winner for the contended shared keys;
//   collected      (with resending on, which carries the stable stamp) every tombstone is
//                  collected at every member once quiet, while `durable` checks that no
//                  deleted key came back.
// Every link may lose messages or be partitioned, the coordinator's included (the coordinator
// resends what members do not answer); only members crash. A crash is a process crash: the
// member's volatile state is gone, its files (with `wal`, its write-ahead log) survive whole.
// With the log every check holds under crashes too. Without it a crash loses what the member
// held: an acknowledged write survives only while fewer members crashed than acknowledged it
// (none under --ack=local, a minority under quorum, all but one under all), so from the crash
// beyond that on, runs without a log skip `program order` and `durable`. Random crashes without
// a log are for --ack=local only (tools/kvs_sim refuses others): under quorum or all, crashes
// of every member holding a write lose it, and reads that need it then wait for good.
#ifndef EDDY_KVS_SIM_KVS_SIM_H_
#define EDDY_KVS_SIM_KVS_SIM_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dataflow/external_port.h"
#include "dataflow/sim/simulation.h"
#include "kvs/protocol/resp_codec.h"
#include "kvs/servers/coordinator.h"

namespace eddy::kvs {

// A scripted step: what to do to the simulation (a partition, a crash, an extra client).
using ScriptStep = std::function<void(sim::Simulation&, const ExternalPort<RespRequest, RespOut>&)>;

struct KvsSimOptions {
  uint64_t seed = 1;
  uint32_t members = 3;
  uint32_t clients = 3;
  uint32_t ops_per_client = 150;
  // When a write is acknowledged (kvs/servers/coordinator.h): after 1, a majority or all members.
  AckPolicy ack = AckPolicy::kLocal;
  // Members keep a write-ahead log (kvs/core/durable_log.h, appendfsync always) in a fresh
  // directory made for the run and removed after it.
  bool wal = false;
  // Fault mix. With `random_faults`, the seed picks loss, partition and delay settings for the
  // run (up to these maxima); otherwise exactly these are used.
  bool random_faults = true;
  double loss = 0.05;
  double partitions_per_second = 20;
  double crashes_per_second = 0;
  double duplicate = 0;
  Duration max_delay = std::chrono::milliseconds(3);
  Duration anti_entropy = std::chrono::milliseconds(10);
  // The coordinator resends ops members have not answered after this long.
  Duration resend_after = std::chrono::milliseconds(20);
  // How long a silent member takes to count as down at the coordinator: above the longest
  // delay, so that a member counts as down when it is (crashed or cut off), not when slow.
  Duration down_after = std::chrono::milliseconds(150);
  // Scripted faults (or anything else), run at given virtual times after the start, with the
  // store's client port at hand (targeted scenarios).
  std::vector<std::pair<Duration, ScriptStep>> script;
  // Receives every fault and (with trace_messages) every tick and delivery, and every client
  // command and reply.
  std::function<void(const std::string&)> trace;
  bool trace_messages = false;
};

struct KvsSimResult {
  uint64_t seed = 0;
  std::vector<std::string> violations;
  uint64_t trace_digest = 0;
  uint64_t requests = 0;
  sim::SimStats stats;
  Duration virtual_time{0};
};

// Runs one seed. Never throws; a run that cannot even be set up reports that as a violation.
KvsSimResult run_kvs_sim(const KvsSimOptions& options);

}  // namespace eddy::kvs

#endif  // EDDY_KVS_SIM_KVS_SIM_H_

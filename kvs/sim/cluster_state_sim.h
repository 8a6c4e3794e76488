// cluster_state_sim: the replicated cluster-state service (kvs/servers/cluster_state_server.h)
// under a seeded random workload of conflicting operations and seeded faults between its
// replicas, in the deterministic simulator (dataflow/sim/simulation.h). One seed decides the
// workload, the fault mix, every delay and loss: a failing seed replays exactly.
//
// A run: clients pipeline STATE.CALL and STATE.QUERY commands through the gateway at random
// replicas (or `any`), on a small key space so that operations conflict (the same nodes,
// tasks and content registered, assigned, updated and removed at different replicas at once),
// while links between replicas lose messages and partitions cut the replicas apart, and (when
// asked) replicas crash and restart: from their data directory, or, in some seeds, empty. Then
// faults stop, partitions heal, crashed replicas restart, and the service runs until every
// command is answered and several sync rounds passed. Checked:
//   answered   every command gets exactly one reply, in the connection's order, of the shape
//              its command asks for (a call's reply is {"code":...}, a digest's
//              {"digest":...}), never any RESP error (the workload is well-formed) but the
//              gateway's for a replica (or, for an assignment, the master) that is down, or
//              that did not answer in time (counted in `unavailable`: a crash causes them,
//              and so can partitions that keep a worker from the master, which decides
//              assignments, for longer than reply_timeout);
//   converged  every full replica's digest (rows, tombstones and version vector, byte for byte)
//              and get_state JSON are equal, and a leecher's nodes equal theirs.
// The gateway's links are only delayed; a crash still loses what was in flight to the replica.
#ifndef EDDY_KVS_SIM_CLUSTER_STATE_SIM_H_
#define EDDY_KVS_SIM_CLUSTER_STATE_SIM_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dataflow/sim/simulation.h"

namespace eddy::kvs {

struct ClusterStateSimOptions {
  uint64_t seed = 1;
  uint32_t replicas = 3;  // Member 0 is the master, the others workers.
  uint32_t clients = 3;
  uint32_t ops_per_client = 60;
  // Fault mix: the seed picks loss and partition rates up to these maxima, and the delay.
  double loss = 0.1;
  double partitions_per_second = 20;
  Duration max_delay = std::chrono::milliseconds(3);
  Duration sync_interval = std::chrono::milliseconds(10);
  // Longer than a partition lasts (sim::FaultOptions::max_partition), so that a command meets
  // the gateway's timeout only after a crash or back-to-back partitions.
  Duration reply_timeout = std::chrono::milliseconds(500);
  // Crash-restarts of replicas: at most this many per second of virtual time (the seed picks 0
  // or this), each down for up to max_downtime. Replicas keep their tables in a data directory
  // and recover them, except in seeds that pick memory only (they restart empty and catch up
  // by sync).
  double crashes_per_second = 0;
  Duration max_downtime = std::chrono::milliseconds(1500);
  // The last replica is a leecher (nodes and metadata only): calls and full-table queries go
  // to the others.
  bool leecher = false;
  // Receives every fault, and every client command and reply.
  std::function<void(const std::string&)> trace;
};

struct ClusterStateSimResult {
  uint64_t seed = 0;
  std::vector<std::string> violations;
  uint64_t trace_digest = 0;
  uint64_t requests = 0;
  uint64_t unavailable = 0;  // Commands answered with the gateway's down / no-answer error.
  sim::SimStats stats;
};

// Runs one seed. Never throws; a run that cannot be set up reports that as a violation.
ClusterStateSimResult run_cluster_state_sim(const ClusterStateSimOptions& options);

}  // namespace eddy::kvs

#endif  // EDDY_KVS_SIM_CLUSTER_STATE_SIM_H_

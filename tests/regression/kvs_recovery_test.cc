// Regressions found by kvs_sim (kvs/sim/kvs_sim.h) in the replicated store's recovery.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dataflow/testing.h"
#include "kvs/core/durable_log.h"
#include "kvs/core/member_store.h"

namespace eddy::kvs {
namespace {

Write<LwwModel> gossiped(const std::string& key, const std::string& bytes, Version version,
                         uint64_t prev) {
  return Write<LwwModel>{key, LwwModel::write(bytes, version, nullptr), version, prev};
}

// Found by `kvs_sim --seeds 1000 --crashes 5 --wal --start-seed 10000` (seed 10389): a member
// that had applied gossip after a gap (a lost write of the same origin below it) logged that
// write with its version, so recovery from the log raised the member's applied mark over the
// gap, and a GET that needed the lost write (a DEL) was answered without it: the deleted value
// came back. The log now records the mark each write raised, and none for a write after a gap.
TEST(KvsRecoveryRegressionTest, RecoveryNeverRaisesAMarkOverAGap) {
  Flow flow;
  Process p = flow.process("store");
  auto [ops, op_stream] = p.source_channel<MemberOp>();
  auto [gossip, gossip_stream] = p.source_channel<Write<LwwModel>>();
  MemberStore<LwwModel, Process> store = member_store<LwwModel>(op_stream, gossip_stream);
  Collected<Write<LwwModel>> logged = store.applied_writes().all_ticks().collect();
  testing::Harness h{flow};
  h.run();

  // Origin 1's writes at stamps 10 and 20; the one at 20 names 15 before it, which was lost.
  gossip.send_batch(
      {gossiped("a", "x", Version{1, 10}, 0), gossiped("b", "y", Version{1, 20}, 15)});
  h.run();

  std::string log;
  for (const Write<LwwModel>& w : logged.values()) append_write_record(w, &log);
  const RecoveredWrites<LwwModel> recovered = recover_writes<LwwModel>(log);
  ASSERT_TRUE(recovered.problem.empty()) << recovered.problem;
  uint64_t mark = 0;
  for (const Write<LwwModel>& w : recovered.writes) {
    if (w.version.origin == 1) mark = std::max(mark, w.version.stamp);
  }
  EXPECT_EQ(mark, 10u) << "the mark the member had before the crash, not the stamp after the gap";
  EXPECT_EQ(recovered.keys, 2u) << "both writes are recovered all the same";
}

}  // namespace
}  // namespace eddy::kvs

// Regressions found by tests/integration/kvs_kill_under_load_test.py in how a member treats a
// resent copy of an op it has parked.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dataflow/testing.h"
#include "kvs/core/member_store.h"

namespace eddy::kvs {
namespace {

MemberOp numbered_put(uint64_t seq, const std::string& key, uint64_t stamp, uint64_t write_seq,
                      uint64_t unanswered_from) {
  MemberOp op;
  op.kind = OpKind::kPut;
  op.ref.seq = seq;
  op.key = key;
  op.value = "v";
  op.version = Version{0, stamp};
  op.write_seq = write_seq;
  op.unanswered_from = unanswered_from;
  return op;
}

// Found with SIGKILL under load (--ack=local, a synced log): the restarted member got write 7
// first, saying the oldest unanswered write was 5, so it parked 7 to wait for 5 and 6. But 5
// and 6 had been applied before the crash, and their answers reached the coordinator late: it
// stopped waiting for them and resent 7 saying the oldest unanswered was now 7. The member
// dropped that copy unread because 7 was parked, and the parked copy still said 5: write 7
// waited forever, and so did every client whose commands were queued behind it. A resent copy
// of a parked op now still tells the member what it carries about the coordinator's writes, and
// goes on when that unblocks it.
TEST(KvsParkedResendRegressionTest, AResentCopyOfAParkedWriteStillUnblocksIt) {
  Flow flow;
  Process p = flow.process("store");
  auto [ops, op_stream] = p.source_channel<MemberOp>();
  auto [gossip, gossip_stream] = p.source_channel<Write<LwwModel>>();
  MemberStore<LwwModel, Process> store = member_store<LwwModel>(op_stream, gossip_stream);
  Collected<MemberReply> replies = store.replies.collect();
  testing::Harness h{flow};
  h.run();

  ops.send(numbered_put(1, "k", 100, /*write_seq=*/7, /*unanswered_from=*/5));
  h.run();
  ASSERT_TRUE(replies.values().empty()) << "7 waits for 5 and 6";

  ops.send(numbered_put(1, "k", 100, /*write_seq=*/7, /*unanswered_from=*/7));  // the resend
  h.run();
  ASSERT_EQ(replies.values().size(), 1u) << "the resent copy of write 7 is applied and answered";
  EXPECT_EQ(replies.values()[0].write_seq, 7u);
  EXPECT_FALSE(replies.values()[0].repeated);
}

}  // namespace
}  // namespace eddy::kvs

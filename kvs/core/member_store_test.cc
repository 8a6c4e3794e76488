// KVSCore and the member store: program order within one tick, explicit misses, deletes, and
// GETs that wait for the writes their session needs.
#include "kvs/core/member_store.h"

#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dataflow/testing.h"

namespace eddy::kvs {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

MemberOp put(uint64_t seq, Key key, std::string value, uint64_t stamp) {
  MemberOp op;
  op.kind = OpKind::kPut;
  op.ref.seq = seq;
  op.key = std::move(key);
  op.value = std::move(value);
  op.version = Version{0, stamp};
  return op;
}

MemberOp del(uint64_t seq, Key key, uint64_t stamp) {
  MemberOp op = put(seq, std::move(key), "", stamp);
  op.kind = OpKind::kDelete;
  return op;
}

MemberOp get(uint64_t seq, Key key, VersionVector needs = {}) {
  MemberOp op;
  op.kind = OpKind::kGet;
  op.ref.seq = seq;
  op.key = std::move(key);
  op.needs = std::move(needs);
  return op;
}

// One LWW store at a process, fed ops (and gossip) from the test.
struct Store {
  Flow flow;
  Process p = flow.process("store");
  std::pair<ChannelSender<MemberOp>, Stream<MemberOp, Process>> ops = p.source_channel<MemberOp>();
  std::pair<ChannelSender<Write<LwwModel>>, Stream<Write<LwwModel>, Process>> gossip =
      p.source_channel<Write<LwwModel>>();
  MemberStore<LwwModel, Process> store = member_store<LwwModel>(ops.second, gossip.second);
  Collected<MemberReply> replies = store.replies.collect();
  Collected<Write<LwwModel>> gossiped = store.local_writes.collect();
  testing::Harness h{flow};

  // Replies as "seq:value" (or "seq:miss", "seq:ok", "seq:del=N"), in reply order.
  std::vector<std::string> answers() {
    std::vector<std::string> out;
    for (const MemberReply& r : replies.values()) {
      std::string text = std::to_string(r.ref.seq) + ":";
      if (r.kind == OpKind::kGet) {
        text += r.values.empty() ? "miss" : r.values[0];
      } else if (r.kind == OpKind::kDelete) {
        text += "del=" + std::to_string(r.count);
      } else {
        text += "ok";
      }
      out.push_back(text);
    }
    return out;
  }
};

TEST(MemberStoreTest, AGetSeesEarlierWritesOfItsTickAndNoneOfTheLaterOnes) {
  Store s;
  s.h.run();
  s.ops.first.send_batch({put(0, "k", "v1", 10), get(1, "k"), put(2, "k", "v2", 11), get(3, "k"),
                          get(4, "other")});
  s.h.run();
  EXPECT_THAT(s.answers(), ElementsAre("0:ok", "1:v1", "2:ok", "3:v2", "4:miss"));
  // And the next tick's reads see the table the last tick left.
  s.replies.clear();
  s.ops.first.send(get(5, "k"));
  s.h.run();
  EXPECT_THAT(s.answers(), ElementsAre("5:v2"));
}

TEST(MemberStoreTest, AGetBeforeAWriteInTheSameTickDoesNotSeeIt) {
  Store s;
  s.ops.first.send_batch({put(0, "k", "old", 10)});
  s.h.run();
  s.replies.clear();
  s.ops.first.send_batch({get(1, "k"), put(2, "k", "new", 11), get(3, "k")});
  s.h.run();
  EXPECT_THAT(s.answers(), ElementsAre("1:old", "2:ok", "3:new"));
}

TEST(MemberStoreTest, DeleteIsAnExplicitMissAfterwardsAndCountsOnlyLiveKeys) {
  Store s;
  s.ops.first.send_batch({put(0, "k", "v", 10), del(1, "k", 11), get(2, "k"), del(3, "k", 12),
                          del(4, "never", 13)});
  s.h.run();
  EXPECT_THAT(s.answers(), ElementsAre("0:ok", "1:del=1", "2:miss", "3:del=0", "4:del=0"));
}

TEST(MemberStoreTest, AnOlderWriteArrivingLaterLosesToTheNewerOne) {
  Store s;
  s.ops.first.send(put(0, "k", "newer", 20));
  s.h.run();
  Write<LwwModel> late{"k", LwwModel::write(std::string("older"), Version{1, 10}, nullptr),
                       Version{1, 10}};
  s.gossip.first.send(late);
  s.h.run();
  s.replies.clear();
  s.ops.first.send(get(1, "k"));
  s.h.run();
  EXPECT_THAT(s.answers(), ElementsAre("1:newer"));
}

TEST(MemberStoreTest, AGetWaitsUntilTheWritesItsSessionNeedsArrive) {
  Store s;
  VersionVector needs;
  needs.raise(Version{2, 50});  // a write member 2 applied, not yet gossiped here
  s.ops.first.send(get(0, "k", needs));
  s.h.run();
  EXPECT_THAT(s.answers(), IsEmpty()) << "parked, not answered";
  s.ops.first.send(put(1, "unrelated", "x", 40));
  s.h.run();
  EXPECT_THAT(s.answers(), ElementsAre("1:ok")) << "still parked behind other traffic";
  s.gossip.first.send(Write<LwwModel>{
      "k", LwwModel::write(std::string("from-2"), Version{2, 50}, nullptr), Version{2, 50}});
  s.h.run();
  EXPECT_THAT(s.answers(), ElementsAre("1:ok", "0:from-2"));
}

TEST(MemberStoreTest, ADelWaitsForItsSessionsWritesAndLaterWritesWaitBehindIt) {
  Store s;
  VersionVector needs;
  needs.raise(Version{2, 50});  // this session's SET of "k", applied at member 2
  MemberOp d = del(0, "k", 60);
  d.needs = needs;
  s.ops.first.send(d);
  s.ops.first.send(put(1, "other", "x", 61));  // another session's write, stamped later
  s.h.run();
  EXPECT_THAT(s.answers(), IsEmpty()) << "both parked: this member applies writes in order";
  s.gossip.first.send(Write<LwwModel>{
      "k", LwwModel::write(std::string("v"), Version{2, 50}, nullptr), Version{2, 50}});
  s.h.run();
  EXPECT_THAT(s.answers(), ElementsAre("0:del=1", "1:ok"));
}

TEST(MemberStoreTest, OnlyWritesFirstAppliedHereAreGossiped) {
  Store s;
  s.ops.first.send(put(0, "mine", "a", 10));
  s.gossip.first.send(Write<LwwModel>{
      "theirs", LwwModel::write(std::string("b"), Version{1, 11}, nullptr), Version{1, 11}});
  s.h.run();
  ASSERT_EQ(s.gossiped.size(), 1u);
  EXPECT_EQ(s.gossiped.values()[0].key, "mine");
}

TEST(MemberStoreTest, CausalWritesThatSawEachOtherCollapseAndConcurrentOnesAreSiblings) {
  Flow flow;
  auto p = flow.process("store");
  auto [ops_in, ops] = p.source_channel<MemberOp>();
  auto [gossip_in, gossip] = p.source_channel<Write<CausalModel>>();
  auto store = member_store<CausalModel>(ops, gossip);
  auto replies = store.replies.collect();
  testing::Harness h(flow);
  ops_in.send(put(0, "k", "a", 10));
  h.run();
  ops_in.send(put(1, "k", "b", 11));  // this member saw "a": replaces it
  h.run();
  // A write from member 1 that never saw either: concurrent.
  gossip_in.send(Write<CausalModel>{"k", CausalModel::write(std::string("c"), Version{1, 12}, nullptr),
                                    Version{1, 12}});
  h.run();
  ops_in.send(get(2, "k"));
  h.run();
  std::vector<std::string> siblings = replies.values().back().values;
  std::sort(siblings.begin(), siblings.end());
  EXPECT_THAT(siblings, ElementsAre("b", "c"));
  ops_in.send(put(3, "k", "d", 13));  // seen both: collapses them
  ops_in.send(get(4, "k"));
  h.run();
  EXPECT_THAT(replies.values().back().values, ElementsAre("d"));
}

// A replica that collects tombstones below the stable stamp, fed ops, gossip and repairs.
struct CollectingStore {
  static MemberStoreOptions options() {
    MemberStoreOptions o;
    o.collection = TombstoneCollection::kWhenStable;
    o.report_marks_every = std::chrono::seconds(1);
    return o;
  }
  Flow flow;
  Process p = flow.process("store");
  std::pair<ChannelSender<MemberOp>, Stream<MemberOp, Process>> ops = p.source_channel<MemberOp>();
  std::pair<ChannelSender<Write<LwwModel>>, Stream<Write<LwwModel>, Process>> gossip =
      p.source_channel<Write<LwwModel>>();
  std::pair<ChannelSender<Repair<LwwModel>>, Stream<Repair<LwwModel>, Process>> repairs =
      p.source_channel<Repair<LwwModel>>();
  MemberStore<LwwModel, Process> store =
      member_store<LwwModel>(ops.second, gossip.second, repairs.second, options());
  Collected<MemberReply> replies = store.replies.collect();
  Collected<MarkReport> reports = store.mark_reports.collect();
  testing::Harness h{flow};

  // A coordinator notice naming this run of the store.
  MemberOp notice(uint64_t stable) {
    MemberOp op;
    op.kind = OpKind::kFloor;
    op.stable = stable;
    op.incarnation = reports.values().at(0).incarnation;
    return op;
  }
  void gossip_write(Key key, std::optional<std::string> value, uint64_t stamp, uint64_t prev) {
    const Version v{1, stamp};
    gossip.first.send(Write<LwwModel>{key, LwwModel::write(std::move(value), v, nullptr), v, prev});
  }
  // What GET `key` answers now ("miss" or the value), and (live keys, tombstones) held.
  std::string read(const Key& key) {
    replies.clear();
    ops.first.send(get(99, key));
    h.run();
    return replies.values().empty()         ? "unanswered"
           : replies.values()[0].values.empty() ? "miss"
                                                : replies.values()[0].values[0];
  }
  std::pair<uint64_t, uint64_t> held() {
    replies.clear();
    MemberOp op;
    op.kind = OpKind::kDigest;
    ops.first.send(op);
    h.run();
    return {replies.values().at(0).count, replies.values().at(0).tombstones};
  }
};

// Named scenario "tombstone collection racing a late write", at one replica: a delete is
// collected once the stable stamp passes it, and then every late copy of the older write it
// deleted (a duplicated gossip message, a repair computed before the delete, a resent op) stays
// out, so the key never comes back.
TEST(MemberStoreTest, ACollectedKeyNeverComesBackFromALateCopyOfAnOlderWrite) {
  CollectingStore s;
  s.h.run();  // the first tick reports this run's incarnation
  ASSERT_EQ(s.reports.size(), 1u);
  EXPECT_NE(s.reports.values()[0].incarnation, 0u);

  // Before a notice names this run, gossip is held and reads wait.
  s.gossip_write("k", "old", 10, 0);
  EXPECT_EQ(s.read("k"), "unanswered");
  s.ops.first.send(s.notice(0));
  s.h.run();
  s.h.run();
  EXPECT_EQ(s.replies.values().at(0).values, std::vector<std::string>{"old"});

  s.gossip_write("k", std::nullopt, 20, 10);  // the delete
  s.h.run();
  EXPECT_EQ(s.held(), (std::pair<uint64_t, uint64_t>(0, 1))) << "a tombstone";
  s.ops.first.send(s.notice(25));
  s.h.run();
  EXPECT_EQ(s.held(), (std::pair<uint64_t, uint64_t>(0, 0))) << "collected";

  // Late copies of the write the delete removed.
  s.replies.clear();
  s.gossip_write("k", "old", 10, 0);
  Repair<LwwModel> stale;  // answers a summary sent before this member knew any stable stamp
  stale.entries.push_back(Write<LwwModel>{
      "k", LwwModel::write(std::string("old"), Version{1, 10}, nullptr), Version{}});
  s.repairs.first.send(stale);
  MemberOp resent = put(7, "k", "resent", 15);
  resent.write_seq = 1;
  resent.unanswered_from = 1;
  s.ops.first.send(resent);
  s.h.run();
  ASSERT_EQ(s.replies.size(), 1u);
  EXPECT_TRUE(s.replies.values()[0].repeated) << "answered, not applied";
  EXPECT_EQ(s.read("k"), "miss");
  EXPECT_EQ(s.held(), (std::pair<uint64_t, uint64_t>(0, 0)));

  // A repair's live entry at or below the stable stamp its summary carried is taken (a member
  // that restarted empty gets its table back so); one above it but below the stable stamp is
  // not (the sender may have answered before a delete reached it).
  Repair<LwwModel> fresh;
  fresh.stable = 22;
  fresh.entries.push_back(Write<LwwModel>{
      "kept", LwwModel::write(std::string("x"), Version{1, 12}, nullptr), Version{}});
  fresh.entries.push_back(Write<LwwModel>{
      "maybe-deleted", LwwModel::write(std::string("y"), Version{1, 23}, nullptr), Version{}});
  s.repairs.first.send(fresh);
  s.h.run();
  EXPECT_EQ(s.read("kept"), "x");
  EXPECT_EQ(s.read("maybe-deleted"), "miss");

  // Newer writes go on as ever.
  s.gossip_write("k", "new", 30, 20);
  s.h.run();
  EXPECT_EQ(s.read("k"), "new");
}

TEST(MemberStoreTest, ASingleStoreDropsATombstoneAtOnce) {
  Flow flow;
  auto p = flow.process("store");
  auto [ops_in, ops] = p.source_channel<MemberOp>();
  auto [gossip_in, gossip] = p.source_channel<Write<LwwModel>>();
  MemberStoreOptions options;
  options.gossips = false;
  options.collection = TombstoneCollection::kAtOnce;
  auto store = member_store<LwwModel>(ops, gossip, options);
  auto replies = store.replies.collect();
  testing::Harness h(flow);
  MemberOp digest;
  digest.kind = OpKind::kDigest;
  ops_in.send_batch({put(0, "k", "v", 10), put(1, "j", "w", 11), del(2, "k", 12), get(3, "k")});
  h.run();
  ops_in.send(digest);
  h.run();
  ASSERT_EQ(replies.size(), 5u);
  EXPECT_EQ(replies.values()[2].count, 1u) << "DEL removed one key";
  EXPECT_TRUE(replies.values()[3].values.empty());
  EXPECT_EQ(replies.values()[4].count, 1u);
  EXPECT_EQ(replies.values()[4].tombstones, 0u);
}

TEST(MemberStoreTest, CausalDeleteSiblingsBelowTheStableStampAreDroppedAndLiveOnesKept) {
  Flow flow;
  auto p = flow.process("store");
  auto [ops_in, ops] = p.source_channel<MemberOp>();
  auto [gossip_in, gossip] = p.source_channel<Write<CausalModel>>();
  auto store = member_store<CausalModel>(ops, gossip, CollectingStore::options());
  auto replies = store.replies.collect();
  auto reports = store.mark_reports.collect();
  testing::Harness h(flow);
  h.run();
  MemberOp notice;
  notice.kind = OpKind::kFloor;
  notice.incarnation = reports.values().at(0).incarnation;
  ops_in.send(notice);
  h.run();
  // "a" here, and a delete from member 1 that never saw it: two concurrent siblings.
  ops_in.send(put(0, "k", "a", 10));
  h.run();
  gossip_in.send(Write<CausalModel>{"k", CausalModel::write(std::nullopt, Version{1, 11}, nullptr),
                                    Version{1, 11}});
  h.run();
  replies.clear();
  ops_in.send(get(1, "k"));
  h.run();
  EXPECT_EQ(replies.values().at(0).seen.size(), 2u);
  notice.stable = 20;
  ops_in.send(notice);
  h.run();
  replies.clear();
  ops_in.send(get(2, "k"));
  h.run();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies.values()[0].values, std::vector<std::string>{"a"});
  EXPECT_EQ(replies.values()[0].seen, (std::vector<Version>{Version{0, 10}})) << "the delete went";
}

}  // namespace
}  // namespace eddy::kvs

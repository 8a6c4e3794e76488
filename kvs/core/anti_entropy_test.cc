// Anti-entropy: replicas that never gossiped converge through periodic table comparison, and a
// round sends only the buckets that differ.
#include "kvs/core/anti_entropy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "dataflow/serde/codec.h"
#include "dataflow/testing.h"

namespace eddy::kvs {
namespace {

MemberOp op(OpKind kind, Key key, std::string value = "", uint64_t stamp = 0) {
  MemberOp o;
  o.kind = kind;
  o.key = std::move(key);
  o.value = std::move(value);
  o.version = Version{0, stamp};
  return o;
}

// Two members fed directly by a process; their only link is anti-entropy (no gossip at all).
struct Pair {
  Flow flow;
  Process feeder = flow.process("feeder");
  Cluster members = flow.cluster("members");
  std::pair<ChannelSender<std::pair<MemberId, MemberOp>>,
            Stream<std::pair<MemberId, MemberOp>, Process>>
      in = feeder.source_channel<std::pair<MemberId, MemberOp>>();
  Collected<MemberReply> replies = build();
  testing::Harness h{flow, {{"members", 2}}};

  Collected<MemberReply> build() {
    auto [repairs_ref, repairs] =
        members.forward_ref<Stream<Repair<LwwModel>, Cluster, Unbounded, NoOrder>>();
    auto store = member_store<LwwModel>(
        in.second.demux(members), members.source_iter(std::vector<Write<LwwModel>>{}), repairs);
    AntiEntropyOptions options;
    options.interval = std::chrono::seconds(1);
    options.buckets = 16;
    repairs_ref.complete(
        anti_entropy<LwwModel>(store.table, store.applied_marks, store.stable, members, options));
    return store.replies.send(feeder).values().collect();
  }

  void send(uint32_t member, MemberOp o) { in.first.send({MemberId{member}, std::move(o)}); }

  // (live keys, digest) of each member, read now.
  std::vector<std::pair<uint64_t, uint64_t>> tables() {
    replies.clear();
    send(0, op(OpKind::kDigest, ""));
    send(1, op(OpKind::kDigest, ""));
    h.run();
    std::vector<std::pair<uint64_t, uint64_t>> out(2);
    for (const MemberReply& r : replies.values()) out.at(r.member) = {r.count, r.digest};
    return out;
  }
};

TEST(AntiEntropyTest, ReplicasThatNeverGossipedConvergeWithinOneInterval) {
  Pair p;
  p.h.run();
  uint64_t stamp = 1;
  for (int i = 0; i < 200; ++i) p.send(0, op(OpKind::kPut, absl::StrCat("a", i), "x", stamp++));
  for (int i = 0; i < 5; ++i) p.send(1, op(OpKind::kPut, absl::StrCat("b", i), "y", stamp++));
  p.send(1, op(OpKind::kPut, "a7", "newer", stamp++));  // a conflict: member 1's is newer
  p.send(0, op(OpKind::kPut, "gone", "z", stamp++));
  p.send(1, op(OpKind::kDelete, "gone", "", stamp++));  // a delete wins over the older put
  p.h.run();
  auto before = p.tables();
  EXPECT_NE(before[0].second, before[1].second);

  p.h.advance(std::chrono::seconds(1));
  p.h.run();
  auto after = p.tables();
  EXPECT_EQ(after[0], after[1]);
  EXPECT_EQ(after[0].first, 205u) << "200 + 5 keys live, 'gone' deleted";

  p.replies.clear();
  p.send(0, op(OpKind::kGet, "a7"));
  p.send(0, op(OpKind::kGet, "gone"));
  p.h.run();
  ASSERT_EQ(p.replies.size(), 2u);
  EXPECT_THAT(p.replies.values()[0].values, ::testing::ElementsAre("newer"));
  EXPECT_THAT(p.replies.values()[1].values, ::testing::IsEmpty());
}

TEST(AntiEntropyTest, ARoundSendsOnlyTheBucketsThatDiffer) {
  using Table = eddy::internal::StableMap<Key, LwwModel::Value>;
  using View = eddy::internal::KeyedTableView<Key, LwwModel::Value>;
  Table mine, theirs;
  constexpr int kKeys = 100'000;
  for (int i = 0; i < kKeys; ++i) {
    const Key key = absl::StrCat("key:", i);
    auto value =
        LwwModel::write(std::string("xxx"), Version{0, static_cast<uint64_t>(i + 1)}, nullptr);
    mine.emplace(key, value);
    theirs.emplace(key, value);
  }
  for (int i = 0; i < 10; ++i) {  // ten keys where "mine" is newer
    mine[absl::StrCat("key:", i * 9973)] =
        LwwModel::write(std::string("new"), Version{1, kKeys + 100u + i}, nullptr);
  }
  const TableView<Key, LwwModel::Value> mine_view(View{&mine});
  const TableView<Key, LwwModel::Value> theirs_view(View{&theirs});
  const TableSummary summary = internal::summarize<LwwModel>(theirs_view, 1024, {}, 0);
  const std::vector<Write<LwwModel>> repair =
      internal::repair_for<LwwModel>(mine_view, summary, {}).entries;
  // The ten keys' buckets, about 100 entries each: a few percent of the table, all ten keys in.
  EXPECT_LE(repair.size(), 10u * 200);
  int newer = 0;
  for (const Write<LwwModel>& w : repair)
    newer += w.value.value() == std::optional<std::string>("new") ? 1 : 0;
  EXPECT_EQ(newer, 10);
  const Repair<LwwModel> none = internal::repair_for<LwwModel>(
      theirs_view, internal::summarize<LwwModel>(theirs_view, 1024, {}, 0), {});
  EXPECT_TRUE(none.entries.empty());
  EXPECT_TRUE(none.differing.empty());
  EXPECT_EQ(none.digests.size(), 1024u);
}

// A mark stuck below a gap is named in the summary, and a member whose mark for that origin is
// higher answers with every entry newer than it and that mark, whether or not the buckets differ.
TEST(AntiEntropyTest, AStuckMarkIsFilledByAMemberAheadOfIt) {
  using Table = eddy::internal::StableMap<Key, LwwModel::Value>;
  using View = eddy::internal::KeyedTableView<Key, LwwModel::Value>;
  Table stuck, ahead;
  for (uint64_t stamp = 1; stamp <= 6; ++stamp) {
    ahead.emplace(absl::StrCat("k", stamp), LwwModel::write("v", Version{1, stamp}, nullptr));
  }
  // The stuck member applied origin 1 up to stamp 3, then (after lost gossip) stamp 6.
  for (uint64_t stamp : {1, 2, 3, 6}) {
    stuck.emplace(absl::StrCat("k", stamp), ahead.at(absl::StrCat("k", stamp)));
  }
  const TableView<Key, LwwModel::Value> stuck_view(View{&stuck});
  const TableView<Key, LwwModel::Value> ahead_view(View{&ahead});

  const TableSummary summary = internal::summarize<LwwModel>(stuck_view, 1, {0, 3}, 0);
  ASSERT_EQ(summary.stuck.size(), 1u);
  EXPECT_EQ(summary.stuck[0], (Version{1, 3}));

  // The fill alone: a summary whose only bucket matches.
  TableSummary matching = summary;
  matching.buckets = internal::summarize<LwwModel>(ahead_view, 1, {}, 0).buckets;
  const Repair<LwwModel> repair = internal::repair_for<LwwModel>(ahead_view, matching, {0, 6});
  EXPECT_TRUE(repair.differing.empty());
  EXPECT_THAT(repair.fills, ::testing::ElementsAre(Version{1, 6}));
  std::vector<Key> keys;
  for (const Write<LwwModel>& w : repair.entries) keys.push_back(w.key);
  EXPECT_THAT(keys, ::testing::ElementsAre("k4", "k5", "k6")) << "the entries newer than 3";

  const Repair<LwwModel> behind = internal::repair_for<LwwModel>(ahead_view, matching, {0, 3});
  EXPECT_THAT(behind.fills, ::testing::IsEmpty()) << "no further than the stuck mark itself";
  EXPECT_TRUE(behind.entries.empty());
}

}  // namespace
}  // namespace eddy::kvs

// The coordinator: replies in each connection's order, sessions, the read barrier, stamps.
#include "kvs/servers/coordinator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace eddy::kvs {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const ConnectionId kConn{7};

struct Harness {
  Coordinator coordinator{CoordinatorOptions{}};
  Instant now{std::chrono::milliseconds(1000)};
  std::vector<std::pair<MemberId, MemberOp>> ops;  // everything dispatched so far
  std::string client;                              // everything the client received

  explicit Harness(uint32_t members = 3, AckPolicy ack = AckPolicy::kLocal,
                   Duration resend_after = Duration::zero()) {
    CoordinatorOptions options;
    options.ack = ack;
    options.resend_after = resend_after;
    options.down_after = 3 * resend_after;
    coordinator = Coordinator(options);
    coordinator.set_members(members);
  }

  void run(CoordinatorEvent event) {
    std::vector<CoordinatorAction> out;
    coordinator.step(now, std::move(event), &out);
    for (auto& action : out) {
      if (auto* op = std::get_if<std::pair<MemberId, MemberOp>>(&action)) ops.push_back(*op);
      if (auto* reply = std::get_if<std::pair<ConnectionId, RespOut>>(&action)) {
        EXPECT_EQ(reply->first, kConn);
        client += reply->second.bytes;
      }
    }
  }
  void request(std::vector<std::string> args) {
    run(ClientRequest{kConn, RespRequest{std::move(args), {}}});
  }
  // The member's answer to dispatched op `i`.
  void answer(size_t i, std::vector<std::string> values = {}, uint64_t count = 0) {
    const auto& [member, op] = ops.at(i);
    MemberReply reply;
    reply.kind = op.kind;
    reply.ref = op.ref;
    reply.member = member.raw;
    reply.values = std::move(values);
    reply.count = count;
    if (op.kind == OpKind::kPut || op.kind == OpKind::kDelete) reply.written = op.version;
    if (!reply.values.empty()) reply.seen.push_back(Version{member.raw, 999});
    run(std::move(reply));
  }
  // Member `member` reports that it applied dispatched op `i`'s write (and, with `behind`,
  // only the stamps before it).
  void applied(uint32_t member, size_t i, bool behind = false) {
    Version v = ops.at(i).second.version;
    if (behind) --v.stamp;
    run(MemberMarks{member, 1, {v}});
  }
};

TEST(CoordinatorTest, RepliesGoOutInTheConnectionsOrderWhateverOrderMembersAnswerIn) {
  Harness h;
  h.request({"GET", "a"});
  h.request({"PING"});
  h.request({"GET", "b"});
  ASSERT_EQ(h.ops.size(), 2u);
  EXPECT_EQ(h.client, "") << "PING waits for the GET before it";
  h.answer(1, {"B"});
  EXPECT_EQ(h.client, "");
  h.answer(0, {"A"});
  EXPECT_EQ(h.client, "$1\r\nA\r\n+PONG\r\n$1\r\nB\r\n");
}

TEST(CoordinatorTest, OpsGoToMembersInTurnAndWritesGetIncreasingStamps) {
  Harness h;
  h.request({"SET", "a", "1"});
  h.request({"SET", "b", "2"});
  h.request({"MSET", "c", "3", "d", "4"});
  ASSERT_EQ(h.ops.size(), 4u);
  std::vector<uint32_t> members;
  for (const auto& [m, op] : h.ops) members.push_back(m.raw);
  EXPECT_THAT(members, ElementsAre(0, 1, 2, 0));
  for (size_t i = 1; i < h.ops.size(); ++i) {
    EXPECT_GT(h.ops[i].second.version.stamp, h.ops[i - 1].second.version.stamp);
  }
  EXPECT_EQ(h.ops[0].second.version.origin, 0u) << "the origin is the member that applies it";
  EXPECT_EQ(h.ops[1].second.version.origin, 1u);
}

TEST(CoordinatorTest, AReadCarriesTheSessionsWritesSoAnyMemberAnswersItOnlyAfterThem) {
  Harness h;
  h.request({"SET", "a", "1"});
  h.request({"GET", "a"});
  ASSERT_EQ(h.ops.size(), 2u);
  const MemberOp& read = h.ops[1].second;
  EXPECT_NE(h.ops[1].first, h.ops[0].first) << "round robin sends the read elsewhere";
  EXPECT_EQ(read.needs.get(h.ops[0].first.raw), h.ops[0].second.version.stamp);
}

TEST(CoordinatorTest, AWriteWaitsWhileAnEarlierReadIsInFlightAndEverythingAfterItWaitsToo) {
  Harness h;
  h.request({"GET", "a"});
  h.request({"SET", "a", "2"});
  h.request({"GET", "a"});
  ASSERT_EQ(h.ops.size(), 1u) << "the SET (and the GET behind it) wait for the first GET";
  h.answer(0, {"1"});
  ASSERT_EQ(h.ops.size(), 3u);
  EXPECT_EQ(h.ops[1].second.kind, OpKind::kPut);
  EXPECT_EQ(h.ops[2].second.needs.get(h.ops[1].first.raw), h.ops[1].second.version.stamp);
  h.answer(1);
  h.answer(2, {"2"});
  EXPECT_EQ(h.client, "$1\r\n1\r\n+OK\r\n$1\r\n2\r\n");
}

TEST(CoordinatorTest, MultiKeyCommandsAssembleTheirParts) {
  Harness h;
  h.request({"MGET", "a", "b", "c"});
  h.request({"EXISTS", "a", "b"});
  h.request({"DEL", "a", "b"});
  h.answer(0, {"A"});
  h.answer(1);
  h.answer(2, {"C"});
  h.answer(3, {"A"});
  h.answer(4);
  // DEL's parts report the keys they removed.
  h.answer(5, {}, 1);
  h.answer(6, {}, 0);
  EXPECT_EQ(h.client, "*3\r\n$1\r\nA\r\n$-1\r\n$1\r\nC\r\n:1\r\n:1\r\n");
}

TEST(CoordinatorTest, LocalCommandsAndErrorsAnswerAtOnceAndKeepTheConnection) {
  Harness h;
  h.request({"PING"});
  h.request({"ECHO", "hi"});
  h.request({"NOPE", "x"});
  h.request({"GET"});
  h.request({"SELECT", "1"});
  h.request({"CLIENT", "SETNAME", "me"});
  h.request({"CLIENT", "GETNAME"});
  EXPECT_EQ(h.client,
            "+PONG\r\n$2\r\nhi\r\n-ERR unknown command 'NOPE', with args beginning with: 'x' \r\n"
            "-ERR wrong number of arguments for 'get' command\r\n-ERR DB index is out of range\r\n"
            "+OK\r\n$2\r\nme\r\n");
  EXPECT_TRUE(h.ops.empty());
}

TEST(CoordinatorTest, DelCountsEachKeyOnceAndWaitsForTheConnectionsEarlierWrites) {
  Harness h;
  h.request({"SET", "a", "1"});
  h.request({"DEL", "a", "a", "b"});
  ASSERT_EQ(h.ops.size(), 3u) << "one SET, and one delete per distinct key";
  const auto& [set_member, set] = h.ops[0];
  for (size_t i : {1u, 2u}) {
    EXPECT_EQ(h.ops[i].second.kind, OpKind::kDelete);
    EXPECT_EQ(h.ops[i].second.needs.get(set_member.raw), set.version.stamp)
        << "a DEL counts what it removes, so its member must have the SET first";
  }
  h.request({"SET", "b", "2"});
  EXPECT_EQ(h.ops.size(), 3u) << "a write waits while a DEL (which reads) is in flight";
  h.answer(0);
  h.answer(1, {}, 1);
  h.answer(2, {}, 0);
  ASSERT_EQ(h.ops.size(), 4u);
  h.answer(3);
  EXPECT_EQ(h.client, "+OK\r\n:1\r\n+OK\r\n");
}

TEST(CoordinatorTest, CausalWritesCarryTheConnectionsEarlierWrites) {
  CoordinatorOptions options;
  options.lattice = "causal";
  Harness h;
  h.coordinator = Coordinator(options);
  h.coordinator.set_members(3);
  h.request({"SET", "k", "1"});
  h.request({"SET", "k", "2"});
  ASSERT_EQ(h.ops.size(), 2u);
  EXPECT_EQ(h.ops[1].second.needs.get(h.ops[0].first.raw), h.ops[0].second.version.stamp)
      << "the second write's clock must cover the first wherever it is applied";
}

TEST(CoordinatorTest, AProtocolErrorIsAnsweredAfterEarlierRepliesAndCloses) {
  Harness h;
  h.request({"GET", "a"});
  RespRequest bad;
  bad.protocol_error = "ERR Protocol error: invalid multibulk length";
  std::vector<CoordinatorAction> out;
  h.coordinator.step(h.now, ClientRequest{kConn, std::move(bad)}, &out);
  EXPECT_TRUE(out.empty()) << "held until the GET is answered";
  h.answer(0, {"x"});
  EXPECT_EQ(h.client, "$1\r\nx\r\n-ERR Protocol error: invalid multibulk length\r\n");
}

TEST(CoordinatorTest, QuitClosesAfterItsReply) {
  Harness h;
  std::vector<CoordinatorAction> out;
  h.coordinator.step(h.now, ClientRequest{kConn, RespRequest{{"QUIT"}, {}}}, &out);
  ASSERT_EQ(out.size(), 1u);
  using ReplyTo = std::pair<ConnectionId, RespOut>;
  const auto& reply = std::get<ReplyTo>(out[0]).second;
  EXPECT_EQ(reply.bytes, "+OK\r\n");
  EXPECT_TRUE(reply.close);
}

TEST(CoordinatorTest, EddyMembersAsksEveryMemberAndSortsTheirAnswers) {
  Harness h(3);
  h.request({"EDDY.MEMBERS"});
  ASSERT_EQ(h.ops.size(), 3u);
  for (size_t i : {2u, 0u, 1u}) {
    const auto& [member, op] = h.ops[i];
    MemberReply reply;
    reply.kind = OpKind::kDigest;
    reply.ref = op.ref;
    reply.member = member.raw;
    reply.count = 5;
    reply.digest = 0xabc;
    reply.tombstones = 2;
    h.run(std::move(reply));
  }
  // [id, keys, digest, client ops routed there (none yet: EDDY.MEMBERS itself is not routed),
  // tombstones].
  EXPECT_THAT(h.client, HasSubstr("*3\r\n*5\r\n:0\r\n:5\r\n$16\r\n0000000000000abc\r\n:0\r\n:2\r\n"
                                  "*5\r\n:1\r\n"));
}

TEST(CoordinatorTest, RepliesForAConnectionThatLeftAreDropped) {
  Harness h;
  h.request({"GET", "a"});
  h.run(ClientGone{kConn});
  h.answer(0, {"A"});
  EXPECT_EQ(h.client, "");
  EXPECT_EQ(h.coordinator.connections(), 0u);
}

TEST(CoordinatorTest, OversizedValuesAreRefusedWithTheLimit) {
  CoordinatorOptions options;
  options.limits.max_value_bytes = 4;
  Coordinator c(options);
  std::vector<CoordinatorAction> out;
  c.step(Instant{}, ClientRequest{kConn, RespRequest{{"SET", "k", "12345"}, {}}}, &out);
  ASSERT_EQ(out.size(), 1u);
  using ReplyTo = std::pair<ConnectionId, RespOut>;
  EXPECT_EQ(std::get<ReplyTo>(out[0]).second.bytes,
            "-ERR value of 5 bytes is over the limit of 4 bytes\r\n");
}

TEST(CoordinatorAckTest, LocalAcknowledgesWhenTheWritesMemberAnswers) {
  Harness h(3, AckPolicy::kLocal);
  h.request({"SET", "a", "1"});
  h.answer(0);
  EXPECT_EQ(h.client, "+OK\r\n");
}

TEST(CoordinatorAckTest, QuorumAcknowledgesOnlyOnceAMajorityAppliedTheWrite) {
  Harness h(3, AckPolicy::kQuorum);
  h.request({"SET", "a", "1"});
  ASSERT_EQ(h.ops.size(), 1u);
  h.answer(0);
  EXPECT_EQ(h.client, "") << "only its own member applied it: 1 of 3";
  h.applied(2, 0, /*behind=*/true);
  EXPECT_EQ(h.client, "") << "member 2 has not reached this write's stamp";
  h.applied(2, 0);
  EXPECT_EQ(h.client, "+OK\r\n") << "2 of 3";
}

TEST(CoordinatorAckTest, AllWaitsForEveryMemberAndMarksMayComeBeforeTheReply) {
  Harness h(3, AckPolicy::kAll);
  h.request({"SET", "a", "1"});
  h.applied(1, 0);
  h.applied(2, 0);
  EXPECT_EQ(h.client, "") << "its own member has not answered yet";
  h.answer(0);
  EXPECT_EQ(h.client, "+OK\r\n");

  h.request({"DEL", "a"});
  ASSERT_EQ(h.ops.size(), 2u);
  h.answer(1, {}, 1);
  h.applied(0, 1);
  EXPECT_EQ(h.client, "+OK\r\n") << "a DEL is a write too: 2 of 3 is not all";
  h.applied(2, 1);
  EXPECT_EQ(h.client, "+OK\r\n:1\r\n");
}

TEST(CoordinatorAckTest, AWriteWaitingForAcksHoldsBackTheRepliesAfterIt) {
  Harness h(3, AckPolicy::kQuorum);
  h.request({"SET", "a", "1"});  // to member 0
  h.request({"SET", "b", "2"});  // to member 1
  h.request({"PING"});
  ASSERT_EQ(h.ops.size(), 2u);
  h.answer(0);
  h.answer(1);
  h.applied(2, 1);
  EXPECT_EQ(h.client, "") << "b has its quorum, but a (asked first) has not";
  h.applied(2, 0);
  EXPECT_EQ(h.client, "+OK\r\n+OK\r\n+PONG\r\n");
}

TEST(CoordinatorAckTest, AMultiKeyWriteIsAcknowledgedWhenEveryPartIs) {
  Harness h(3, AckPolicy::kQuorum);
  h.request({"MSET", "a", "1", "b", "2"});  // parts to members 0 and 1
  ASSERT_EQ(h.ops.size(), 2u);
  h.answer(0);
  h.answer(1);
  h.applied(1, 0);  // member 1 has part 0: 2 of 3
  EXPECT_EQ(h.client, "");
  h.applied(0, 1);  // member 0 has part 1
  EXPECT_EQ(h.client, "+OK\r\n");
}

// With resending, under kLocal: an answered write is not resent, and every member hears up to
// which stamp its writes were answered (a member that restarted empty gives up what it lost
// there instead of parking reads that need it forever).
TEST(CoordinatorResendTest, UnderLocalMembersHearUpToWhereTheirWritesWereAnswered) {
  Harness h(3, AckPolicy::kLocal, std::chrono::milliseconds(100));
  h.request({"SET", "a", "1"});  // to member 0
  h.request({"GET", "b"});       // to member 1
  ASSERT_EQ(h.ops.size(), 2u);
  const MemberOp write = h.ops[0].second;
  EXPECT_EQ(write.write_seq, 1u);
  EXPECT_EQ(write.own_floor, write.version.stamp - 1) << "nothing before it is unanswered";
  h.answer(0);
  h.now = h.now + std::chrono::milliseconds(100);
  h.run(ResendTimer{});
  ASSERT_EQ(h.ops.size(), 6u) << "the unanswered GET, and a notice to each member";
  EXPECT_EQ(h.ops[2].first, MemberId{1});
  EXPECT_EQ(h.ops[2].second.kind, OpKind::kGet) << "the unanswered GET, again";
  EXPECT_EQ(h.ops[3].first, MemberId{0});
  EXPECT_EQ(h.ops[3].second.kind, OpKind::kFloor);
  EXPECT_EQ(h.ops[3].second.own_floor, write.version.stamp);
  EXPECT_EQ(h.ops[4].second.own_floor, 0u) << "member 1 was sent no write";
}

// Under kQuorum a write its member answered is still resent until a majority applied it: a
// member that crashed before its gossip left applies it again after its restart.
TEST(CoordinatorResendTest, UnderQuorumAWriteIsResentUntilAcknowledged) {
  Harness h(3, AckPolicy::kQuorum, std::chrono::milliseconds(100));
  h.request({"SET", "a", "1"});
  h.answer(0);
  h.now = h.now + std::chrono::milliseconds(100);
  h.run(ResendTimer{});
  ASSERT_EQ(h.ops.size(), 5u) << "the write, and a notice to each member";
  EXPECT_EQ(h.ops[1].second.write_seq, h.ops[0].second.write_seq);
  for (size_t i = 1; i < 5; ++i) {
    EXPECT_EQ(h.ops[i].second.own_floor, 0u) << "nothing is given up under quorum";
  }
  h.answer(1);  // answered again: counted once
  EXPECT_EQ(h.client, "");
  h.applied(2, 0);
  EXPECT_EQ(h.client, "+OK\r\n");
  h.now = h.now + std::chrono::milliseconds(100);
  h.ops.clear();
  h.run(ResendTimer{});
  EXPECT_EQ(h.ops.size(), 3u) << "acknowledged: no longer resent (only the notices)";
}

// The notices a resend tick sent, by member: (stable stamp, incarnation named).
using Notice = std::pair<uint64_t, uint64_t>;
std::vector<Notice> notices(Harness& h) {
  h.ops.clear();
  h.run(ResendTimer{});
  std::vector<Notice> out(3);
  for (const auto& [member, op] : h.ops) {
    if (op.kind == OpKind::kFloor) out.at(member.raw) = {op.stable, op.incarnation};
  }
  return out;
}

TEST(CoordinatorTest, TheStableStampIsTheLowestMarkOfEveryMembersCurrentRun) {
  Harness h(3, AckPolicy::kLocal, std::chrono::milliseconds(10));
  for (const char* key : {"a", "b", "c"}) h.request({"SET", key, "v"});
  std::vector<Version> written;
  for (const auto& [member, op] : h.ops) written.push_back(op.version);
  ASSERT_EQ(written.size(), 3u);
  // Until every member has reported, nothing is stable.
  h.run(MemberMarks{0, 5, written});
  h.run(MemberMarks{1, 5, written});
  EXPECT_THAT(notices(h), ElementsAre(Notice(0, 5), Notice(0, 5), Notice(0, 0)));
  // Member 2 has applied only the first write: nothing is known of the second one's origin.
  h.run(MemberMarks{2, 9, {written[0]}});
  EXPECT_THAT(notices(h), ElementsAre(Notice(0, 5), Notice(0, 5), Notice(0, 9)));
  // Once member 2 has them all, every write so far is stable.
  h.run(MemberMarks{2, 9, written});
  const uint64_t last = written[2].stamp;
  EXPECT_EQ(notices(h)[2], Notice(last, 9));
  // A new run of member 0 is greeted at once; its earlier run's marks stop counting, so a new
  // write to it is not stable until that run reports it, and S never goes back.
  h.ops.clear();
  h.run(MemberMarks{0, 20, {}});
  ASSERT_EQ(h.ops.size(), 1u);
  EXPECT_EQ(h.ops[0].second.kind, OpKind::kFloor);
  EXPECT_EQ(h.ops[0].second.incarnation, 20u);
  h.run(MemberMarks{0, 5, written});  // late news from the earlier run: ignored
  h.request({"SET", "d", "v"});
  const Version fourth = h.ops.back().second.version;
  EXPECT_EQ(notices(h)[0], Notice(last, 20));
  for (uint32_t m = 1; m < 3; ++m) h.run(MemberMarks{m, m == 1 ? 5u : 9u, {fourth}});
  EXPECT_EQ(notices(h)[0], Notice(last, 20));  // member 0's run has not reported it
  h.run(MemberMarks{0, 20, {fourth}});
  EXPECT_EQ(notices(h)[1], Notice(last, 5)) << "nor has it reported the other origins' writes";
  h.run(MemberMarks{0, 20, {written[1], written[2]}});
  EXPECT_EQ(notices(h)[1], Notice(fourth.stamp, 5));
}

}  // namespace
}  // namespace eddy::kvs

namespace eddy::kvs {
namespace {

constexpr Duration kResend = std::chrono::milliseconds(100);

// Members 0 and 2 speak (a marks report) at the harness's time; member 1 stays silent.
void only_members_0_and_2_report(Harness& h) {
  h.run(MemberMarks{0, 1, {}});
  h.run(MemberMarks{2, 1, {}});
}

TEST(CoordinatorDownTest, NewOpsGoAroundAMemberThatStoppedReportingAndBackWhenItSpeaks) {
  Harness h(3, AckPolicy::kLocal, kResend);
  h.run(ResendTimer{});  // The coordinator starts.
  h.now = h.now + 3 * kResend;
  only_members_0_and_2_report(h);
  EXPECT_FALSE(h.coordinator.member_up(1, h.now));
  const size_t before = h.ops.size();
  for (const char* key : {"a", "b", "c", "d"}) h.request({"SET", key, "v"});
  std::vector<uint32_t> members;
  for (size_t i = before; i < h.ops.size(); ++i) members.push_back(h.ops[i].first.raw);
  EXPECT_THAT(members, ElementsAre(0, 2, 0, 2));
  h.run(MemberMarks{1, 1, {}});
  EXPECT_TRUE(h.coordinator.member_up(1, h.now));
  h.request({"GET", "a"});
  h.request({"GET", "b"});
  h.request({"GET", "c"});
  members.clear();
  for (size_t i = h.ops.size() - 3; i < h.ops.size(); ++i) members.push_back(h.ops[i].first.raw);
  EXPECT_THAT(members, ElementsAre(0, 1, 2));
}

TEST(CoordinatorDownTest, AnOpSentToAMemberThatWentDownStaysWithIt) {
  Harness h(3, AckPolicy::kLocal, kResend);
  h.request({"SET", "a", "1"});
  ASSERT_EQ(h.ops.back().first, MemberId{0});
  h.now = h.now + 3 * kResend;
  only_members_0_and_2_report(h);
  h.run(MemberMarks{1, 1, {}});
  h.now = h.now + 3 * kResend;
  h.run(MemberMarks{1, 1, {}});
  h.run(MemberMarks{2, 1, {}});
  ASSERT_FALSE(h.coordinator.member_up(0, h.now));
  const size_t before = h.ops.size();
  h.run(ResendTimer{});
  size_t resent = 0;
  for (size_t i = before; i < h.ops.size(); ++i) {
    if (h.ops[i].second.kind == OpKind::kFloor) continue;
    ++resent;
    EXPECT_EQ(h.ops[i].first, MemberId{0}) << "resent to the member it was sent to";
  }
  EXPECT_EQ(resent, 1u);
}

TEST(CoordinatorDownTest, WithoutResendingEveryMemberCountsAsUp) {
  Harness h(3);
  h.request({"GET", "a"});
  h.now = h.now + std::chrono::hours(1);
  EXPECT_TRUE(h.coordinator.member_up(1, h.now));
}

}  // namespace
}  // namespace eddy::kvs

namespace eddy::kvs {
namespace {

TEST(CoordinatorDownTest, EddyMembersAnswersForAMemberThatIsDownAndGetFromWaitsForIt) {
  Harness h(3, AckPolicy::kLocal, std::chrono::milliseconds(100));
  h.run(ResendTimer{});
  h.now = h.now + 3 * std::chrono::milliseconds(100);
  h.run(MemberMarks{0, 1, {}});
  h.run(MemberMarks{2, 1, {}});
  const size_t before = h.ops.size();
  h.request({"EDDY.MEMBERS"});
  std::vector<uint32_t> asked;
  for (size_t i = before; i < h.ops.size(); ++i) asked.push_back(h.ops[i].first.raw);
  EXPECT_THAT(asked, ElementsAre(0, 2)) << "member 1 is not asked";
  h.answer(before, {}, 4);
  h.answer(before + 1, {}, 4);
  EXPECT_THAT(h.client, HasSubstr("*5\r\n:1\r\n$-1\r\n$-1\r\n:0\r\n$-1\r\n"));
  // EDDY.GETFROM names its member: it goes there, and waits (a busy member can look down).
  h.request({"EDDY.GETFROM", "1", "k"});
  EXPECT_EQ(h.ops.back().first, MemberId{1});
}

TEST(CoordinatorDownTest, AnEddyMembersWaitingOnAMemberThatWentDownIsAnsweredAtTheResend) {
  Harness h(3, AckPolicy::kLocal, std::chrono::milliseconds(100));
  h.request({"EDDY.MEMBERS"});
  ASSERT_EQ(h.ops.size(), 3u);
  h.answer(0, {}, 1);
  h.answer(2, {}, 1);
  EXPECT_EQ(h.client, "");
  h.now = h.now + 3 * std::chrono::milliseconds(100);
  h.run(MemberMarks{0, 1, {}});
  h.run(MemberMarks{2, 1, {}});
  h.run(ResendTimer{});
  EXPECT_THAT(h.client, HasSubstr("*5\r\n:1\r\n$-1\r\n$-1\r\n:0\r\n$-1\r\n"));
  // Its answer, late, changes nothing.
  const std::string answered = h.client;
  h.answer(1, {}, 1);
  EXPECT_EQ(h.client, answered);
}

}  // namespace
}  // namespace eddy::kvs

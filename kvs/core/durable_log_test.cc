// The write-ahead log: record framing, torn and corrupt tails, compacting recovery, the file
// writer's sync policies.
#include "kvs/core/durable_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "kvs/core/value_model.h"

namespace eddy::kvs {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

Write<LwwModel> put(const std::string& key, const std::string& bytes, Version version) {
  return Write<LwwModel>{key, LwwModel::write(bytes, version, nullptr), version};
}

std::string live_value(const Write<LwwModel>& w) {
  MemberReply reply;
  LwwModel::read(w.value, &reply);
  return reply.values.empty() ? "(none)" : reply.values[0];
}

std::string two_records() {
  std::string log;
  append_record("first", &log);
  append_record("second record", &log);
  return log;
}

TEST(WalTest, Crc32cMatchesTheCastagnoliCheckValue) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c("56789", crc32c("1234")), 0xE3069283u) << "continues from a prefix's crc";
}

TEST(WalTest, RecordsRoundTrip) {
  std::string log = two_records();
  append_record("", &log);
  const DecodedLog decoded = decode_log(log);
  EXPECT_THAT(decoded.records, ElementsAre("first", "second record", ""));
  EXPECT_EQ(decoded.valid_bytes, log.size());
  EXPECT_THAT(decoded.problem, IsEmpty());
}

TEST(WalTest, ATornTailIsIgnoredAndReported) {
  const std::string log = two_records();
  const size_t first = 8 + 5;
  for (size_t cut = first + 1; cut < log.size(); ++cut) {
    const DecodedLog decoded = decode_log(std::string_view(log).substr(0, cut));
    EXPECT_THAT(decoded.records, ElementsAre("first")) << "cut at " << cut;
    EXPECT_EQ(decoded.valid_bytes, first);
    EXPECT_THAT(decoded.problem, HasSubstr("torn record")) << "cut at " << cut;
  }
}

TEST(WalTest, ACorruptRecordEndsTheLog) {
  std::string log = two_records();
  append_record("third", &log);
  log[8 + 5 + 8 + 3] ^= 0x01;  // a payload byte of the second record
  const DecodedLog decoded = decode_log(log);
  EXPECT_THAT(decoded.records, ElementsAre("first")) << "nothing after a bad record is trusted";
  EXPECT_THAT(decoded.problem, HasSubstr("checksum mismatch in the record at byte 13"));

  std::string bad_length = two_records();
  bad_length[8 + 5] ^= 0x01;  // the second record's length: covered by the checksum too
  EXPECT_THAT(decode_log(bad_length).records, ElementsAre("first"));
  EXPECT_THAT(decode_log(bad_length).problem, Not(IsEmpty()));
}

TEST(DurableLogTest, RecoveryMergesEachKeysRecordsAndKeepsEachOriginsHighestVersion) {
  std::string log;
  append_write_record(put("a", "a1", Version{0, 10}), &log);
  append_write_record(put("b", "b1", Version{1, 11}), &log);
  append_write_record(put("a", "a2", Version{1, 12}), &log);
  append_write_record(put("c", "c1", Version{}), &log);      // a repair: no version
  append_write_record(put("b", "b0", Version{0, 5}), &log);  // older than b1: loses the merge
  const RecoveredWrites<LwwModel> r = recover_writes<LwwModel>(log);
  EXPECT_EQ(r.records, 5u);
  EXPECT_EQ(r.keys, 3u);
  EXPECT_THAT(r.problem, IsEmpty());
  std::vector<std::string> got;
  for (const auto& w : r.writes) {
    got.push_back(w.key + "=" + live_value(w) + "@" + std::to_string(w.version.origin) + ":" +
                  std::to_string(w.version.stamp));
  }
  EXPECT_THAT(got, ElementsAre("a=a2@0:0", "b=b1@0:0", "c=c1@0:0",
                               "a=a2@0:10",    // origin 0's highest (a's value as merged)
                               "a=a2@1:12"));  // origin 1's highest
}

TEST(DurableLogTest, RecoveryStopsAtARecordThatDoesNotDecode) {
  std::string log;
  append_write_record(put("a", "a1", Version{0, 10}), &log);
  append_record("not a write", &log);  // a valid frame with a payload that is not a Write
  append_write_record(put("b", "b1", Version{0, 11}), &log);
  const RecoveredWrites<LwwModel> r = recover_writes<LwwModel>(log);
  EXPECT_EQ(r.records, 1u);
  EXPECT_THAT(r.problem, HasSubstr("record 1 does not decode"));
  ASSERT_EQ(r.writes.size(), 2u);
  EXPECT_EQ(r.writes[1].version, (Version{0, 10})) << "no mark beyond the last good record";
}

class WalFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/eddy-wal-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string contents() { return *read_whole_file(wal_path(dir_, 3)); }

  std::string dir_;
  Instant t0_{std::chrono::seconds(100)};
};

TEST_F(WalFileTest, AMissingLogReadsAsEmpty) {
  absl::StatusOr<std::string> bytes = read_whole_file(wal_path(dir_, 9));
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_THAT(*bytes, IsEmpty());
}

TEST_F(WalFileTest, TheFirstWriteReplacesTheOldLogAndLaterOnesAppend) {
  {
    WalWriter old(wal_path(dir_, 3), FsyncPolicy::kAlways, std::chrono::seconds(1));
    ASSERT_TRUE(old.write(t0_, "old contents").ok());
    ASSERT_TRUE(old.write(t0_, "+more").ok());
  }
  EXPECT_EQ(contents(), "old contents+more");
  WalWriter writer(wal_path(dir_, 3), FsyncPolicy::kAlways, std::chrono::seconds(1));
  ASSERT_TRUE(writer.write(t0_, "recovered").ok());
  ASSERT_TRUE(writer.write(t0_, "+new").ok());
  EXPECT_EQ(contents(), "recovered+new");
  EXPECT_FALSE(std::filesystem::exists(wal_path(dir_, 3) + ".tmp"));
}

TEST_F(WalFileTest, AlwaysSyncsEveryWriteNeverSyncsNone) {
  WalWriter always(wal_path(dir_, 3), FsyncPolicy::kAlways, std::chrono::seconds(1));
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(always.write(t0_, "x").ok());
  EXPECT_EQ(always.syncs(), 4u);
  WalWriter never(wal_path(dir_, 4), FsyncPolicy::kNever, std::chrono::seconds(1));
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(never.write(t0_, "x").ok());
  ASSERT_TRUE(never.on_timer(t0_ + std::chrono::seconds(5)).ok());
  EXPECT_EQ(never.syncs(), 1u) << "only the first write's replace syncs";
}

TEST_F(WalFileTest, EverysecSyncsOnceTheIntervalPassedOrWhenTheTimerFindsUnsyncedWrites) {
  const Duration second = std::chrono::seconds(1);
  WalWriter writer(wal_path(dir_, 3), FsyncPolicy::kInterval, second);
  ASSERT_TRUE(writer.write(t0_, "a").ok());
  EXPECT_EQ(writer.syncs(), 1u);
  ASSERT_TRUE(writer.write(t0_ + second / 2, "b").ok());
  EXPECT_EQ(writer.syncs(), 1u) << "within the interval: not yet";
  ASSERT_TRUE(writer.write(t0_ + second, "c").ok());
  EXPECT_EQ(writer.syncs(), 2u) << "the interval passed";
  ASSERT_TRUE(writer.on_timer(t0_ + second + second / 4).ok());
  EXPECT_EQ(writer.syncs(), 2u) << "nothing unsynced";
  ASSERT_TRUE(writer.write(t0_ + second + second / 2, "d").ok());
  ASSERT_TRUE(writer.on_timer(t0_ + second + second / 2).ok());
  EXPECT_EQ(writer.syncs(), 3u) << "the timer syncs what the last write left";
}

}  // namespace
}  // namespace eddy::kvs

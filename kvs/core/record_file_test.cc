// record_file: the CRC-32C check value, record framing round trips, torn and corrupt tails, and
// the file helpers.
#include "kvs/core/record_file.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <string_view>

namespace eddy::kvs {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string two_records() {
  std::string bytes;
  append_record("first", &bytes);
  append_record("second record", &bytes);
  return bytes;
}

// The Castagnoli check value: the framing is the one kvs/core/wal.h and the cluster-state store
// (kvs/cluster_state/persistence.h) both write.
TEST(RecordFileTest, Crc32cMatchesTheCastagnoliCheckValue) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c("6789", crc32c("12345")), 0xE3069283u) << "continues from a prefix's crc";
  EXPECT_EQ(crc32c(""), 0u);
}

TEST(RecordFileTest, RecordsRoundTrip) {
  std::string bytes = two_records();
  append_record("", &bytes);
  EXPECT_EQ(bytes.size(), 3 * kRecordHeaderBytes + 5 + 13);
  const DecodedRecords decoded = decode_records(bytes);
  EXPECT_THAT(decoded.records, ElementsAre("first", "second record", ""));
  EXPECT_EQ(decoded.valid_bytes, bytes.size());
  EXPECT_THAT(decoded.problem, IsEmpty());
}

TEST(RecordFileTest, EmptyInputHasNoRecordsAndNoProblem) {
  const DecodedRecords decoded = decode_records("");
  EXPECT_THAT(decoded.records, IsEmpty());
  EXPECT_EQ(decoded.valid_bytes, 0u);
  EXPECT_THAT(decoded.problem, IsEmpty());
}

TEST(RecordFileTest, ATornTailEndsTheRunAfterTheLastWholeRecord) {
  const std::string bytes = two_records();
  const size_t first = kRecordHeaderBytes + 5;
  for (size_t cut = first + 1; cut < bytes.size(); ++cut) {
    const DecodedRecords decoded = decode_records(std::string_view(bytes).substr(0, cut));
    EXPECT_THAT(decoded.records, ElementsAre("first")) << "cut at " << cut;
    EXPECT_EQ(decoded.valid_bytes, first) << "cut at " << cut;
    EXPECT_THAT(decoded.problem, HasSubstr("torn record")) << "cut at " << cut;
    EXPECT_THAT(decoded.problem, HasSubstr("at byte 13")) << "cut at " << cut;
  }
}

TEST(RecordFileTest, AChecksumMismatchEndsTheRunBeforeTheDamagedRecord) {
  std::string bytes = two_records();
  append_record("third", &bytes);
  const size_t first = kRecordHeaderBytes + 5;
  bytes[first + kRecordHeaderBytes + 2] ^= 0x01;  // Inside the second payload.
  const DecodedRecords decoded = decode_records(bytes);
  EXPECT_THAT(decoded.records, ElementsAre("first"));
  EXPECT_EQ(decoded.valid_bytes, first);
  EXPECT_EQ(decoded.problem, "checksum mismatch in the record at byte 13");
}

TEST(RecordFileTest, ADamagedLengthEndsTheRun) {
  std::string bytes = two_records();
  bytes[kRecordHeaderBytes + 5] ^= 0x01;  // The second record's length: 13 -> 12.
  const DecodedRecords decoded = decode_records(bytes);
  EXPECT_THAT(decoded.records, ElementsAre("first"));
  EXPECT_EQ(decoded.valid_bytes, kRecordHeaderBytes + 5);
  EXPECT_THAT(decoded.problem, HasSubstr("checksum mismatch"));
}

TEST(RecordFileTest, ParentDirOfAPath) {
  EXPECT_EQ(parent_dir("/data/store/log"), "/data/store");
  EXPECT_EQ(parent_dir("/log"), "/");
  EXPECT_EQ(parent_dir("log"), ".");
  EXPECT_EQ(parent_dir("data/log"), "data");
}

TEST(RecordFileTest, WrittenBytesReadBackAndAMissingFileIsNotFound) {
  std::string dir = (std::filesystem::path(::testing::TempDir()) / "records_XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir.data()), nullptr) << dir;
  const std::string path = dir + "/records";
  EXPECT_TRUE(absl::IsNotFound(read_file(path).status())) << read_file(path).status();

  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  const std::string bytes = two_records();
  EXPECT_TRUE(write_all(fd, bytes, path).ok());
  ::close(fd);
  EXPECT_TRUE(sync_dir(dir).ok());
  absl::StatusOr<std::string> read = read_file(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, bytes);

  const absl::Status missing_dir = sync_dir(dir + "/missing");
  EXPECT_TRUE(absl::IsInternal(missing_dir)) << missing_dir;
  EXPECT_THAT(std::string(missing_dir.message()), HasSubstr(dir + "/missing"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace eddy::kvs

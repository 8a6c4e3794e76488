// ClusterStateStore: reopening restores the replica exactly (and it issues fresh dots), a torn
// or corrupt log tail ends recovery, a checkpoint interrupted at any step leaves a readable
// state, and the fsync and checkpoint policies.
#include "kvs/cluster_state/persistence.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "kvs/cluster_state/cluster_state.h"
#include "kvs/cluster_state/delta.h"
#include "kvs/core/record_file.h"

namespace eddy::kvs {
namespace {

namespace fs = std::filesystem;

// A fresh directory under the test temp dir, removed (with its contents) at the end.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::path(::testing::TempDir()) / "cluster_state_XXXXXX").string();
    EXPECT_NE(::mkdtemp(pattern.data()), nullptr) << pattern;
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

NodeInfo worker(const std::string& id, std::set<std::string> capabilities = {}) {
  NodeInfo node;
  node.node_id = id;
  node.address = id + ":7000";
  node.resources.cpu_count = 8;
  node.capabilities = std::move(capabilities);
  return node;
}

TaskSpec task(const std::string& id) {
  TaskSpec spec;
  spec.task_id = id;
  spec.task_type = "render";
  spec.parameters = {{"frames", "1-10"}};
  return spec;
}

// Every row, tombstone, the version vector and the clock: equal bytes, equal replicas.
std::string full_bytes(const ClusterState& replica) { return encode_delta(replica.snapshot()); }

// As full_bytes, without the sender and clock (to compare two different replicas).
std::string state_bytes(const ClusterState& replica) {
  Delta all = replica.snapshot();
  all.sender.clear();
  all.clock = Stamp{};
  return encode_delta(all);
}

std::unique_ptr<ClusterStateStore> open_store(const std::string& dir, const std::string& id,
                                              ClusterStateStoreOptions options = {}) {
  absl::StatusOr<std::unique_ptr<ClusterStateStore>> store =
      ClusterStateStore::open(dir, id, options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

// Runs one operation through the store, expecting it to succeed and be logged.
void run(ClusterStateStore& store, TimeMs now, const std::function<OpResult(ClusterState&)>& op) {
  absl::StatusOr<OpResult> result = store.update(now, op);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_TRUE(result->ok()) << *result;
}

// A few operations over every table, and a delta from another replica.
void populate(ClusterStateStore& store) {
  run(store, 10, [](ClusterState& s) { return s.configure_cluster("c1", "a", 10); });
  run(store, 11, [](ClusterState& s) { return s.register_node(worker("n1", {"gpu"}), 11); });
  run(store, 12, [](ClusterState& s) { return s.add_task(task("t1"), 12); });
  run(store, 13, [](ClusterState& s) { return s.assign_task("t1", "n1", 13); });
  run(store, 14, [](ClusterState& s) { return s.add_content("cid1", 100, 2, 14); });
  run(store, 15, [](ClusterState& s) { return s.add_content_provider("cid1", "n1", 15); });
  ClusterState other("b");
  ASSERT_TRUE(other.register_node(worker("n2"), 20).ok());
  absl::StatusOr<ApplyResult> applied = store.apply(other.delta_since({}), 21);
  ASSERT_TRUE(applied.ok()) << applied.status();
  run(store, 22, [](ClusterState& s) { return s.remove_node("n2", 22); });
}

TEST(ClusterStateStoreTest, ReopenRestoresStateVersionVectorAndClock) {
  TempDir dir;
  std::string before;
  ClusterSnapshot state;
  {
    auto store = open_store(dir.path(), "a");
    ASSERT_NE(store, nullptr);
    EXPECT_FALSE(store->recovery().snapshot_loaded);
    populate(*store);
    before = full_bytes(store->state());
    state = store->state().get_state();
  }
  auto store = open_store(dir.path(), "a");
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->recovery().log_records, 8u);
  EXPECT_EQ(store->recovery().warning, "");
  EXPECT_EQ(store->state().get_state(), state);
  EXPECT_EQ(store->state().version_vector(), state.version);
  EXPECT_EQ(full_bytes(store->state()), before);
}

TEST(ClusterStateStoreTest, ReopenAfterCheckpointRestoresSnapshotPlusLog) {
  TempDir dir;
  std::string before;
  {
    auto store = open_store(dir.path(), "a");
    populate(*store);
    ASSERT_TRUE(store->checkpoint(30).ok());
    EXPECT_EQ(store->log_bytes(), 0u);
    run(*store, 31, [](ClusterState& s) { return s.pin_content("cid1", 31); });
    before = full_bytes(store->state());
  }
  auto store = open_store(dir.path(), "a");
  EXPECT_TRUE(store->recovery().snapshot_loaded);
  EXPECT_EQ(store->recovery().log_records, 1u);
  EXPECT_EQ(full_bytes(store->state()), before);
}

// A reused dot would hide the new change from a peer that already counts that dot: the two
// replicas would never converge.
TEST(ClusterStateStoreTest, ReopenedReplicaIssuesFreshDots) {
  for (bool checkpoint : {false, true}) {
    SCOPED_TRACE(checkpoint ? "with a checkpoint" : "log only");
    TempDir dir;
    ClusterState peer("c");
    uint64_t counter = 0;
    {
      auto store = open_store(dir.path(), "a");
      populate(*store);
      peer.apply(store->state().delta_since(peer.version_vector()));
      if (checkpoint) {
        ASSERT_TRUE(store->checkpoint(40).ok());
      }
      counter = store->state().version_vector().get("a");
    }
    auto store = open_store(dir.path(), "a");
    run(*store, 50, [](ClusterState& s) { return s.register_node(worker("n3", {"ssd"}), 50); });
    run(*store, 51, [](ClusterState& s) { return s.add_content_provider("cid1", "n3", 51); });
    EXPECT_EQ(store->state().version_vector().get("a"), counter + 2);
    peer.apply(store->state().delta_since(peer.version_vector()));
    ASSERT_TRUE(store->apply(peer.delta_since(store->state().version_vector()), 52).ok());
    EXPECT_EQ(state_bytes(peer), state_bytes(store->state()));
    const ClusterSnapshot seen = peer.get_state();
    ASSERT_EQ(seen.nodes.count("n3"), 1u);
    EXPECT_EQ(seen.nodes.at("n3").capabilities, std::set<std::string>{"ssd"});
    EXPECT_EQ(seen.content.at("cid1").providers, (std::set<std::string>{"n1", "n3"}));
  }
}

TEST(ClusterStateStoreTest, RejectedOperationOrStaleDeltaLogsNothing) {
  TempDir dir;
  auto store = open_store(dir.path(), "a");
  populate(*store);
  const uint64_t bytes = store->log_bytes();
  absl::StatusOr<OpResult> result =
      store->update(60, [](ClusterState& s) { return s.assign_task("t1", "nobody", 60); });
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->code(), OpCode::kNotFound);
  ClusterState other("b");
  ASSERT_TRUE(other.register_node(worker("n2"), 20).ok());
  ASSERT_TRUE(store->apply(other.delta_since({}), 61).ok());  // Already applied by populate.
  EXPECT_EQ(store->log_bytes(), bytes);
}

// Cutting the log anywhere inside its last record loses exactly that record.
TEST(ClusterStateStoreTest, TornLastRecordEndsRecoveryAtEveryOffset) {
  TempDir dir;
  std::string expected, log;
  uint64_t good = 0;
  {
    auto store = open_store(dir.path(), "a");
    populate(*store);
    expected = full_bytes(store->state());
    good = store->log_bytes();
    run(*store, 70, [](ClusterState& s) { return s.touch_content("cid1", 70); });
    log = read_bytes(dir.file(ClusterStateStore::kLogFile));
  }
  ASSERT_GT(log.size(), good);
  for (size_t cut = good; cut < log.size(); ++cut) {
    SCOPED_TRACE(cut);
    TempDir copy;
    write_bytes(copy.file(ClusterStateStore::kLogFile), log.substr(0, cut));
    auto store = open_store(copy.path(), "a");
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(full_bytes(store->state()), expected);
    EXPECT_EQ(store->recovery().log_records, 8u);
    EXPECT_EQ(store->recovery().dropped_bytes, cut - good);
    EXPECT_EQ(store->recovery().warning.empty(), cut == good) << store->recovery().warning;
    EXPECT_EQ(read_bytes(copy.file(ClusterStateStore::kLogFile)).size(), good);
  }
}

// After a torn tail is cut off, new records follow the good ones and survive a reopen.
TEST(ClusterStateStoreTest, RecordsAfterACutTailSurvive) {
  TempDir dir;
  std::string log;
  {
    auto store = open_store(dir.path(), "a");
    populate(*store);
    log = read_bytes(dir.file(ClusterStateStore::kLogFile));
  }
  write_bytes(dir.file(ClusterStateStore::kLogFile), log.substr(0, log.size() - 3));
  std::string expected;
  {
    auto store = open_store(dir.path(), "a");
    EXPECT_EQ(store->recovery().log_records, 7u);
    run(*store, 80, [](ClusterState& s) { return s.pin_content("cid1", 80); });
    expected = full_bytes(store->state());
  }
  auto store = open_store(dir.path(), "a");
  EXPECT_EQ(store->recovery().log_records, 8u);
  EXPECT_EQ(store->recovery().warning, "");
  EXPECT_EQ(full_bytes(store->state()), expected);
}

TEST(ClusterStateStoreTest, CorruptRecordInTheMiddleEndsRecoveryBeforeIt) {
  TempDir dir;
  std::string after_two;
  uint64_t two_records = 0;
  {
    auto store = open_store(dir.path(), "a");
    run(*store, 1, [](ClusterState& s) { return s.register_node(worker("n1"), 1); });
    run(*store, 2, [](ClusterState& s) { return s.register_node(worker("n2"), 2); });
    after_two = full_bytes(store->state());
    two_records = store->log_bytes();
    run(*store, 3, [](ClusterState& s) { return s.register_node(worker("n3"), 3); });
    run(*store, 4, [](ClusterState& s) { return s.register_node(worker("n4"), 4); });
  }
  const std::string path = dir.file(ClusterStateStore::kLogFile);
  std::string log = read_bytes(path);
  log[two_records + kRecordHeaderBytes + 5] ^= 0x40;  // Inside the third payload.
  write_bytes(path, log);
  auto store = open_store(dir.path(), "a");
  EXPECT_EQ(store->recovery().log_records, 2u);
  EXPECT_EQ(store->recovery().dropped_bytes, log.size() - two_records);
  EXPECT_NE(store->recovery().warning.find("checksum mismatch"), std::string::npos)
      << store->recovery().warning;
  EXPECT_EQ(full_bytes(store->state()), after_two);
}

TEST(ClusterStateStoreTest, HalfWrittenSnapshotTmpIsIgnored) {
  TempDir dir;
  std::string expected;
  {
    auto store = open_store(dir.path(), "a");
    populate(*store);
    ASSERT_TRUE(store->checkpoint(30).ok());
    run(*store, 31, [](ClusterState& s) { return s.unpin_content("cid1", 31); });
    expected = full_bytes(store->state());
  }
  const std::string snapshot = read_bytes(dir.file(ClusterStateStore::kSnapshotFile));
  write_bytes(dir.file(ClusterStateStore::kSnapshotTmpFile), snapshot.substr(0, 20));
  auto store = open_store(dir.path(), "a");
  EXPECT_TRUE(store->recovery().removed_stale_tmp);
  EXPECT_FALSE(fs::exists(dir.file(ClusterStateStore::kSnapshotTmpFile)));
  EXPECT_EQ(full_bytes(store->state()), expected);
}

// A crash after the rename but before the log is emptied: the stale records replay as no-ops.
TEST(ClusterStateStoreTest, SnapshotRenamedButLogNotTruncatedGivesTheSameState) {
  TempDir dir;
  std::string expected;
  {
    auto store = open_store(dir.path(), "a");
    populate(*store);
    const std::string stale_log = read_bytes(dir.file(ClusterStateStore::kLogFile));
    ASSERT_TRUE(store->checkpoint(30).ok());
    expected = full_bytes(store->state());
    store.reset();
    write_bytes(dir.file(ClusterStateStore::kLogFile), stale_log);
  }
  auto store = open_store(dir.path(), "a");
  EXPECT_TRUE(store->recovery().snapshot_loaded);
  EXPECT_EQ(store->recovery().log_records, 8u);
  EXPECT_EQ(full_bytes(store->state()), expected);
}

TEST(ClusterStateStoreTest, CorruptSnapshotIsDataLoss) {
  TempDir dir;
  {
    auto store = open_store(dir.path(), "a");
    populate(*store);
    ASSERT_TRUE(store->checkpoint(30).ok());
  }
  const std::string path = dir.file(ClusterStateStore::kSnapshotFile);
  std::string snapshot = read_bytes(path);
  for (const std::string& bad :
       {snapshot.substr(0, snapshot.size() - 1), snapshot + "x", std::string("garbage")}) {
    write_bytes(path, bad);
    absl::StatusOr<std::unique_ptr<ClusterStateStore>> store =
        ClusterStateStore::open(dir.path(), "a");
    ASSERT_FALSE(store.ok());
    EXPECT_TRUE(absl::IsDataLoss(store.status())) << store.status();
    EXPECT_NE(store.status().message().find(path), std::string::npos) << store.status();
  }
}

TEST(ClusterStateStoreTest, SnapshotOfAnotherReplicaIsRefused) {
  TempDir dir;
  {
    auto store = open_store(dir.path(), "a");
    populate(*store);
    ASSERT_TRUE(store->checkpoint(30).ok());
  }
  absl::StatusOr<std::unique_ptr<ClusterStateStore>> store =
      ClusterStateStore::open(dir.path(), "b");
  EXPECT_TRUE(absl::IsFailedPrecondition(store.status())) << store.status();
}

TEST(ClusterStateStoreTest, OpenCreatesAMissingDirectory) {
  TempDir dir;
  const std::string nested = dir.file("data");
  auto store = open_store(nested + "/", "a");
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->dir(), nested);
  EXPECT_TRUE(fs::is_directory(nested));
  EXPECT_TRUE(fs::exists(nested + "/log"));
}

TEST(ClusterStateStoreTest, ParsesFsyncPolicies) {
  using Mode = StoreFsync::Mode;
  struct Case {
    std::string text;
    Mode mode;
    TimeMs interval_ms;
  };
  for (const Case& c : std::vector<Case>{{"always", Mode::kAlways, 1000},
                                         {"everysec", Mode::kInterval, 1000},
                                         {"250ms", Mode::kInterval, 250},
                                         {"no", Mode::kNever, 1000},
                                         {"never", Mode::kNever, 1000}}) {
    absl::StatusOr<StoreFsync> parsed = parse_store_fsync(c.text);
    ASSERT_TRUE(parsed.ok()) << c.text << ": " << parsed.status();
    EXPECT_EQ(parsed->mode, c.mode) << c.text;
    EXPECT_EQ(parsed->interval_ms, c.interval_ms) << c.text;
    EXPECT_EQ(parse_store_fsync(to_string(*parsed)).value(), *parsed) << c.text;
  }
  for (const char* bad : {"", "0ms", "-5ms", "ms", "10", "10 ms", "1.5ms", "sometimes", "ALWAYS"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(parse_store_fsync(bad).status())) << bad;
  }
}

TEST(ClusterStateStoreTest, FsyncPolicyDecidesWhenTheLogSyncs) {
  auto register_at = [](ClusterStateStore& store, const std::string& id, TimeMs now) {
    run(store, now, [&](ClusterState& s) { return s.register_node(worker(id), now); });
  };
  TempDir dir;
  ClusterStateStoreOptions options;
  options.fsync = parse_store_fsync("always").value();
  auto always = open_store(dir.file("always"), "a", options);
  register_at(*always, "n1", 1);
  EXPECT_EQ(always->syncs(), 1u);
  EXPECT_EQ(always->unsynced_bytes(), 0u);

  options.fsync = parse_store_fsync("never").value();
  auto never = open_store(dir.file("never"), "a", options);
  register_at(*never, "n1", 1);
  ASSERT_TRUE(never->sync_if_due(1'000'000).ok());
  EXPECT_EQ(never->syncs(), 0u);
  EXPECT_EQ(never->unsynced_bytes(), never->log_bytes());

  options.fsync = parse_store_fsync("100ms").value();
  auto interval = open_store(dir.file("interval"), "a", options);
  register_at(*interval, "n1", 1000);  // The first record starts the interval.
  EXPECT_EQ(interval->syncs(), 1u);
  register_at(*interval, "n2", 1050);
  EXPECT_EQ(interval->syncs(), 1u);
  EXPECT_GT(interval->unsynced_bytes(), 0u);
  ASSERT_TRUE(interval->sync_if_due(1099).ok());
  EXPECT_EQ(interval->syncs(), 1u);
  ASSERT_TRUE(interval->sync_if_due(1100).ok());
  EXPECT_EQ(interval->syncs(), 2u);
  EXPECT_EQ(interval->unsynced_bytes(), 0u);
  ASSERT_TRUE(interval->sync_if_due(5000).ok());  // Nothing new to sync.
  EXPECT_EQ(interval->syncs(), 2u);
}

TEST(ClusterStateStoreTest, MaybeCheckpointWaitsForTheIntervalAndNewRecords) {
  TempDir dir;
  ClusterStateStoreOptions options;
  options.checkpoint_interval_ms = 1000;
  std::string expected;
  {
    auto store = open_store(dir.path(), "a", options);
    EXPECT_FALSE(store->maybe_checkpoint(0).value());  // Starts the interval.
    populate(*store);
    EXPECT_FALSE(store->maybe_checkpoint(999).value());
    EXPECT_TRUE(store->maybe_checkpoint(1000).value());
    EXPECT_EQ(store->log_bytes(), 0u);
    EXPECT_FALSE(store->maybe_checkpoint(5000).value());  // The log is empty.
    run(*store, 5001, [](ClusterState& s) { return s.touch_content("cid1", 5001); });
    EXPECT_FALSE(store->maybe_checkpoint(1999).value());
    EXPECT_TRUE(store->maybe_checkpoint(2000).value());
    expected = full_bytes(store->state());
  }
  auto store = open_store(dir.path(), "a", options);
  EXPECT_EQ(store->recovery().log_records, 0u);
  EXPECT_EQ(full_bytes(store->state()), expected);
}

}  // namespace
}  // namespace eddy::kvs

// The replicated records: tombstoned rows, atomic task progress, resolvers reaching the fields,
// the lattice laws on random rows, and the Cereal round trip of every record.
#include "kvs/cluster_state/records.h"

#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <string>

#include "cereal/archives/binary.hpp"
#include "kvs/cluster_state/testing.h"

namespace eddy::kvs {
namespace {

using eddy::testing::progress;
using eddy::testing::random_stamp;
using eddy::testing::uniform;

template <class T>
T round_trip(const T& value) {
  std::stringstream bytes;
  {
    cereal::BinaryOutputArchive out(bytes);
    out(value);
  }
  T back;
  cereal::BinaryInputArchive in(bytes);
  in(back);
  return back;
}

// A node row built from 0 to 5 random field writes.
NodeRecord random_node(std::mt19937_64& rng) {
  NodeRecord node;
  for (uint64_t n = uniform(rng, 6); n > 0; --n) {
    NodeRecord write;
    Stamp stamp = random_stamp(rng);
    switch (uniform(rng, 5)) {
      case 0:
        write.present.set(uniform(rng, 2) == 0, stamp);
        break;
      case 1:
        write.status.set(static_cast<NodeStatus>(uniform(rng, 3)), stamp);
        break;
      case 2:
        write.last_heartbeat.set(static_cast<TimeMs>(uniform(rng, 4)), stamp);
        break;
      case 3:
        write.capabilities.add(uniform(rng, 2) == 0 ? "gpu" : "ssd",
                               Dot{stamp.replica, 1 + uniform(rng, 3)});
        if (uniform(rng, 3) == 0) write.capabilities.clear();
        break;
      default:
        write.metadata.put("zone", std::to_string(uniform(rng, 2)), stamp);
        break;
    }
    node.merge(write, FieldResolvers());
  }
  return node;
}

TEST(NodeRecordTest, RemovedRowStaysRemovedWhenStaleFieldWritesArrive) {
  NodeRecord node;
  node.present.set(true, Stamp{1, 0, "a"});
  node.present.set(false, Stamp{10, 0, "a"});  // remove_node
  NodeRecord stale;                            // A heartbeat from a replica that missed it.
  stale.present.set(true, Stamp{1, 0, "a"});
  stale.last_heartbeat.set(11, Stamp{11, 0, "b"});
  node.merge(stale, FieldResolvers());
  EXPECT_FALSE(node.live());
  EXPECT_EQ(node.last_heartbeat.value(), 11);
}

TEST(NodeRecordTest, ReAddWithANewerStampBringsTheRowBack) {
  NodeRecord node;
  node.present.set(false, Stamp{10, 0, "a"});
  NodeRecord readd;
  readd.present.set(true, Stamp{12, 0, "b"});
  readd.address.set("h:1", Stamp{12, 0, "b"});
  EXPECT_TRUE(node.merge(readd, FieldResolvers()));
  EXPECT_TRUE(node.live());
  EXPECT_EQ(node.to_info("n1").address, "h:1");
}

TEST(NodeRecordTest, ToInfoShowsLiveCapabilitiesAndLabelsOnly) {
  NodeRecord node;
  node.capabilities.add("gpu", Dot{"a", 1});
  node.capabilities.add("ssd", Dot{"a", 1});
  node.capabilities.remove("ssd");
  node.metadata.put("zone", "eu", Stamp{1, 0, "a"});
  node.metadata.put("rack", "7", Stamp{1, 0, "a"});
  node.metadata.erase("rack", Stamp{2, 0, "a"});
  NodeInfo info = node.to_info("n1");
  EXPECT_EQ(info.node_id, "n1");
  EXPECT_EQ(info.capabilities, std::set<std::string>{"gpu"});
  EXPECT_EQ(info.metadata, (StringMap{{"zone", "eu"}}));
}

TEST(NodeRecordTest, MergeIsALatticeOnRandomRows) {
  std::mt19937_64 rng(41);
  eddy::testing::expect_lattice_laws<NodeRecord>(
      rng, random_node,
      [](NodeRecord a, const NodeRecord& b) {
        a.merge(b, FieldResolvers());
        return a;
      },
      2000);
}

TEST(TaskRecordTest, ProgressFieldsNeverMixFromTwoWrites) {
  TaskRecord on_a, on_b;
  on_a.progress.set(progress(TaskStatus::kRunning, "n1", 100), Stamp{5, 0, "a"});
  on_b.progress.set(progress(TaskStatus::kAssigned, "n2"), Stamp{5, 0, "b"});
  TaskRecord x = on_a, y = on_b;
  x.merge(on_b, FieldResolvers());
  y.merge(on_a, FieldResolvers());
  EXPECT_EQ(x, y);
  TaskInfo info = x.to_info("t");
  EXPECT_EQ(info.status, TaskStatus::kAssigned);
  EXPECT_EQ(info.assigned_node_id, "n2");
  EXPECT_EQ(info.start_time, 0);
}

TEST(TaskRecordTest, ResolverInstalledForProgressDecidesTheMerge) {
  FieldResolvers resolvers;
  resolvers.set<Field::kTaskProgress>(task_progress_by_status());
  TaskRecord completed, stale_running;
  completed.progress.set(progress(TaskStatus::kCompleted, "n1", 1, 2, "cid"), Stamp{5, 0, "a"});
  stale_running.progress.set(progress(TaskStatus::kRunning, "n1", 1), Stamp{9, 0, "b"});
  completed.merge(stale_running, resolvers);
  EXPECT_EQ(completed.to_info("t").status, TaskStatus::kCompleted);
  completed.merge(stale_running, FieldResolvers());
  EXPECT_EQ(completed.to_info("t").status, TaskStatus::kRunning);
}

TEST(RecordsTest, EveryRecordSurvivesACerealRoundTrip) {
  std::mt19937_64 rng(43);
  Row<NodeRecord> node{random_node(rng), VersionVector{{"a", 3}, {"b", 1}}};
  EXPECT_EQ(round_trip(node), node);

  TaskRecord task;
  task.present.set(true, Stamp{1, 0, "a"});
  task.parameters.set(StringMap{{"input", "cid1"}, {"n", "3"}}, Stamp{1, 0, "a"});
  task.requirements.set(TaskRequirements{1.5, 1024, 1}, Stamp{1, 0, "a"});
  task.progress.set(progress(TaskStatus::kFailed, "n1", 2, 3, "", "oom"), Stamp{3, 0, "b"});
  EXPECT_EQ(round_trip(task), task);

  ContentRecord content;
  content.present.set(true, Stamp{1, 0, "a"});
  content.size.set(77, Stamp{1, 0, "a"});
  content.providers.add("n1", Dot{"a", 1});
  content.providers.add("n2", Dot{"a", 2});
  content.providers.remove("n1");
  content.pin_status.set(PinStatus::kPinned, Stamp{2, 0, "a"});
  EXPECT_EQ(round_trip(content), content);

  MetadataRecord metadata;
  metadata.cluster_id.set("c", Stamp{1, 0, "a"});
  metadata.last_updated.merge(Max<TimeMs>(99));
  EXPECT_EQ(round_trip(metadata), metadata);
  EXPECT_EQ(round_trip(metadata).to_info(5).last_updated, 99);
}

TEST(TypesTest, NamesParseBackToTheirValues) {
  for (auto role : {NodeRole::kMaster, NodeRole::kWorker, NodeRole::kLeecher}) {
    EXPECT_EQ(parse_node_role(to_string(role)), role);
  }
  for (auto status : {TaskStatus::kPending, TaskStatus::kAssigned, TaskStatus::kRunning,
                      TaskStatus::kCompleted, TaskStatus::kFailed}) {
    EXPECT_EQ(parse_task_status(to_string(status)), status);
  }
  EXPECT_EQ(parse_node_status("draining"), NodeStatus::kDraining);
  EXPECT_EQ(parse_node_role("boss"), std::nullopt);
}

}  // namespace
}  // namespace eddy::kvs

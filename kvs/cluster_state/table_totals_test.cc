// TableTotals on its own: contributions moving between statuses and nodes, and a node's
// reserved cpu summed in task-id order whatever order the tasks came and went in.
#include "kvs/cluster_state/table_totals.h"

#include <gtest/gtest.h>

#include <string>

namespace eddy::kvs {
namespace {

TaskContribution assigned(const std::string& node, double cpu, uint64_t memory = 0) {
  TaskContribution c;
  c.live = true;
  c.status = TaskStatus::kAssigned;
  c.node_id = node;
  c.requirements.cpu = cpu;
  c.requirements.memory = memory;
  return c;
}

TEST(TableTotalsTest, ReservedCpuIsTheSumInTaskIdOrder) {
  TableTotals totals;
  const TaskContribution none;
  totals.update("t3", none, assigned("n", 0.3));
  totals.update("t1", none, assigned("n", 0.1));
  totals.update("t2", none, assigned("n", 0.2, 5));
  totals.update("t2", assigned("n", 0.2, 5), none);
  const NodeLoad load = totals.node_loads().at("n");
  // Subtracting 0.2 from 0.3 + 0.1 + 0.2 would leave 0.4000000000000001.
  EXPECT_EQ(load.reserved.cpu, 0.0 + 0.1 + 0.3);
  EXPECT_NE(0.3 + 0.1 + 0.2 - 0.2, 0.0 + 0.1 + 0.3);
  EXPECT_EQ(load.reserved.memory, 0u);
  EXPECT_EQ(load.tasks, 2u);
  EXPECT_EQ(totals.live_tasks(), 2u);
}

TEST(TableTotalsTest, ARunningTaskCountsOnItsNodeButReservesNothing) {
  TableTotals totals;
  TaskContribution running = assigned("n", 1.5, 7);
  running.status = TaskStatus::kRunning;
  totals.update("t1", TaskContribution(), assigned("n", 1.5, 7));
  totals.update("t1", assigned("n", 1.5, 7), running);
  EXPECT_EQ(totals.node_loads().at("n"), (NodeLoad{TaskRequirements{}, 1}));
  EXPECT_EQ(totals.tasks_by_status()[static_cast<size_t>(TaskStatus::kRunning)], 1u);
  EXPECT_EQ(totals.tasks_by_status()[static_cast<size_t>(TaskStatus::kAssigned)], 0u);
  TaskContribution done = running;
  done.status = TaskStatus::kCompleted;
  done.node_id.clear();
  totals.update("t1", running, done);
  EXPECT_TRUE(totals.node_loads().empty());  // A node without tasks has no entry.
  EXPECT_EQ(totals.live_tasks(), 1u);
}

TEST(TableTotalsTest, ContentCountsLiveRowsAndTheirBytes) {
  TableTotals totals;
  ContentContribution none, small{true, 10}, big{true, 90};
  totals.update("a", none, small);
  totals.update("b", none, big);
  totals.update("a", small, none);  // Removed.
  EXPECT_EQ(totals.live_content(), 1u);
  EXPECT_EQ(totals.live_content_bytes(), 90u);
}

}  // namespace
}  // namespace eddy::kvs

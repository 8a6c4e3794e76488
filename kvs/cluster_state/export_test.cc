// Export of the cluster-state tables: JSON and CSV escaping edge cases, exact output of every
// table, and a CSV round trip through a small RFC 4180 parser.
#include "kvs/cluster_state/export.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "kvs/cluster_state/cluster_state.h"

namespace eddy::kvs {
namespace {

// Parses RFC 4180 CSV (LF or CRLF line ends) into rows of fields. Fails the test on a stray
// quote.
std::vector<std::vector<std::string>> parse_csv(std::string_view text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, was_quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c != '"') {
        field += c;
      } else if (i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      EXPECT_TRUE(field.empty() && !was_quoted) << "stray quote at byte " << i;
      quoted = was_quoted = true;
    } else if (c == ',' || c == '\n') {
      row.push_back(field);
      field.clear();
      was_quoted = false;
      if (c == '\n') rows.push_back(std::exchange(row, {}));
    } else if (c != '\r' || i + 1 >= text.size() || text[i + 1] != '\n') {
      field += c;
    }
  }
  EXPECT_FALSE(quoted) << "unterminated quoted field";
  EXPECT_TRUE(row.empty() && field.empty()) << "the last line has no line end";
  return rows;
}

NodeInfo node(const std::string& id) {
  NodeInfo n;
  n.node_id = id;
  n.peer_id = "peer-" + id;
  n.address = "10.0.0.1:7000";
  n.resources.cpu_count = 8;
  n.resources.cpu_usage = 0.25;
  n.resources.memory_total = 1024;
  n.resources.memory_available = 512;
  return n;
}

TEST(ExportTest, JsonStringEscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(json_string(""), "\"\"");
  EXPECT_EQ(json_string("plain"), "\"plain\"");
  EXPECT_EQ(json_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(json_string("\n\r\t\x01\x1f"), "\"\\u000a\\u000d\\u0009\\u0001\\u001f\"");
  EXPECT_EQ(json_string(std::string("nul\0end", 7)), "\"nul\\u0000end\"");
  EXPECT_EQ(json_string("del\x7f/slash"), "\"del\x7f/slash\"");
}

TEST(ExportTest, JsonStringPassesValidUtf8AndReplacesInvalidBytes) {
  // 2-, 3- and 4-byte sequences, and the largest code point.
  const std::string valid = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF";
  EXPECT_EQ(json_string(valid), "\"" + valid + "\"");
  EXPECT_EQ(json_string("\xFF"), "\"\\ufffd\"");
  EXPECT_EQ(json_string("a\xC3"), "\"a\\ufffd\"");                      // Truncated sequence.
  EXPECT_EQ(json_string("\xC0\xAF"), "\"\\ufffd\\ufffd\"");             // Overlong '/'.
  EXPECT_EQ(json_string("\xED\xA0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // A surrogate.
  EXPECT_EQ(json_string("\xF4\x90\x80\x80x"), "\"\\ufffd\\ufffd\\ufffd\\ufffdx\"");  // > U+10FFFF.
}

TEST(ExportTest, CsvFieldQuotesOnlyWhenRfc4180Requires) {
  EXPECT_EQ(csv_field(""), "");
  EXPECT_EQ(csv_field("plain text"), "plain text");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("\""), "\"\"\"\"");
  EXPECT_EQ(csv_field("line\nbreak"), "\"line\nbreak\"");
  EXPECT_EQ(csv_field("cr\rhere"), "\"cr\rhere\"");
  EXPECT_EQ(csv_field("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(csv_field("bad\xFF"), "bad\xEF\xBF\xBD");
}

TEST(ExportTest, NodesTableExactOutput) {
  ClusterSnapshot state;
  NodeInfo a = node("a");
  a.capabilities = {"ssd", "gpu"};
  a.metadata = {{"zone", "eu,west"}, {"note", "say \"hi\""}};
  state.nodes["a"] = a;
  NodeInfo b = node("b");
  b.role = NodeRole::kMaster;
  b.status = NodeStatus::kDraining;
  b.last_heartbeat = 1700000000123;
  state.nodes["b"] = b;
  EXPECT_EQ(export_table(state, ExportTable::kNodes, ExportFormat::kJsonLines),
            "{\"node_id\":\"a\",\"peer_id\":\"peer-a\",\"role\":\"worker\",\"address\":"
            "\"10.0.0.1:7000\",\"status\":\"online\",\"last_heartbeat\":0,\"cpu_count\":8,"
            "\"cpu_usage\":0.25,\"memory_total\":1024,\"memory_available\":512,\"disk_total\":0,"
            "\"disk_free\":0,\"gpu_count\":0,\"gpu_available\":0,\"capabilities\":[\"gpu\","
            "\"ssd\"],\"metadata\":{\"note\":\"say \\\"hi\\\"\",\"zone\":\"eu,west\"}}\n"
            "{\"node_id\":\"b\",\"peer_id\":\"peer-b\",\"role\":\"master\",\"address\":"
            "\"10.0.0.1:7000\",\"status\":\"draining\",\"last_heartbeat\":1700000000123,"
            "\"cpu_count\":8,\"cpu_usage\":0.25,\"memory_total\":1024,\"memory_available\":512,"
            "\"disk_total\":0,\"disk_free\":0,\"gpu_count\":0,\"gpu_available\":0,"
            "\"capabilities\":[],\"metadata\":{}}\n");
  EXPECT_EQ(export_table(state, ExportTable::kNodes, ExportFormat::kCsv),
            "node_id,peer_id,role,address,status,last_heartbeat,cpu_count,cpu_usage,"
            "memory_total,memory_available,disk_total,disk_free,gpu_count,gpu_available,"
            "capabilities,metadata\n"
            "a,peer-a,worker,10.0.0.1:7000,online,0,8,0.25,1024,512,0,0,0,0,"
            "\"[\"\"gpu\"\",\"\"ssd\"\"]\",\"{\"\"note\"\":\"\"say \\\"\"hi\\\"\"\"\",\"\"zone\"\":"
            "\"\"eu,west\"\"}\"\n"
            "b,peer-b,master,10.0.0.1:7000,draining,1700000000123,8,0.25,1024,512,0,0,0,0,[],{}\n");
}

TEST(ExportTest, TasksContentAndMetadataExactOutput) {
  ClusterSnapshot state;
  TaskInfo t;
  t.task_id = "t1";
  t.task_type = "render";
  t.status = TaskStatus::kFailed;
  t.priority = -3;
  t.parameters = {{"frames", "1-10"}};
  t.requirements = TaskRequirements{1.5, 2048, 1};
  t.assigned_node_id = "a";
  t.submit_time = 10;
  t.start_time = 20;
  t.end_time = 30;
  t.error_message = "out of memory\nat frame 7";
  state.tasks["t1"] = t;
  ContentInfo c;
  c.cid = "bafy1";
  c.size = 18446744073709551615u;
  c.providers = {"b", "a"};
  c.replication_factor = 3;
  c.pin_status = PinStatus::kPinned;
  c.last_access_time = 40;
  state.content["bafy1"] = c;
  state.metadata = ClusterMetadata{"c1", "a", 7, 1, 50};
  EXPECT_EQ(export_table(state, ExportTable::kTasks, ExportFormat::kCsv),
            "task_id,task_type,status,priority,parameters,required_cpu,required_memory,"
            "required_gpu,assigned_node_id,submit_time,start_time,end_time,result_cid,"
            "error_message\n"
            "t1,render,failed,-3,\"{\"\"frames\"\":\"\"1-10\"\"}\",1.5,2048,1,a,10,20,30,,"
            "\"out of memory\nat frame 7\"\n");
  EXPECT_EQ(export_table(state, ExportTable::kTasks, ExportFormat::kJsonLines),
            "{\"task_id\":\"t1\",\"task_type\":\"render\",\"status\":\"failed\",\"priority\":-3,"
            "\"parameters\":{\"frames\":\"1-10\"},\"required_cpu\":1.5,\"required_memory\":2048,"
            "\"required_gpu\":1,\"assigned_node_id\":\"a\",\"submit_time\":10,\"start_time\":20,"
            "\"end_time\":30,\"result_cid\":\"\",\"error_message\":\"out of memory\\u000aat "
            "frame 7\"}\n");
  EXPECT_EQ(export_table(state, ExportTable::kContent, ExportFormat::kCsv),
            "cid,size,providers,replication_factor,pin_status,last_access_time\n"
            "bafy1,18446744073709551615,\"[\"\"a\"\",\"\"b\"\"]\",3,pinned,40\n");
  EXPECT_EQ(export_table(state, ExportTable::kContent, ExportFormat::kJsonLines),
            "{\"cid\":\"bafy1\",\"size\":18446744073709551615,\"providers\":[\"a\",\"b\"],"
            "\"replication_factor\":3,\"pin_status\":\"pinned\",\"last_access_time\":40}\n");
  EXPECT_EQ(export_table(state, ExportTable::kMetadata, ExportFormat::kCsv),
            "cluster_id,master_id,state_version,schema_version,last_updated\nc1,a,7,1,50\n");
  EXPECT_EQ(export_table(state, ExportTable::kMetadata, ExportFormat::kJsonLines),
            "{\"cluster_id\":\"c1\",\"master_id\":\"a\",\"state_version\":7,"
            "\"schema_version\":1,\"last_updated\":50}\n");
}

TEST(ExportTest, EmptyTablesHaveOnlyTheHeader) {
  ClusterSnapshot state;
  EXPECT_EQ(export_table(state, ExportTable::kContent, ExportFormat::kJsonLines), "");
  EXPECT_EQ(export_table(state, ExportTable::kContent, ExportFormat::kCsv),
            "cid,size,providers,replication_factor,pin_status,last_access_time\n");
}

// A replica's state with awkward strings reads back cell for cell, rows in key order.
TEST(ExportTest, CsvOfAReplicaParsesBackRowByRow) {
  ClusterState replica("r");
  const std::vector<std::string> ids = {"n,2", "n\"3\"", "n1", "n\n4"};
  for (const std::string& id : ids) {
    NodeInfo n = node(id);
    n.capabilities = {"x;y", "z"};
    ASSERT_TRUE(replica.register_node(n, 100).ok());
  }
  ASSERT_TRUE(replica.remove_node("n1", 101).ok());  // Removed rows are not exported.
  const auto rows =
      parse_csv(export_table(replica.get_state(), ExportTable::kNodes, ExportFormat::kCsv));
  ASSERT_EQ(rows.size(), 4u);
  const std::vector<std::string_view> columns = export_columns(ExportTable::kNodes);
  EXPECT_EQ(rows[0], std::vector<std::string>(columns.begin(), columns.end()));
  const std::vector<std::string> live = {"n\n4", "n\"3\"", "n,2"};  // Ascending bytes.
  for (size_t i = 0; i < live.size(); ++i) {
    ASSERT_EQ(rows[i + 1].size(), columns.size());
    EXPECT_EQ(rows[i + 1][0], live[i]);
    EXPECT_EQ(rows[i + 1][1], "peer-" + live[i]);
    EXPECT_EQ(rows[i + 1][5], "100");
    EXPECT_EQ(rows[i + 1][14], "[\"x;y\",\"z\"]");
  }
}

TEST(ExportTest, ExportAllWritesOneFilePerTable) {
  std::string pattern = (std::filesystem::path(::testing::TempDir()) / "export_XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  ClusterSnapshot state;
  state.nodes["a"] = node("a");
  ASSERT_TRUE(export_all(state, ExportFormat::kCsv, pattern).ok());
  for (ExportTable table : kExportTables) {
    const std::string path = pattern + "/" + std::string(to_string(table)) + ".csv";
    std::ifstream in(path, std::ios::binary);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}),
              export_table(state, table, ExportFormat::kCsv))
        << path;
  }
  EXPECT_FALSE(export_all(state, ExportFormat::kCsv, pattern + "/missing").ok());
  std::filesystem::remove_all(pattern);
}

}  // namespace
}  // namespace eddy::kvs

// Export of the cluster-state tables for analysis tools (DuckDB, pandas, jq): each table of a
// ClusterSnapshot as JSON lines or as CSV.
//
// One row per live record (removed rows are absent, as in get_state()), in ascending key
// order; the metadata table has exactly one row. Both formats have the same columns, in the
// same order (export_columns()), so read_json_auto and read_csv_auto see one schema:
//   nodes:    node_id peer_id role address status last_heartbeat cpu_count cpu_usage
//             memory_total memory_available disk_total disk_free gpu_count gpu_available
//             capabilities metadata
//   tasks:    task_id task_type status priority parameters required_cpu required_memory
//             required_gpu assigned_node_id submit_time start_time end_time result_cid
//             error_message
//   content:  cid size providers replication_factor pin_status last_access_time
//   metadata: cluster_id master_id state_version schema_version last_updated
// Values: enums as their lower-case names ("worker", "running"); times as integer ms since the
// Unix epoch; doubles in the shortest form that reads back exactly (JSON null / an empty CSV
// cell if not finite); set fields (capabilities, providers) as JSON arrays of strings, ascending;
// map fields (metadata, parameters) as JSON objects, keys ascending.
//
// JSON lines: one object per line, "\n" after each. Strings are JSON strings: '"' and '\' are
// backslash-escaped, control characters (U+0000..U+001F) written as \u00XX, valid UTF-8
// passed through, and each byte of invalid UTF-8 replaced by \ufffd.
// CSV: a header line of the column names, then one line per row, each ended by "\n". Fields
// follow RFC 4180: a field containing ',', '"', CR or LF is put in double quotes, with its
// quotes doubled. Set and map cells hold their JSON text (e.g. ["gpu","ssd"], a quoted CSV
// field), never a ';'-joined list, so any element survives the round trip. Invalid UTF-8
// bytes become U+FFFD.
// Pure functions of their input (deterministic: no hash-map order reaches the output); the
// file writers return a Status for I/O errors and never throw.
#ifndef EDDY_KVS_CLUSTER_STATE_EXPORT_H_
#define EDDY_KVS_CLUSTER_STATE_EXPORT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "kvs/cluster_state/snapshot.h"

namespace eddy::kvs {

enum class ExportTable : uint8_t { kNodes, kTasks, kContent, kMetadata };
enum class ExportFormat : uint8_t { kJsonLines, kCsv };

// All four tables, in the order above.
inline constexpr ExportTable kExportTables[] = {ExportTable::kNodes, ExportTable::kTasks,
                                                ExportTable::kContent, ExportTable::kMetadata};

// "nodes", "tasks", "content", "metadata".
std::string_view to_string(ExportTable table);
// "jsonl", "csv".
std::string_view file_extension(ExportFormat format);
// The column names of `table`, in output order.
std::vector<std::string_view> export_columns(ExportTable table);

// `table` of `state` in `format` (the whole file's contents).
std::string export_table(const ClusterSnapshot& state, ExportTable table, ExportFormat format);

// Writes export_table(...) to `path`, atomically (path + ".tmp", synced, renamed over it).
// Internal on I/O errors.
absl::Status export_table_to_file(const ClusterSnapshot& state, ExportTable table,
                                  ExportFormat format, const std::string& path);
// Writes every table to DIR/<table>.<extension> (DIR must exist). Internal on I/O errors.
absl::Status export_all(const ClusterSnapshot& state, ExportFormat format, const std::string& dir);

// `text` as a JSON string, quotes included (escaping as above).
std::string json_string(std::string_view text);
// `text` as one CSV field (quoted only when it must be; invalid UTF-8 as U+FFFD).
std::string csv_field(std::string_view text);

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CLUSTER_STATE_EXPORT_H_

#include "kvs/cluster_state/export.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <variant>

#include "absl/strings/str_cat.h"
#include "kvs/core/record_file.h"

namespace eddy::kvs {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8.

// One exported value.
using Cell = std::variant<std::string, int64_t, uint64_t, double, std::set<std::string>, StringMap>;
using Cells = std::vector<Cell>;

// The length of the valid UTF-8 sequence starting at text[at] (Unicode Table 3-7: no
// overlong forms, no surrogates, nothing past U+10FFFF), or 0 if it is not one.
size_t utf8_length(std::string_view text, size_t at) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // The range of the second byte.
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (text.size() - at < length) return 0;
  if (byte(at + 1) < low || byte(at + 1) > high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (byte(at + i) < 0x80 || byte(at + i) > 0xBF) return 0;
  }
  return length;
}

// `text` with each byte of invalid UTF-8 replaced by U+FFFD.
std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t at = 0; at < text.size();) {
    const size_t length = utf8_length(text, at);
    if (length == 0) {
      out.append(kReplacement);
      ++at;
    } else {
      out.append(text.substr(at, length));
      at += length;
    }
  }
  return out;
}

std::string json_number(double value) {
  if (!std::isfinite(value)) return "null";
  char buf[32];
  auto [end, error] = std::to_chars(buf, buf + sizeof buf, value);
  return error == std::errc() ? std::string(buf, end) : "null";
}

template <class C>
std::string json_array(const C& elements) {
  std::string out = "[";
  for (const std::string& element : elements) {
    if (out.size() > 1) out += ',';
    out += json_string(element);
  }
  return out + "]";
}

std::string json_object(const StringMap& map) {
  std::string out = "{";
  for (const auto& entry : map) {
    if (out.size() > 1) out += ',';
    absl::StrAppend(&out, json_string(entry.first), ":", json_string(entry.second));
  }
  return out + "}";
}

std::string json_cell(const Cell& cell) {
  struct Visitor {
    std::string operator()(const std::string& v) const { return json_string(v); }
    std::string operator()(int64_t v) const { return absl::StrCat(v); }
    std::string operator()(uint64_t v) const { return absl::StrCat(v); }
    std::string operator()(double v) const { return json_number(v); }
    std::string operator()(const std::set<std::string>& v) const { return json_array(v); }
    std::string operator()(const StringMap& v) const { return json_object(v); }
  };
  return std::visit(Visitor{}, cell);
}

std::string csv_cell(const Cell& cell) {
  if (const auto* text = std::get_if<std::string>(&cell)) return csv_field(*text);
  if (const auto* number = std::get_if<double>(&cell)) {
    return std::isfinite(*number) ? json_number(*number) : "";
  }
  // Integers print the same in both; sets and maps are their JSON text, quoted as CSV needs.
  return csv_field(json_cell(cell));
}

std::string str(std::string_view view) { return std::string(view); }

Cells node_cells(const NodeInfo& n) {
  const Resources& r = n.resources;
  return {n.node_id,
          n.peer_id,
          str(to_string(n.role)),
          n.address,
          str(to_string(n.status)),
          int64_t{n.last_heartbeat},
          uint64_t{r.cpu_count},
          r.cpu_usage,
          r.memory_total,
          r.memory_available,
          r.disk_total,
          r.disk_free,
          uint64_t{r.gpu_count},
          uint64_t{r.gpu_available},
          n.capabilities,
          n.metadata};
}

Cells task_cells(const TaskInfo& t) {
  return {t.task_id,
          t.task_type,
          str(to_string(t.status)),
          int64_t{t.priority},
          t.parameters,
          t.requirements.cpu,
          t.requirements.memory,
          uint64_t{t.requirements.gpu},
          t.assigned_node_id,
          int64_t{t.submit_time},
          int64_t{t.start_time},
          int64_t{t.end_time},
          t.result_cid,
          t.error_message};
}

Cells content_cells(const ContentInfo& c) {
  return {c.cid,
          c.size,
          c.providers,
          uint64_t{c.replication_factor},
          str(to_string(c.pin_status)),
          int64_t{c.last_access_time}};
}

Cells metadata_cells(const ClusterMetadata& m) {
  return {m.cluster_id, m.master_id, m.state_version, uint64_t{m.schema_version},
          int64_t{m.last_updated}};
}

// The rows of `table`, ascending by key.
std::vector<Cells> table_rows(const ClusterSnapshot& state, ExportTable table) {
  std::vector<Cells> rows;
  switch (table) {
    case ExportTable::kNodes:
      for (const auto& entry : state.nodes) rows.push_back(node_cells(entry.second));
      break;
    case ExportTable::kTasks:
      for (const auto& entry : state.tasks) rows.push_back(task_cells(entry.second));
      break;
    case ExportTable::kContent:
      for (const auto& entry : state.content) rows.push_back(content_cells(entry.second));
      break;
    case ExportTable::kMetadata:
      rows.push_back(metadata_cells(state.metadata));
      break;
  }
  return rows;
}

std::string to_json_lines(const std::vector<std::string_view>& columns,
                          const std::vector<Cells>& rows) {
  std::string out;
  for (const Cells& row : rows) {
    out += '{';
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) out += ',';
      absl::StrAppend(&out, json_string(columns[i]), ":", json_cell(row[i]));
    }
    out += "}\n";
  }
  return out;
}

std::string to_csv(const std::vector<std::string_view>& columns, const std::vector<Cells>& rows) {
  std::string out;
  for (size_t i = 0; i < columns.size(); ++i) {
    absl::StrAppend(&out, i > 0 ? "," : "", csv_field(columns[i]));
  }
  out += '\n';
  for (const Cells& row : rows) {
    for (size_t i = 0; i < row.size(); ++i)
      absl::StrAppend(&out, i > 0 ? "," : "", csv_cell(row[i]));
    out += '\n';
  }
  return out;
}

}  // namespace

std::string_view to_string(ExportTable table) {
  switch (table) {
    case ExportTable::kNodes:
      return "nodes";
    case ExportTable::kTasks:
      return "tasks";
    case ExportTable::kContent:
      return "content";
    case ExportTable::kMetadata:
      return "metadata";
  }
  return "unknown";
}

std::string_view file_extension(ExportFormat format) {
  return format == ExportFormat::kCsv ? "csv" : "jsonl";
}

std::vector<std::string_view> export_columns(ExportTable table) {
  switch (table) {
    case ExportTable::kNodes:
      return {"node_id",      "peer_id",          "role",         "address",
              "status",       "last_heartbeat",   "cpu_count",    "cpu_usage",
              "memory_total", "memory_available", "disk_total",   "disk_free",
              "gpu_count",    "gpu_available",    "capabilities", "metadata"};
    case ExportTable::kTasks:
      return {"task_id",      "task_type",       "status",       "priority",         "parameters",
              "required_cpu", "required_memory", "required_gpu", "assigned_node_id", "submit_time",
              "start_time",   "end_time",        "result_cid",   "error_message"};
    case ExportTable::kContent:
      return {"cid", "size", "providers", "replication_factor", "pin_status", "last_access_time"};
    case ExportTable::kMetadata:
      return {"cluster_id", "master_id", "state_version", "schema_version", "last_updated"};
  }
  return {};
}

std::string export_table(const ClusterSnapshot& state, ExportTable table, ExportFormat format) {
  const std::vector<std::string_view> columns = export_columns(table);
  const std::vector<Cells> rows = table_rows(state, table);
  return format == ExportFormat::kCsv ? to_csv(columns, rows) : to_json_lines(columns, rows);
}

absl::Status export_table_to_file(const ClusterSnapshot& state, ExportTable table,
                                  ExportFormat format, const std::string& path) {
  return replace_file(path, export_table(state, table, format));
}

absl::Status export_all(const ClusterSnapshot& state, ExportFormat format, const std::string& dir) {
  for (ExportTable table : kExportTables) {
    const std::string path =
        absl::StrCat(dir, "/", str(to_string(table)), ".", str(file_extension(format)));
    if (absl::Status s = export_table_to_file(state, table, format, path); !s.ok()) return s;
  }
  return absl::OkStatus();
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (size_t at = 0; at < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[at]);
    const size_t length = utf8_length(text, at);
    if (length == 0) {
      out += "\\ufffd";
      ++at;
      continue;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out.append(text.substr(at, length));
    }
    at += length;
  }
  return out + "\"";
}

std::string csv_field(std::string_view text) {
  std::string valid = valid_utf8(text);
  if (valid.find_first_of(",\"\r\n") == std::string::npos) return valid;
  std::string out = "\"";
  for (char c : valid) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace eddy::kvs

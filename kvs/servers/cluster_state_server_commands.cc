#include "kvs/servers/cluster_state_server_commands.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "kvs/cluster_state/export.h"
#include "kvs/cluster_state/queries.h"

namespace eddy::kvs {
namespace {

const char* const kResourceFields[] = {"cpu_count",        "cpu_usage",    "memory_total",
                                       "memory_available", "disk_total",   "disk_free",
                                       "gpu_count",        "gpu_available"};

absl::Status bad(std::string_view what, const std::string& text) {
  return absl::InvalidArgumentError(absl::StrCat("ERR ", std::string(what), ": ", text));
}

// The fields of one command, checked against the names it accepts.
class FieldReader {
 public:
  // `allowed`: exact names; `prefixes`: names starting with one of these (e.g. "param.").
  static absl::StatusOr<FieldReader> make(std::string_view what, const StateFields& fields,
                                          std::vector<std::string_view> allowed,
                                          std::vector<std::string_view> prefixes = {}) {
    FieldReader reader(what);
    for (const auto& [name, value] : fields) {
      bool known = std::find(allowed.begin(), allowed.end(), name) != allowed.end();
      for (std::string_view prefix : prefixes) {
        known |= name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0;
      }
      if (!known) {
        std::vector<std::string> names(allowed.begin(), allowed.end());
        for (std::string_view prefix : prefixes)
          names.push_back(absl::StrCat(std::string(prefix), "<name>"));
        return bad(what, absl::StrCat("unknown field '", name, "' (fields: ",
                                      names.empty() ? "none" : absl::StrJoin(names, ", "), ")"));
      }
      if (!reader.values_.emplace(name, value).second) {
        return bad(what, absl::StrCat("field '", name, "' given twice"));
      }
    }
    return reader;
  }

  bool has(const std::string& name) const { return values_.count(std::string(name)) > 0; }

  absl::StatusOr<std::string> required(const std::string& name) const {
    auto it = values_.find(std::string(name));
    if (it == values_.end()) return bad(what_, absl::StrCat("missing field '", name, "'"));
    return it->second;
  }
  std::string text(const std::string& name, std::string fallback = "") const {
    auto it = values_.find(std::string(name));
    return it == values_.end() ? fallback : it->second;
  }

  // A number field: `fallback` when absent, an error when it does not parse as T.
  template <class T>
  absl::StatusOr<T> number(const std::string& name, T fallback) const {
    auto it = values_.find(std::string(name));
    if (it == values_.end()) return fallback;
    return parse<T>(name, it->second);
  }
  template <class T>
  absl::StatusOr<T> required_number(const std::string& name) const {
    absl::StatusOr<std::string> value = required(name);
    if (!value.ok()) return value.status();
    return parse<T>(name, *value);
  }

  // The fields named prefix + key, as key -> value.
  StringMap with_prefix(const std::string& prefix) const {
    StringMap out;
    for (const auto& [name, value] : values_) {
      if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0) {
        out.emplace(name.substr(prefix.size()), value);
      }
    }
    return out;
  }

  const std::string& what() const { return what_; }

 private:
  explicit FieldReader(std::string_view what) : what_(what) {}

  template <class T>
  absl::StatusOr<T> parse(const std::string& name, const std::string& value) const {
    if constexpr (std::is_same_v<T, double>) {
      double d = 0;
      if (!absl::SimpleAtod(value, &d) || !std::isfinite(d)) {
        return bad(what_, absl::StrCat("field '", name, "' is not a finite number: '", value, "'"));
      }
      return d;
    } else {
      T n = 0;
      const char* kind = std::is_signed_v<T> ? "an integer" : "an unsigned integer";
      if (value.empty() || !absl::SimpleAtoi(value, &n) ||
          (!std::is_signed_v<T> && value[0] == '-')) {
        return bad(what_, absl::StrCat("field '", name, "' is not ", kind, " of ", sizeof(T) * 8,
                                       " bits: '", value, "'"));
      }
      return n;
    }
  }

  std::string what_;
  std::map<std::string, std::string> values_;
};

#define EDDY_ASSIGN_OR_RETURN_FIELD(lhs, expr)  \
  auto lhs##_or = (expr);                       \
  if (!lhs##_or.ok()) return lhs##_or.status(); \
  auto lhs = *std::move(lhs##_or)

absl::StatusOr<NodeRole> role_field(const FieldReader& r, const std::string& name,
                                    NodeRole fallback, bool required) {
  if (!r.has(name)) {
    if (required) return r.required(name).status();
    return fallback;
  }
  const std::string text = r.text(name);
  if (auto role = parse_node_role(text)) return *role;
  return bad(r.what(), absl::StrCat("field '", name, "' must be master, worker or leecher, not '",
                                    text, "'"));
}

absl::StatusOr<NodeStatus> node_status_field(const FieldReader& r, bool required) {
  if (!r.has("status")) {
    if (required) return r.required("status").status();
    return NodeStatus::kOnline;
  }
  const std::string text = r.text("status");
  if (auto status = parse_node_status(text)) return *status;
  return bad(r.what(),
             absl::StrCat("field 'status' must be online, offline or draining, not '", text, "'"));
}

// Reads the resource fields present into `resources` (absent ones keep their values).
absl::Status read_resources(const FieldReader& r, Resources& resources) {
  EDDY_ASSIGN_OR_RETURN_FIELD(cpu_count, r.number<uint32_t>("cpu_count", resources.cpu_count));
  EDDY_ASSIGN_OR_RETURN_FIELD(cpu_usage, r.number<double>("cpu_usage", resources.cpu_usage));
  EDDY_ASSIGN_OR_RETURN_FIELD(memory_total,
                              r.number<uint64_t>("memory_total", resources.memory_total));
  EDDY_ASSIGN_OR_RETURN_FIELD(memory_available,
                              r.number<uint64_t>("memory_available", resources.memory_available));
  EDDY_ASSIGN_OR_RETURN_FIELD(disk_total, r.number<uint64_t>("disk_total", resources.disk_total));
  EDDY_ASSIGN_OR_RETURN_FIELD(disk_free, r.number<uint64_t>("disk_free", resources.disk_free));
  EDDY_ASSIGN_OR_RETURN_FIELD(gpu_count, r.number<uint32_t>("gpu_count", resources.gpu_count));
  EDDY_ASSIGN_OR_RETURN_FIELD(gpu_available,
                              r.number<uint32_t>("gpu_available", resources.gpu_available));
  resources = Resources{cpu_count,  cpu_usage, memory_total, memory_available,
                        disk_total, disk_free, gpu_count,    gpu_available};
  return absl::OkStatus();
}

std::vector<std::string_view> with_resources(std::vector<std::string_view> names) {
  names.insert(names.end(), std::begin(kResourceFields), std::end(kResourceFields));
  return names;
}

using Run = std::function<OpResult(ClusterState&, TimeMs)>;
using CallParser = absl::StatusOr<ParsedCall> (*)(std::string_view, const StateFields&);

ParsedCall call(std::string_view operation, bool full, Run run) {
  ParsedCall parsed;
  parsed.operation = std::string(operation);
  parsed.needs_full_tables = full;
  parsed.run = std::move(run);
  return parsed;
}

absl::StatusOr<ParsedCall> parse_register_node(std::string_view op, const StateFields& fields) {
  EDDY_ASSIGN_OR_RETURN_FIELD(
      r, FieldReader::make(
             op, fields,
             with_resources({"node_id", "peer_id", "role", "address", "status", "capabilities"}),
             {"meta."}));
  NodeInfo node;
  EDDY_ASSIGN_OR_RETURN_FIELD(node_id, r.required("node_id"));
  node.node_id = node_id;
  node.peer_id = r.text("peer_id");
  node.address = r.text("address");
  EDDY_ASSIGN_OR_RETURN_FIELD(role, role_field(r, "role", NodeRole::kWorker, false));
  node.role = role;
  EDDY_ASSIGN_OR_RETURN_FIELD(status, node_status_field(r, false));
  node.status = status;
  if (absl::Status s = read_resources(r, node.resources); !s.ok()) return s;
  for (absl::string_view c : absl::StrSplit(r.text("capabilities"), ',', absl::SkipEmpty())) {
    node.capabilities.emplace(std::string(c));
  }
  node.metadata = r.with_prefix("meta.");
  return call(op, false,
              [node](ClusterState& s, TimeMs now) { return s.register_node(node, now); });
}

absl::StatusOr<ParsedCall> parse_update_node_status(std::string_view op,
                                                    const StateFields& fields) {
  EDDY_ASSIGN_OR_RETURN_FIELD(r, FieldReader::make(op, fields, {"node_id", "status"}));
  EDDY_ASSIGN_OR_RETURN_FIELD(node_id, r.required("node_id"));
  EDDY_ASSIGN_OR_RETURN_FIELD(status, node_status_field(r, true));
  return call(op, false, [node_id, status](ClusterState& s, TimeMs now) {
    return s.update_node_status(node_id, status, now);
  });
}

absl::StatusOr<ParsedCall> parse_heartbeat(std::string_view op, const StateFields& fields) {
  EDDY_ASSIGN_OR_RETURN_FIELD(r, FieldReader::make(op, fields, with_resources({"node_id"})));
  EDDY_ASSIGN_OR_RETURN_FIELD(node_id, r.required("node_id"));
  bool reports = false;
  for (const char* name : kResourceFields) reports |= r.has(name);
  // Check the numbers now; apply them over the node's current resources when it runs.
  Resources probe;
  if (absl::Status s = read_resources(r, probe); !s.ok()) return s;
  return call(op, false, [node_id, reports, r](ClusterState& s, TimeMs now) {
    if (!reports) return s.heartbeat(node_id, now);
    Resources resources;
    auto it = s.node_rows().find(node_id);
    if (it != s.node_rows().end() && it->second.record.live()) {
      resources = it->second.record.to_info(node_id).resources;
    }
    (void)read_resources(r, resources);  // Checked above.
    return s.heartbeat(node_id, now, resources);
  });
}

absl::StatusOr<ParsedCall> parse_remove_node(std::string_view op, const StateFields& fields) {
  EDDY_ASSIGN_OR_RETURN_FIELD(r, FieldReader::make(op, fields, {"node_id"}));
  EDDY_ASSIGN_OR_RETURN_FIELD(node_id, r.required("node_id"));
  return call(op, false,
              [node_id](ClusterState& s, TimeMs now) { return s.remove_node(node_id, now); });
}

absl::StatusOr<ParsedCall> parse_add_task(std::string_view op, const StateFields& fields) {
  EDDY_ASSIGN_OR_RETURN_FIELD(
      r, FieldReader::make(op, fields,
                           {"task_id", "task_type", "priority", "required_cpu", "required_memory",
                            "required_gpu"},
                           {"param."}));
  TaskSpec spec;
  EDDY_ASSIGN_OR_RETURN_FIELD(task_id, r.required("task_id"));
  spec.task_id = task_id;
  spec.task_type = r.text("task_type");
  EDDY_ASSIGN_OR_RETURN_FIELD(priority, r.number<int32_t>("priority", 0));
  spec.priority = priority;
  EDDY_ASSIGN_OR_RETURN_FIELD(cpu, r.number<double>("required_cpu", 0));
  EDDY_ASSIGN_OR_RETURN_FIELD(memory, r.number<uint64_t>("required_memory", 0));
  EDDY_ASSIGN_OR_RETURN_FIELD(gpu, r.number<uint32_t>("required_gpu", 0));
  spec.requirements = TaskRequirements{cpu, memory, gpu};
  spec.parameters = r.with_prefix("param.");
  return call(op, true, [spec](ClusterState& s, TimeMs now) { return s.add_task(spec, now); });
}

absl::StatusOr<ParsedCall> parse_assign_task(std::string_view op, const StateFields& fields) {
  EDDY_ASSIGN_OR_RETURN_FIELD(r, FieldReader::make(op, fields, {"task_id", "node_id"}));
  EDDY_ASSIGN_OR_RETURN_FIELD(task_id, r.required("task_id"));
  ParsedCall parsed = call(op, true, nullptr);
  parsed.is_assign = true;
  parsed.task_id = task_id;
  parsed.node_id = r.text("node_id");
  parsed.run = [task_id, node_id = parsed.node_id](ClusterState& s, TimeMs now) {
    return run_assign(s, task_id, node_id, now).first;
  };
  return parsed;
}

absl::StatusOr<ParsedCall> parse_update_task(std::string_view op, const StateFields& fields) {
  EDDY_ASSIGN_OR_RETURN_FIELD(
      r, FieldReader::make(op, fields, {"task_id", "status", "result_cid", "error_message"}));
  EDDY_ASSIGN_OR_RETURN_FIELD(task_id, r.required("task_id"));
  EDDY_ASSIGN_OR_RETURN_FIELD(status_text, r.required("status"));
  TaskUpdate update;
  std::optional<TaskStatus> status = parse_task_status(status_text);
  if (!status || (*status != TaskStatus::kRunning && *status != TaskStatus::kCompleted &&
                  *status != TaskStatus::kFailed)) {
    return bad(op, absl::StrCat("field 'status' must be running, completed or failed, not '",
                                status_text, "'"));
  }
  update.status = *status;
  update.result_cid = r.text("result_cid");
  update.error_message = r.text("error_message");
  return call(op, true, [task_id, update](ClusterState& s, TimeMs now) {
    return s.update_task(task_id, update, now);
  });
}

absl::StatusOr<ParsedCall> parse_add_content(std::string_view op, const StateFields& fields) {
  EDDY_ASSIGN_OR_RETURN_FIELD(r,
                              FieldReader::make(op, fields, {"cid", "size", "replication_factor"}));
  EDDY_ASSIGN_OR_RETURN_FIELD(cid, r.required("cid"));
  EDDY_ASSIGN_OR_RETURN_FIELD(size, r.number<uint64_t>("size", 0));
  EDDY_ASSIGN_OR_RETURN_FIELD(factor, r.number<uint32_t>("replication_factor", 1));
  return call(op, true, [cid, size, factor](ClusterState& s, TimeMs now) {
    return s.add_content(cid, size, factor, now);
  });
}

// remove_content, pin_content, unpin_content, touch_content: one cid.
absl::StatusOr<ParsedCall> parse_content_op(std::string_view op, const StateFields& fields) {
  EDDY_ASSIGN_OR_RETURN_FIELD(r, FieldReader::make(op, fields, {"cid"}));
  EDDY_ASSIGN_OR_RETURN_FIELD(cid, r.required("cid"));
  OpResult (ClusterState::*method)(const std::string&, TimeMs) =
      op == "remove_content"  ? &ClusterState::remove_content
      : op == "pin_content"   ? &ClusterState::pin_content
      : op == "unpin_content" ? &ClusterState::unpin_content
                              : &ClusterState::touch_content;
  return call(op, true,
              [cid, method](ClusterState& s, TimeMs now) { return (s.*method)(cid, now); });
}

absl::StatusOr<ParsedCall> parse_provider_op(std::string_view op, const StateFields& fields) {
  EDDY_ASSIGN_OR_RETURN_FIELD(r, FieldReader::make(op, fields, {"cid", "node_id"}));
  EDDY_ASSIGN_OR_RETURN_FIELD(cid, r.required("cid"));
  EDDY_ASSIGN_OR_RETURN_FIELD(node_id, r.required("node_id"));
  const bool add = op == "add_content_provider";
  return call(op, true, [cid, node_id, add](ClusterState& s, TimeMs now) {
    return add ? s.add_content_provider(cid, node_id, now)
               : s.remove_content_provider(cid, node_id, now);
  });
}

absl::StatusOr<ParsedCall> parse_configure_cluster(std::string_view op, const StateFields& fields) {
  EDDY_ASSIGN_OR_RETURN_FIELD(r, FieldReader::make(op, fields, {"cluster_id", "master_id"}));
  EDDY_ASSIGN_OR_RETURN_FIELD(cluster_id, r.required("cluster_id"));
  const std::string master_id = r.text("master_id");
  return call(op, false, [cluster_id, master_id](ClusterState& s, TimeMs now) {
    return s.configure_cluster(cluster_id, master_id, now);
  });
}

absl::StatusOr<ParsedCall> parse_set_master(std::string_view op, const StateFields& fields) {
  EDDY_ASSIGN_OR_RETURN_FIELD(r, FieldReader::make(op, fields, {"master_id"}));
  EDDY_ASSIGN_OR_RETURN_FIELD(master_id, r.required("master_id"));
  return call(op, false,
              [master_id](ClusterState& s, TimeMs now) { return s.set_master(master_id, now); });
}

const std::map<std::string_view, CallParser>& call_parsers() {
  static const auto* parsers = new std::map<std::string_view, CallParser>{
      {"register_node", &parse_register_node},
      {"update_node_status", &parse_update_node_status},
      {"heartbeat", &parse_heartbeat},
      {"remove_node", &parse_remove_node},
      {"add_task", &parse_add_task},
      {"assign_task", &parse_assign_task},
      {"update_task", &parse_update_task},
      {"add_content", &parse_add_content},
      {"remove_content", &parse_content_op},
      {"pin_content", &parse_content_op},
      {"unpin_content", &parse_content_op},
      {"touch_content", &parse_content_op},
      {"add_content_provider", &parse_provider_op},
      {"remove_content_provider", &parse_provider_op},
      {"configure_cluster", &parse_configure_cluster},
      {"set_master", &parse_set_master},
  };
  return *parsers;
}

// ---- JSON ---------------------------------------------------------------------------------

std::string json_number(double value) {
  if (!std::isfinite(value)) return "null";
  char buf[32];
  auto [end, error] = std::to_chars(buf, buf + sizeof buf, value);
  return error == std::errc() ? std::string(buf, end) : "null";
}

template <class T>
std::string json_optional(const std::optional<T>& value) {
  if (!value) return "null";
  if constexpr (std::is_floating_point_v<T>) {
    return json_number(*value);
  } else {
    return absl::StrCat(*value);
  }
}

// One row as export.h writes it (its JSON line without the newline).
template <class Info>
std::string row_json(const Info& info) {
  ClusterSnapshot one;
  ExportTable table;
  if constexpr (std::is_same_v<Info, NodeInfo>) {
    one.nodes.emplace(info.node_id, info);
    table = ExportTable::kNodes;
  } else if constexpr (std::is_same_v<Info, TaskInfo>) {
    one.tasks.emplace(info.task_id, info);
    table = ExportTable::kTasks;
  } else {
    one.content.emplace(info.cid, info);
    table = ExportTable::kContent;
  }
  std::string line = export_table(one, table, ExportFormat::kJsonLines);
  if (!line.empty() && line.back() == '\n') line.pop_back();
  return line;
}

std::string metadata_json(const ClusterMetadata& metadata) {
  ClusterSnapshot one;
  one.metadata = metadata;
  std::string line = export_table(one, ExportTable::kMetadata, ExportFormat::kJsonLines);
  if (!line.empty() && line.back() == '\n') line.pop_back();
  return line;
}

template <class C>
std::string rows_json(const C& rows) {
  std::vector<std::string> parts;
  for (const auto& row : rows) {
    if constexpr (requires { row.second; }) {
      parts.push_back(row_json(row.second));
    } else {
      parts.push_back(row_json(row));
    }
  }
  return absl::StrCat("[", absl::StrJoin(parts, ","), "]");
}

template <class K>
std::string counts_json(const std::map<K, size_t>& counts) {
  std::vector<std::string> parts;
  for (const auto& [key, n] : counts) {
    parts.push_back(absl::StrCat(json_string(to_string(key)), ":", n));
  }
  return absl::StrCat("{", absl::StrJoin(parts, ","), "}");
}

std::string version_json(const VersionVector& version) {
  std::vector<std::string> parts;
  for (const auto& [replica, counter] : version.entries()) {
    parts.push_back(absl::StrCat(json_string(replica), ":", counter));
  }
  return absl::StrCat("{", absl::StrJoin(parts, ","), "}");
}

std::string state_json(const ClusterSnapshot& s) {
  return absl::StrCat("{\"nodes\":", rows_json(s.nodes), ",\"tasks\":", rows_json(s.tasks),
                      ",\"content\":", rows_json(s.content),
                      ",\"metadata\":", metadata_json(s.metadata),
                      ",\"version\":", version_json(s.version), "}");
}

std::string summary_json(const ClusterSummary& s) {
  return absl::StrCat(
      "{\"nodes_total\":", s.nodes_total, ",\"nodes_online\":", s.nodes_online,
      ",\"nodes_by_role\":", counts_json(s.nodes_by_role),
      ",\"nodes_by_status\":", counts_json(s.nodes_by_status), ",\"cpu_cores\":", s.cpu_cores,
      ",\"gpu_total\":", s.gpu_total, ",\"gpu_available\":", s.gpu_available,
      ",\"memory_total\":", s.memory_total, ",\"memory_available\":", s.memory_available,
      ",\"tasks_total\":", s.tasks_total, ",\"tasks_by_status\":", counts_json(s.tasks_by_status),
      ",\"content_count\":", s.content_count, ",\"content_total_size\":", s.content_total_size,
      "}");
}

std::string metrics_json(const TaskMetrics& m) {
  return absl::StrCat("{\"total\":", m.total, ",\"by_status\":", counts_json(m.by_status),
                      ",\"success_rate\":", json_optional(m.success_rate),
                      ",\"mean_duration\":", json_optional(m.mean_duration),
                      ",\"min_duration\":", json_optional(m.min_duration),
                      ",\"max_duration\":", json_optional(m.max_duration),
                      ",\"mean_wait\":", json_optional(m.mean_wait), "}");
}

// ---- Queries ------------------------------------------------------------------------------

using Answer = std::function<std::string(const ClusterQueries&)>;

absl::StatusOr<ParsedQuery> over_queries(std::string_view query, bool full, const FieldReader& r,
                                         Answer answer) {
  EDDY_ASSIGN_OR_RETURN_FIELD(timeout, r.number<int64_t>("heartbeat_timeout", 30'000));
  ParsedQuery parsed;
  parsed.query = std::string(query);
  parsed.needs_full_tables = full;
  parsed.run = [timeout, answer](const ClusterState& state, TimeMs now) {
    QueryOptions options;
    options.now = now;
    options.heartbeat_timeout = timeout;
    return answer(ClusterQueries(state, options));
  };
  return parsed;
}

absl::StatusOr<ParsedQuery> parse_query_impl(std::string_view q, const StateFields& fields) {
  auto reader = [&](std::vector<std::string_view> names) {
    names.push_back("heartbeat_timeout");
    return FieldReader::make(q, fields, std::move(names));
  };
  if (q == "get_state" || q == "digest") {
    EDDY_ASSIGN_OR_RETURN_FIELD(r, FieldReader::make(q, fields, {}));
    ParsedQuery parsed;
    parsed.query = std::string(q);
    parsed.needs_full_tables = q == "get_state";
    if (q == "get_state") {
      parsed.run = [](const ClusterState& s, TimeMs) { return state_json(s.get_state()); };
    } else {
      parsed.run = [](const ClusterState& s, TimeMs) {
        return absl::StrCat("{\"digest\":\"", state_digest(s),
                            "\",\"state_version\":", s.get_state().metadata.state_version, "}");
      };
    }
    return parsed;
  }
  if (q == "get_node_by_id") {
    EDDY_ASSIGN_OR_RETURN_FIELD(r, reader({"node_id"}));
    EDDY_ASSIGN_OR_RETURN_FIELD(node_id, r.required("node_id"));
    return over_queries(q, false, r, [node_id](const ClusterQueries& c) {
      auto node = c.get_node_by_id(node_id);
      return node ? row_json(*node) : std::string("null");
    });
  }
  if (q == "get_all_nodes") {
    EDDY_ASSIGN_OR_RETURN_FIELD(r, reader({}));
    return over_queries(q, false, r,
                        [](const ClusterQueries& c) { return rows_json(c.get_all_nodes()); });
  }
  if (q == "find_nodes_by_role") {
    EDDY_ASSIGN_OR_RETURN_FIELD(r, reader({"role"}));
    EDDY_ASSIGN_OR_RETURN_FIELD(role, role_field(r, "role", NodeRole::kWorker, true));
    return over_queries(q, false, r, [role](const ClusterQueries& c) {
      return rows_json(c.find_nodes_by_role(role));
    });
  }
  if (q == "find_nodes_with_gpu") {
    EDDY_ASSIGN_OR_RETURN_FIELD(r, reader({"min_available"}));
    EDDY_ASSIGN_OR_RETURN_FIELD(min, r.number<uint32_t>("min_available", 1));
    return over_queries(q, false, r, [min](const ClusterQueries& c) {
      return rows_json(c.find_nodes_with_gpu(min));
    });
  }
  if (q == "find_tasks_by_status") {
    EDDY_ASSIGN_OR_RETURN_FIELD(r, reader({"status"}));
    EDDY_ASSIGN_OR_RETURN_FIELD(text, r.required("status"));
    std::optional<TaskStatus> status = parse_task_status(text);
    if (!status) {
      return bad(q, absl::StrCat("field 'status' must be pending, assigned, running, completed "
                                 "or failed, not '",
                                 text, "'"));
    }
    return over_queries(q, true, r, [status](const ClusterQueries& c) {
      return rows_json(c.find_tasks_by_status(*status));
    });
  }
  if (q == "find_tasks_by_resource_requirements") {
    EDDY_ASSIGN_OR_RETURN_FIELD(r, reader({"cpu", "memory", "gpu"}));
    EDDY_ASSIGN_OR_RETURN_FIELD(cpu, r.number<double>("cpu", 0));
    EDDY_ASSIGN_OR_RETURN_FIELD(memory, r.number<uint64_t>("memory", 0));
    EDDY_ASSIGN_OR_RETURN_FIELD(gpu, r.number<uint32_t>("gpu", 0));
    const TaskRequirements capacity{cpu, memory, gpu};
    return over_queries(q, true, r, [capacity](const ClusterQueries& c) {
      return rows_json(c.find_tasks_by_resource_requirements(capacity));
    });
  }
  if (q == "find_available_node_for_task") {
    EDDY_ASSIGN_OR_RETURN_FIELD(r, reader({"task_id"}));
    EDDY_ASSIGN_OR_RETURN_FIELD(task_id, r.required("task_id"));
    return over_queries(q, true, r, [task_id](const ClusterQueries& c) {
      auto node = c.find_available_node_for_task(task_id);
      return absl::StrCat("{\"node_id\":", node ? json_string(*node) : "null", "}");
    });
  }
  if (q == "get_cluster_status_summary") {
    EDDY_ASSIGN_OR_RETURN_FIELD(r, reader({}));
    return over_queries(q, true, r, [](const ClusterQueries& c) {
      return summary_json(c.get_cluster_status_summary());
    });
  }
  if (q == "get_task_execution_metrics") {
    EDDY_ASSIGN_OR_RETURN_FIELD(r, reader({}));
    return over_queries(q, true, r, [](const ClusterQueries& c) {
      return metrics_json(c.get_task_execution_metrics());
    });
  }
  if (q == "find_orphaned_content") {
    EDDY_ASSIGN_OR_RETURN_FIELD(r, reader({}));
    return over_queries(
        q, true, r, [](const ClusterQueries& c) { return rows_json(c.find_orphaned_content()); });
  }
  if (q == "estimate_time_to_completion") {
    EDDY_ASSIGN_OR_RETURN_FIELD(r, reader({}));
    return over_queries(q, true, r, [](const ClusterQueries& c) {
      return absl::StrCat("{\"estimate_ms\":", json_optional(c.estimate_time_to_completion()), "}");
    });
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "ERR unknown query '", std::string(q),
      "' (queries: get_state, digest, get_node_by_id, get_all_nodes, find_nodes_by_role, "
      "find_nodes_with_gpu, find_tasks_by_status, find_tasks_by_resource_requirements, "
      "find_available_node_for_task, get_cluster_status_summary, get_task_execution_metrics, "
      "find_orphaned_content, estimate_time_to_completion)"));
}

#undef EDDY_ASSIGN_OR_RETURN_FIELD

}  // namespace

absl::StatusOr<ParsedCall> parse_call(std::string_view operation, const StateFields& fields) {
  const auto& parsers = call_parsers();
  auto it = parsers.find(operation);
  if (it == parsers.end()) {
    std::vector<std::string> names;
    for (const auto& entry : parsers) names.emplace_back(entry.first);
    return absl::InvalidArgumentError(
        absl::StrCat("ERR unknown operation '", std::string(operation),
                     "' (operations: ", absl::StrJoin(names, ", "), ")"));
  }
  return it->second(operation, fields);
}

absl::StatusOr<ParsedQuery> parse_query(std::string_view query, const StateFields& fields) {
  return parse_query_impl(query, fields);
}

absl::StatusOr<StateFields> pair_fields(const std::vector<std::string>& args, size_t first) {
  StateFields fields;
  for (size_t i = first; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("ERR fields come in name value pairs: '", args[i], "' has no value"));
    }
    fields.emplace_back(args[i], args[i + 1]);
  }
  return fields;
}

std::string call_json(const OpResult& result, std::optional<std::string> node_id) {
  std::string out = absl::StrCat("{\"code\":", json_string(to_string(result.code())),
                                 ",\"message\":", json_string(result.message()));
  if (node_id && !node_id->empty()) absl::StrAppend(&out, ",\"node_id\":", json_string(*node_id));
  return out + "}";
}

std::pair<OpResult, std::string> run_assign(ClusterState& state, const std::string& task_id,
                                            const std::string& node_id, TimeMs now) {
  std::string node = node_id;
  if (node.empty()) {
    QueryOptions options;
    options.now = now;
    std::optional<std::string> picked =
        ClusterQueries(state, options).find_available_node_for_task(task_id);
    if (!picked) {
      return {OpResult::error(OpCode::kNotFound,
                              absl::StrCat("no online worker can take task ", task_id,
                                           " (unknown, not pending, or it fits nowhere)")),
              ""};
    }
    node = *picked;
  }
  return {state.assign_task(task_id, node, now), node};
}

std::string state_digest(const ClusterState& state) {
  Delta all = state.snapshot();
  all.sender.clear();
  all.clock = Stamp{};
  const std::string bytes = encode_delta(all);
  uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a, 64 bits.
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

}  // namespace eddy::kvs

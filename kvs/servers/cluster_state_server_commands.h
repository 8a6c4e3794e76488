// The commands of the cluster-state service (cluster_state_server.h), read from a client's
// fields and run against one ClusterState replica: STATE.CALL operations and STATE.QUERY
// queries, and the JSON their replies carry. Engine-free: the flow calls these from its scans.
//
// Fields are name/value pairs, names exact (lower case):
//   register_node       node_id* peer_id role address status cpu_count cpu_usage memory_total
//                       memory_available disk_total disk_free gpu_count gpu_available
//                       capabilities (comma-separated) meta.<name> (node metadata)
//   update_node_status  node_id* status*
//   heartbeat           node_id* and any resource field above (the others keep their values)
//   remove_node         node_id*
//   add_task            task_id* task_type priority required_cpu required_memory required_gpu
//                       param.<name> (task parameters)
//   assign_task         task_id* node_id (none: the master picks, find_available_node_for_task)
//   update_task         task_id* status* (running|completed|failed) result_cid error_message
//   add_content         cid* size replication_factor (default 1)
//   remove_content, pin_content, unpin_content, touch_content                    cid*
//   add_content_provider, remove_content_provider                                cid* node_id*
//   configure_cluster   cluster_id* master_id
//   set_master          master_id*
// (* required). Queries: get_state, digest, get_node_by_id node_id*, get_all_nodes,
// find_nodes_by_role role*, find_nodes_with_gpu [min_available], find_tasks_by_status status*,
// find_tasks_by_resource_requirements [cpu memory gpu], find_available_node_for_task task_id*,
// get_cluster_status_summary, get_task_execution_metrics, find_orphaned_content,
// estimate_time_to_completion; every query but get_state and digest also takes
// heartbeat_timeout (ms).
//
// Replies are JSON objects (call_json, and each query's own shape, see the .cc); rows have the
// field names of export.h's columns. Bad input is an InvalidArgument status whose message is
// the text of a RESP error ("ERR ...").
// Pure functions and value types; no threads, no ticks.
#ifndef EDDY_KVS_SERVERS_CLUSTER_STATE_SERVER_COMMANDS_H_
#define EDDY_KVS_SERVERS_CLUSTER_STATE_SERVER_COMMANDS_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "kvs/cluster_state/cluster_state.h"

namespace eddy::kvs {

// A command's (name, value) fields, in the order given.
using StateFields = std::vector<std::pair<std::string, std::string>>;

// A STATE.CALL operation, read and checked.
struct ParsedCall {
  std::string operation;
  // It changes tasks or content, which leechers do not keep.
  bool needs_full_tables = false;
  // assign_task: decided by the master replica (cluster_state_server.h). Its fields:
  bool is_assign = false;
  std::string task_id;
  std::string node_id;  // Empty: the master picks a node.
  // Runs the operation (not used for assign_task). REQUIRES: not a leecher for tasks/content.
  std::function<OpResult(ClusterState&, TimeMs now)> run;
};

// A STATE.QUERY, read and checked.
struct ParsedQuery {
  std::string query;
  // It reads tasks or content, which leechers do not keep.
  bool needs_full_tables = false;
  // The answer, as one JSON object.
  std::function<std::string(const ClusterState&, TimeMs now)> run;
};

// Reads `fields` for `operation`. InvalidArgument ("ERR ...") for an unknown operation, an
// unknown, repeated or missing field, or a value that does not parse.
absl::StatusOr<ParsedCall> parse_call(std::string_view operation, const StateFields& fields);
// As parse_call, for a query.
absl::StatusOr<ParsedQuery> parse_query(std::string_view query, const StateFields& fields);

// Pairs up args[first...] as fields. InvalidArgument when one is left without a value.
absl::StatusOr<StateFields> pair_fields(const std::vector<std::string>& args, size_t first);

// {"code":"ok","message":""}; assign_task adds "node_id" (the node it chose or was given) when
// there is one.
std::string call_json(const OpResult& result, std::optional<std::string> node_id = std::nullopt);

// Runs assign_task on `state`: to `node_id`, or (empty) to the node
// find_available_node_for_task picks at `now`. Returns the result and the node used.
std::pair<OpResult, std::string> run_assign(ClusterState& state, const std::string& task_id,
                                            const std::string& node_id, TimeMs now);

// The 16 hex digits of a hash of every row, tombstone and the version vector of `state`:
// equal digests, equal replicas (the rows are compared byte for byte, as in sync_test.cc).
std::string state_digest(const ClusterState& state);

}  // namespace eddy::kvs

#endif  // EDDY_KVS_SERVERS_CLUSTER_STATE_SERVER_COMMANDS_H_

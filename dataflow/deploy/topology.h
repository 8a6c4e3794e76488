// Topology: where every instance of a flow runs, read from a YAML file (docs/topology.md).
//
//   options:
//     cluster_secret_file: secret.key     # optional; relative to this file
//     max_frame_bytes: 8388608            # optional
//   locations:
//     leader:
//       process: 127.0.0.1:7000
//       admin: 127.0.0.1:7100             # optional HTTP admin endpoint
//     workers:
//       members: [127.0.0.1:7001, 127.0.0.1:7002, 127.0.0.1:7003]
//       admin: [127.0.0.1:7101, 127.0.0.1:7102, 127.0.0.1:7103]
//     clients:
//       ports:
//         clients: 127.0.0.1:7200         # each client port of the External, by port name
//
// Loading checks the file's own shape; check(flow) then checks it against a flow: every
// location of the flow present with the right kind, every client port given an address, nothing
// unknown. Errors name the file, the line and what is wrong.
#ifndef EDDY_DATAFLOW_DEPLOY_TOPOLOGY_H_
#define EDDY_DATAFLOW_DEPLOY_TOPOLOGY_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dataflow/core/internal/graph.h"
#include "dataflow/flow.h"
#include "dataflow/net/endpoint.h"

namespace eddy {

struct LocationTopology {
  std::string name;
  internal::LocationKind kind = internal::LocationKind::kProcess;
  // The process's one address, or each cluster member's (empty for an External).
  std::vector<Endpoint> instances;
  // Admin endpoint per instance, where given.
  std::vector<std::optional<Endpoint>> admin;
  // For an External: each client port's address, by port name.
  std::map<std::string, Endpoint> ports;
};

struct Topology {
  std::string path;
  std::vector<LocationTopology> locations;  // in file order
  std::string secret;                       // empty: no cluster secret
  size_t max_frame_bytes = 8 << 20;

  // Reads and parses a topology file.
  static absl::StatusOr<Topology> load(const std::string& path);
  // Parses topology text; relative paths in it are resolved against `base_dir`.
  static absl::StatusOr<Topology> parse(const std::string& text, const std::string& base_dir,
                                        const std::string& label = "topology");

  const LocationTopology* find(const std::string& name) const;
  // OK when this topology can run `flow`; otherwise what does not match.
  absl::Status check(const Flow& flow) const;
  // Instances per location of `flow`, in the flow's location order. REQUIRES: check(flow) is OK.
  std::vector<uint32_t> sizes(const Flow& flow) const;
};

}  // namespace eddy

#endif  // EDDY_DATAFLOW_DEPLOY_TOPOLOGY_H_

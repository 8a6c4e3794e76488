// TcpRunner: runs one instance of a flow as placed by a topology, talking TCP to its peers:
// the instance on its own thread, a TcpTransport to the instances it shares channels with, a
// listener for each client port it hosts, and its admin endpoint when it has one.
#ifndef EDDY_DATAFLOW_DEPLOY_TCP_RUNNER_H_
#define EDDY_DATAFLOW_DEPLOY_TCP_RUNNER_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "dataflow/deploy/topology.h"
#include "dataflow/flow.h"
#include "dataflow/net/endpoint.h"

namespace eddy {

struct TcpRunOptions {
  std::string location;
  uint32_t member = 0;
  // Overrides the topology's admin address for this instance (same host, this port).
  std::optional<uint16_t> admin_port;
  uint64_t seed = 0;
};

// "leader" for a process, "workers/1" for a cluster member: how logs and metrics name it.
std::string describe_instance(const Flow& flow, InstanceId id);

class TcpRunner {
 public:
  // Checks `topology` against `flow`, binds every listener and starts the instance. Fails with
  // the reason (a location or member the topology does not have, an address in use, ...).
  static absl::StatusOr<std::unique_ptr<TcpRunner>> start(const Flow& flow,
                                                           const Topology& topology,
                                                           TcpRunOptions options);
  ~TcpRunner();

  // Stops the instance and closes every connection and listener. Idempotent.
  void stop();
  std::optional<Endpoint> admin_endpoint() const;
  // Where this instance's peers and its client port `name` listen (real ports when 0 was asked).
  Endpoint peer_endpoint() const;
  std::optional<Endpoint> port_endpoint(const std::string& name) const;

  class Impl;

 private:
  explicit TcpRunner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace eddy

#endif  // EDDY_DATAFLOW_DEPLOY_TCP_RUNNER_H_

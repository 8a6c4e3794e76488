// The Prometheus text of one instance's counters: ticks, elements per operator, messages and
// bytes per channel and per peer, connection states and queue depths. Safe to call from any
// thread while the instance runs.
#ifndef EDDY_DATAFLOW_DEPLOY_METRICS_H_
#define EDDY_DATAFLOW_DEPLOY_METRICS_H_

#include <functional>
#include <string>
#include <vector>

#include "dataflow/core/internal/instance.h"
#include "dataflow/net/tcp_transport.h"

namespace eddy {

struct MetricsSources {
  internal::Instance* instance = nullptr;
  const TcpTransport* transport = nullptr;  // may be null (no peers)
  std::function<std::string(InstanceId)> describe;
  // Client connections open per port name.
  std::function<std::vector<std::pair<std::string, size_t>>()> client_connections;
};

std::string render_metrics(const MetricsSources& sources);

}  // namespace eddy

#endif  // EDDY_DATAFLOW_DEPLOY_METRICS_H_

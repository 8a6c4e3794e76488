#include "dataflow/deploy/tcp_runner.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "dataflow/core/internal/instance.h"
#include "dataflow/core/internal/instance_thread.h"
#include "dataflow/core/log.h"
#include "dataflow/deploy/admin_server.h"
#include "dataflow/deploy/metrics.h"
#include "dataflow/net/io_loop.h"
#include "dataflow/net/session_server.h"
#include "dataflow/net/tcp_transport.h"

namespace eddy {

using internal::LocationKind;
using internal::NodeId;

std::string describe_instance(const Flow& flow, InstanceId id) {
  const auto& location = flow.graph().location(id.location);
  if (location.kind == LocationKind::kCluster) return absl::StrCat(location.name, "/", id.member.raw);
  return location.name;
}

namespace {

// The locations `here` shares a channel with (either direction).
std::set<LocationId> channel_partners(const Flow& flow, LocationId here) {
  std::set<LocationId> partners;
  const internal::FlowGraph& graph = flow.graph();
  for (NodeId id = 0; id < graph.size(); ++id) {
    const internal::IrNode& node = graph.node(id);
    if (!node.receives_from_network()) continue;
    const LocationId from = graph.node(node.inputs().at(0)).location();
    if (from == here) partners.insert(node.location());
    if (node.location() == here) partners.insert(from);
  }
  return partners;
}

}  // namespace

class TcpRunner::Impl {
 public:
  // Unix time: stamps and record dates stay meaningful across restarts and reboots.
  WallClock clock;
  IoLoop loop;
  std::unique_ptr<TcpTransport> transport;
  std::unique_ptr<internal::Instance> instance;
  std::unique_ptr<internal::InstanceThread> thread;
  std::vector<std::unique_ptr<SessionServer>> ports;
  std::vector<std::string> port_names;
  std::unique_ptr<AdminServer> admin;
  bool stopped = false;

  void stop() {
    if (stopped) return;
    stopped = true;
    if (thread != nullptr) thread->stop();
    for (auto& port : ports) port->stop();
    if (admin != nullptr) admin->stop();
    if (instance != nullptr) instance->stop();  // stops the transport
    loop.stop();
  }
};

TcpRunner::TcpRunner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TcpRunner::~TcpRunner() { stop(); }
void TcpRunner::stop() { impl_->stop(); }
Endpoint TcpRunner::peer_endpoint() const { return impl_->transport->local_endpoint(); }
std::optional<Endpoint> TcpRunner::port_endpoint(const std::string& name) const {
  for (size_t i = 0; i < impl_->ports.size(); ++i) {
    if (impl_->port_names[i] == name) return impl_->ports[i]->local_endpoint();
  }
  return std::nullopt;
}
std::optional<Endpoint> TcpRunner::admin_endpoint() const {
  if (impl_->admin == nullptr) return std::nullopt;
  return impl_->admin->local_endpoint();
}

absl::StatusOr<std::unique_ptr<TcpRunner>> TcpRunner::start(const Flow& flow,
                                                           const Topology& topology,
                                                           TcpRunOptions options) {
  if (absl::Status s = flow.validate(); !s.ok()) return s;
  if (absl::Status s = topology.check(flow); !s.ok()) return s;
  const LocationTopology* placed = topology.find(options.location);
  if (placed == nullptr || placed->kind == LocationKind::kExternal) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--location: the topology has no process or cluster named '", options.location, "'"));
  }
  if (options.member >= placed->instances.size()) {
    return absl::InvalidArgumentError(absl::StrCat("--member ", options.member, ": '",
                                                   options.location, "' has ",
                                                   placed->instances.size(), " instance(s)"));
  }
  LocationId here = 0;
  for (const auto& location : flow.graph().locations()) {
    if (location.name == options.location) here = location.id;
  }
  const InstanceId self{here, MemberId{options.member}};
  auto describe = [&flow](InstanceId id) { return describe_instance(flow, id); };
  set_log_prefix(describe(self));

  auto impl = std::make_unique<Impl>();
  TcpTransportOptions transport_options;
  transport_options.self = self;
  transport_options.listen = placed->instances[options.member];
  transport_options.fingerprint = flow.fingerprint();
  transport_options.secret = topology.secret;
  transport_options.max_frame_bytes = topology.max_frame_bytes;
  transport_options.describe = describe;
  for (LocationId partner : channel_partners(flow, here)) {
    const LocationTopology* where = topology.find(flow.graph().location(partner).name);
    for (uint32_t m = 0; m < where->instances.size(); ++m) {
      transport_options.peers[InstanceId{partner, MemberId{m}}] = where->instances[m];
    }
  }
  absl::StatusOr<std::unique_ptr<TcpTransport>> transport =
      TcpTransport::create(impl->loop, std::move(transport_options));
  if (!transport.ok()) return transport.status();
  impl->transport = *std::move(transport);

  impl->instance = std::make_unique<internal::Instance>(
      flow.graph(), self, topology.sizes(flow), impl->clock, options.seed, impl->transport.get());
  impl->instance->core().set_max_payload_bytes(impl->transport->max_payload_bytes());

  for (const auto& [node, port] : impl->instance->core().external_ports()) {
    const internal::IrNode& source = flow.graph().node(node);
    const std::string& clients = flow.graph().location(*source.external()).name;
    if (!port->servable()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "client port '", port->name(), "' has request or reply types that do not serialize "
          "and no codec, so it cannot be served over TCP"));
    }
    const Endpoint at = topology.find(clients)->ports.at(port->name());
    absl::StatusOr<std::unique_ptr<SessionServer>> server = SessionServer::create(
        impl->loop, at, absl::StrCat("port '", port->name(), "'"), port);
    if (!server.ok()) return server.status();
    impl->ports.push_back(*std::move(server));
    impl->port_names.push_back(port->name());
  }

  std::optional<Endpoint> admin_at = placed->admin[options.member];
  if (options.admin_port) {
    admin_at = Endpoint{admin_at ? admin_at->host : placed->instances[options.member].host,
                        *options.admin_port};
  }
  if (admin_at) {
    MetricsSources sources;
    sources.instance = impl->instance.get();
    sources.transport = impl->transport.get();
    sources.describe = describe;
    Impl* raw = impl.get();
    sources.client_connections = [raw] {
      std::vector<std::pair<std::string, size_t>> out;
      for (size_t i = 0; i < raw->ports.size(); ++i) {
        out.emplace_back(raw->port_names[i], raw->ports[i]->connections());
      }
      return out;
    };
    std::map<std::string, AdminPage> pages;
    pages["/metrics"] = AdminPage{"text/plain; version=0.0.4",
                                  [sources] { return render_metrics(sources); }};
    pages["/graph"] = AdminPage{"text/plain", [&flow] { return flow.to_mermaid(); }};
    pages["/healthz"] = AdminPage{"text/plain", [] { return std::string("ok\n"); }};
    absl::StatusOr<std::unique_ptr<AdminServer>> admin =
        AdminServer::create(impl->loop, *admin_at, std::move(pages));
    if (!admin.ok()) return admin.status();
    impl->admin = *std::move(admin);
  }

  impl->instance->start();
  for (auto& port : impl->ports) port->start();
  if (impl->admin != nullptr) impl->admin->start();
  impl->loop.start();
  impl->thread = std::make_unique<internal::InstanceThread>(*impl->instance, impl->clock);
  impl->thread->start();
  EDDY_LOG(kInfo, "running at ", impl->transport->local_endpoint().to_string(),
           impl->admin != nullptr ? absl::StrCat(", admin at http://",
                                                 impl->admin->local_endpoint().to_string())
                                  : std::string());
  return std::unique_ptr<TcpRunner>(new TcpRunner(std::move(impl)));
}

}  // namespace eddy

#include "dataflow/deploy/metrics.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace eddy {
namespace {

std::string label_value(const std::string& text) {
  return absl::StrReplaceAll(text, {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}});
}

// Appends one metric family: its HELP and TYPE lines, then its samples.
class Family {
 public:
  Family(std::string* out, const char* name, const char* type, const char* help)
      : out_(out), name_(name) {
    absl::StrAppend(out_, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
  }
  void sample(const std::string& labels, uint64_t value) {
    absl::StrAppend(out_, name_, "{", labels, "} ", value, "\n");
  }

 private:
  std::string* out_;
  const char* name_;
};

}  // namespace

std::string render_metrics(const MetricsSources& sources) {
  internal::InstanceCore& core = sources.instance->core();
  const internal::FlowGraph& graph = core.graph();
  const InstanceId self = core.self();
  const std::string who =
      absl::StrCat("location=\"", label_value(graph.location(self.location).name),
                   "\",member=\"", self.member.raw, "\"");
  std::string out;

  Family(&out, "eddy_ticks_total", "counter", "Ticks this instance has run.")
      .sample(who, sources.instance->ticks_run());
  Family(&out, "eddy_inbox_messages", "gauge", "Messages received, waiting for the next tick.")
      .sample(who, sources.instance->inbox_depth());

  Family items(&out, "eddy_operator_items_total", "counter",
               "Elements each operator of this instance produced.");
  for (internal::NodeId id = 0; id < graph.size(); ++id) {
    const internal::IrNode& node = graph.node(id);
    if (node.location() != self.location || node.shape() == internal::NodeShape::kAlias) continue;
    items.sample(absl::StrCat(who, ",node=\"", id, "\",op=\"", label_value(node.op()), "\""),
                 core.items(id));
  }

  const auto channels = core.channel_counters();
  Family messages(&out, "eddy_channel_messages_total", "counter",
                  "Messages per channel and direction.");
  for (const auto& [channel, c] : channels) {
    const std::string labels = absl::StrCat(who, ",channel=\"", channel, "\"");
    messages.sample(absl::StrCat(labels, ",direction=\"out\""), c.messages_out);
    messages.sample(absl::StrCat(labels, ",direction=\"in\""), c.messages_in);
  }
  Family bytes(&out, "eddy_channel_bytes_total", "counter",
               "Payload bytes per channel and direction.");
  for (const auto& [channel, c] : channels) {
    const std::string labels = absl::StrCat(who, ",channel=\"", channel, "\"");
    bytes.sample(absl::StrCat(labels, ",direction=\"out\""), c.bytes_out);
    bytes.sample(absl::StrCat(labels, ",direction=\"in\""), c.bytes_in);
  }

  if (sources.transport != nullptr) {
    const std::vector<PeerStats> peers = sources.transport->stats();
    auto per_peer = [&](const char* name, const char* type, const char* help, auto field) {
      Family family(&out, name, type, help);
      for (const PeerStats& p : peers) {
        family.sample(absl::StrCat(who, ",peer=\"", label_value(sources.describe(p.peer)), "\""),
                      field(p));
      }
    };
    per_peer("eddy_peer_connected", "gauge", "1 while the connection to the peer is open.",
             [](const PeerStats& p) { return uint64_t{p.connected}; });
    per_peer("eddy_peer_connects_total", "counter", "Connections made to the peer.",
             [](const PeerStats& p) { return p.connects; });
    per_peer("eddy_peer_frames_sent_total", "counter", "Data frames queued for the peer.",
             [](const PeerStats& p) { return p.frames_out; });
    per_peer("eddy_peer_bytes_sent_total", "counter", "Bytes written to the peer.",
             [](const PeerStats& p) { return p.bytes_out; });
    per_peer("eddy_peer_frames_received_total", "counter", "Data frames read from the peer.",
             [](const PeerStats& p) { return p.frames_in; });
    per_peer("eddy_peer_bytes_received_total", "counter", "Data bytes read from the peer.",
             [](const PeerStats& p) { return p.bytes_in; });
    per_peer("eddy_peer_dropped_frames_total", "counter",
             "Frames dropped: over the queue limit while the peer was unreachable, or too big.",
             [](const PeerStats& p) { return p.dropped_frames; });
    per_peer("eddy_peer_queued_bytes", "gauge", "Bytes waiting to be written to the peer.",
             [](const PeerStats& p) { return p.queued_bytes; });
    per_peer("eddy_peer_refusals_total", "counter",
             "Handshakes with the peer refused by either side (another flow, a wrong secret).",
             [](const PeerStats& p) { return p.refusals; });
  }
  if (sources.client_connections) {
    Family clients(&out, "eddy_client_connections", "gauge", "Open client connections per port.");
    for (const auto& [port, count] : sources.client_connections()) {
      clients.sample(absl::StrCat(who, ",port=\"", label_value(port), "\""), count);
    }
  }
  return out;
}

}  // namespace eddy

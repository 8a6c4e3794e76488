// topology_fuzz: Topology::parse (dataflow/deploy/topology.h) on arbitrary text.
//
// For every input, parse returns a Topology or a Status: nothing may crash, trip a sanitizer or
// let an exception out (yaml-cpp throws; topology.cc must catch it). A Topology it returns has
// the shape topology.h describes: at least one location; a Process with one address, a Cluster
// with at least one, an External with none and at least one client port; one admin entry per
// instance; max_frame_bytes within its bounds; a secret, when given, of at least 16 bytes. Such a
// Topology is then check()ed against a flow with a Process, a Cluster and an External, and, when
// it fits, sizes() gives one count per location of the flow.
// A broken property traps (fuzz_check.h). Relative cluster_secret_file paths resolve in
// fuzz/testdata, which holds cluster.key.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dataflow/deploy/topology.h"
#include "dataflow/eddy.h"
#include "fuzz/fuzz_check.h"

namespace eddy::fuzz {
namespace {

using internal::LocationKind;

// A flow with one location of each kind (the one topology_test.cc uses).
const Flow& echo_flow() {
  static const Flow* const flow = [] {
    auto* f = new Flow;
    auto leader = f->process("leader");
    auto workers = f->cluster("workers");
    auto clients = f->external("clients");
    auto [port, requests] = leader.source_external<int, int>(clients, "echo");
    requests.entries().round_robin(workers).send(leader).values().send_external(port);
    return f;
  }();
  return *flow;
}

void check_location(const LocationTopology& location) {
  switch (location.kind) {
    case LocationKind::kProcess:
      EDDY_FUZZ_CHECK(location.instances.size() == 1, "a Process has one address");
      EDDY_FUZZ_CHECK(location.ports.empty(), "only an External has client ports");
      break;
    case LocationKind::kCluster:
      EDDY_FUZZ_CHECK(!location.instances.empty(), "a Cluster has at least one member");
      EDDY_FUZZ_CHECK(location.ports.empty(), "only an External has client ports");
      break;
    case LocationKind::kExternal:
      EDDY_FUZZ_CHECK(location.instances.empty(), "an External has no instances");
      EDDY_FUZZ_CHECK(!location.ports.empty(), "an External has at least one client port");
      break;
  }
  EDDY_FUZZ_CHECK(location.admin.size() == location.instances.size(),
                  "one admin entry per instance");
}

void check_topology(const Topology& topology) {
  EDDY_FUZZ_CHECK(!topology.locations.empty(), "a topology places at least one location");
  for (const LocationTopology& location : topology.locations) check_location(location);
  EDDY_FUZZ_CHECK(topology.max_frame_bytes >= 1024 && topology.max_frame_bytes <= (size_t{1} << 31),
                  "max_frame_bytes is within its bounds");
  EDDY_FUZZ_CHECK(topology.secret.empty() || topology.secret.size() >= 16,
                  "a cluster secret has at least 16 bytes");
  const Flow& flow = echo_flow();
  if (topology.check(flow).ok()) {
    EDDY_FUZZ_CHECK(topology.sizes(flow).size() == flow.graph().locations().size(),
                    "sizes() gives one count per location of the flow");
  }
}

}  // namespace
}  // namespace eddy::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<eddy::Topology> topology =
      eddy::Topology::parse(text, EDDY_FUZZ_TOPOLOGY_DIR, "fuzz.yaml");
  if (topology.ok()) eddy::fuzz::check_topology(*topology);
  return 0;
}

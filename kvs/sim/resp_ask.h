// resp_ask: one RESP command to a store's client port under the simulator, for the checks a
// simulation driver makes after quiescence (kvs_sim.h, cluster_state_sim.h).
#ifndef EDDY_KVS_SIM_RESP_ASK_H_
#define EDDY_KVS_SIM_RESP_ASK_H_

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dataflow/external_port.h"
#include "dataflow/sim/simulation.h"
#include "kvs/protocol/resp.h"
#include "kvs/protocol/resp_codec.h"

namespace eddy::kvs {

// Sends `command` on a fresh connection to `port` and runs `simulation` until the reply is
// complete, at most `limit` of simulated time. Returns the reply; nullopt when none came in
// time or it did not parse.
inline std::optional<RespValue> ask_once(sim::Simulation& simulation,
                                         const ExternalPort<RespRequest, RespOut>& port,
                                         std::vector<std::string> command, Duration limit) {
  auto client = simulation.connect(port);
  RespRequest request;
  request.args = std::move(command);
  client.send(std::move(request));
  RespReplyParser parser;
  const Instant until = simulation.now() + limit;
  while (simulation.now() < until) {
    simulation.run_for(std::chrono::milliseconds(1));
    for (RespOut& out : client.take_replies()) parser.feed(out.bytes.data(), out.bytes.size());
    auto next = parser.next();
    if (!next.ok()) return std::nullopt;
    if (next->has_value()) {
      client.close();
      return std::move(**next);
    }
  }
  return std::nullopt;
}

}  // namespace eddy::kvs

#endif  // EDDY_KVS_SIM_RESP_ASK_H_

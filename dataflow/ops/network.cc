#include "dataflow/ops/network.h"

namespace eddy::internal {

const char* to_string(Routing routing) {
  switch (routing) {
    case Routing::kToProcess:
      return "send";
    case Routing::kBroadcast:
      return "broadcast";
    case Routing::kRoundRobin:
      return "round_robin";
    case Routing::kDemux:
      return "demux";
  }
  return "?";
}

}  // namespace eddy::internal

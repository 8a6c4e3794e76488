// The key-value stores, as flows: a coordinator speaking the Redis protocol in front of a
// local store or of a replicated cluster.
//
//   local       one Process "coordinator": the store lives in the coordinator.
//   replicated  Process "coordinator" + Cluster "members": the coordinator sends each op to the
//               next member in turn; each member applies its ops, broadcasts every write it
//               applied to all other members, and chains its own and gossiped writes into one
//               table (member_store.h); replies go back through the coordinator to the client
//               that asked, in that client's order (coordinator.h). Members repair what gossip
//               lost by comparing their tables periodically (anti_entropy.h). With an ack
//               policy other than local, members also report their applied marks to the
//               coordinator, which holds each write's reply until enough members applied it.
//
// With a data directory (either mode), each replica keeps a write-ahead log and recovers from
// it when it starts (durable_log.h).
//
// Both have an External "clients" whose port "resp" speaks RESP2 (protocol/resp_codec.h).
// Values are LWW registers (the default) or causal sibling sets (value_model.h).
#ifndef EDDY_KVS_SERVERS_KVS_SERVER_H_
#define EDDY_KVS_SERVERS_KVS_SERVER_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "dataflow/external_port.h"
#include "dataflow/flow.h"
#include "kvs/core/anti_entropy.h"
#include "kvs/core/durable_log.h"
#include "kvs/protocol/commands.h"
#include "kvs/protocol/resp_codec.h"
#include "kvs/servers/coordinator.h"

namespace eddy::kvs {

struct KvsOptions {
  enum class Mode { kLocal, kReplicated };
  Mode mode = Mode::kReplicated;
  std::string lattice = "lww";  // or "causal"
  CommandLimits limits;
  // Replicated: how often members compare tables and repair differences (kvs/core/
  // anti_entropy.h); an interval of zero turns repair off.
  AntiEntropyOptions anti_entropy;
  // Replicated: how many members must have applied a write before it is acknowledged
  // (coordinator.h). The local store has one replica: its writes are acknowledged once applied.
  AckPolicy ack = AckPolicy::kLocal;
  // Replicated: an op a member has not answered after this long is sent to it again (a
  // connection that died, a partition or a member's restart lost it); zero never resends, and
  // a command whose op is lost then never gets its reply.
  Duration resend_after = std::chrono::seconds(1);
  // Replicated, with resending: a member the coordinator heard nothing from (members report
  // every resend interval) for this long counts as down, and new commands go to the others
  // (coordinator.h); zero never counts a member down. REQUIRES: zero or at least twice
  // resend_after.
  Duration down_after = std::chrono::seconds(3);
  // With a data directory, every replica logs what it applies and recovers from its log when
  // it starts (kvs/core/durable_log.h). docs/consistency.md says what each setting guarantees.
  WalOptions wal;
};

inline constexpr char kCoordinator[] = "coordinator";
inline constexpr char kMembers[] = "members";
inline constexpr char kClients[] = "clients";
inline constexpr char kRespPort[] = "resp";

// Adds the store to `flow`, and sets `*port` (when given) to its Redis-protocol client port, for
// in-process clients (tests, the simulator). Fails for an unknown lattice.
absl::Status build_kvs(Flow& flow, const KvsOptions& options,
                       std::optional<ExternalPort<RespRequest, RespOut>>* port = nullptr);

}  // namespace eddy::kvs

#endif  // EDDY_KVS_SERVERS_KVS_SERVER_H_

// Coordinator: the state machine in front of a store's members. It reads clients' commands,
// dispatches their parts to members, and answers each connection in the order it asked.
//
// Writes are stamped from the coordinator's hybrid logical clock (strictly increasing), so a
// connection's later write always wins over its earlier one whichever member applies it. Each
// op goes to the next member in turn (round robin over all connections' ops). Per connection,
// the coordinator keeps:
//   - the order of its commands: replies are released strictly in that order, whatever order
//     the members answer in (Redis clients pipeline and expect that);
//   - its session version vector: every write it made (set at dispatch) and every version a
//     read returned to it. A GET carries that vector, and the member answers only once it has
//     applied everything in it: read-your-writes and monotonic reads, whichever member serves;
//   - a barrier: a write waits while the connection has a read in flight, and everything after
//     a waiting command waits too, so no read can see a write the connection issued after it.
// Reads may see other connections' writes in any order: the store is eventually consistent.
//
// Not thread safe: it runs inside one scan at the coordinator.
#ifndef EDDY_KVS_SERVERS_COORDINATOR_H_
#define EDDY_KVS_SERVERS_COORDINATOR_H_

#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "dataflow/core/clock.h"
#include "dataflow/core/ids.h"
#include "kvs/core/types.h"
#include "kvs/protocol/commands.h"
#include "kvs/protocol/resp_codec.h"

namespace eddy::kvs {

struct CoordinatorOptions {
  uint32_t members = 1;             // the cluster's size: set by the running flow (set_members)
  std::string mode = "replicated";  // for INFO
  std::string lattice = "lww";      // "causal": GET answers every sibling, as an array
  CommandLimits limits;
};

// What a coordinator step asks the flow to do.
using CoordinatorAction = std::variant<std::pair<MemberId, MemberOp>, std::pair<ConnectionId, RespOut>>;

// What a coordinator step reads: a client's request, a member's reply, or a client gone.
struct ClientRequest {
  ConnectionId conn;
  RespRequest request;
};
struct ClientGone {
  ConnectionId conn;
};
using CoordinatorEvent = std::variant<ClientRequest, MemberReply, ClientGone>;

class Coordinator {
 public:
  explicit Coordinator(CoordinatorOptions options) : options_(std::move(options)) {}

  // Processes one event at instant `now`, appending what to send to `out`.
  void step(Instant now, CoordinatorEvent event, std::vector<CoordinatorAction>* out);
  // The number of members, known only once the flow runs (a cluster's size is a deployment
  // choice). REQUIRES: members >= 1.
  void set_members(uint32_t members) { options_.members = members; }

  // Open connections (INFO connected_clients).
  size_t connections() const { return sessions_.size(); }

 private:
  struct Pending {
    CommandKind kind = CommandKind::kImmediate;
    uint32_t parts = 0;
    uint32_t answered = 0;
    absl::InlinedVector<MemberReply, 1> results;
    std::string bytes;  // the reply, once complete
    bool done = false;
    bool close = false;
  };
  struct Session {
    uint64_t next_seq = 0;  // the next command's number
    uint64_t next_out = 0;  // the next command whose reply goes out
    // Commands next_out, next_out + 1, ...: a command waiting behind the barrier holds an
    // empty slot until it is dispatched.
    std::deque<Pending> pending;
    VersionVector seen;          // writes made, and versions read
    uint32_t reads_in_flight = 0;
    std::deque<std::pair<uint64_t, Command>> waiting;  // behind the barrier, in order
    std::string name;
  };

  void on_request(Instant now, ConnectionId conn, RespRequest request,
                  std::vector<CoordinatorAction>* out);
  void on_reply(MemberReply reply, std::vector<CoordinatorAction>* out);
  void dispatch(Instant now, ConnectionId conn, Session& session, uint64_t seq, Command command,
                std::vector<CoordinatorAction>* out);
  // Answers what the coordinator knows by itself.
  std::string answer_locally(const Session& session, const Command& command) const;
  void release_waiting(Instant now, ConnectionId conn, Session& session,
                       std::vector<CoordinatorAction>* out);
  void flush(ConnectionId conn, Session& session, std::vector<CoordinatorAction>* out);
  std::string assemble(const Pending& pending) const;
  uint64_t next_stamp(Instant now);
  MemberId next_member();

  CoordinatorOptions options_;
  absl::flat_hash_map<ConnectionId, Session> sessions_;
  std::vector<uint64_t> routed_;  // client ops sent to each member (EDDY.MEMBERS)
  uint64_t last_stamp_ = 0;
  uint64_t next_member_ = 0;
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_SERVERS_COORDINATOR_H_

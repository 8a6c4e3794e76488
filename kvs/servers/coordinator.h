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
// Acknowledgements (AckPolicy): a write's reply (SET, MSET, DEL) goes out once its member
// answered (kLocal), or once a majority of the members (kQuorum) or all of them (kAll) have
// applied it. Members that are asked to report (any policy but kLocal) send their applied marks
// (MemberMarks) after each tick that raised them; the coordinator keeps, per member, the
// highest mark per origin, and a write (origin, stamp) counts as applied at every member whose
// mark for that origin is at least its stamp. A write waiting for acknowledgements holds back
// the replies after it on its connection, as any unanswered command does.
//
// The stable stamp (with resending on): from the marks each member's current run reported
// (a member that restarts reports a new incarnation, and its earlier run's marks stop
// counting), the highest stamp S such that every write stamped at or below S has been applied at
// every member: for each origin, the lowest mark any member has for it, unless every member has
// applied every write sent to that origin so far; the lowest of those, and never above the last
// stamp given out (later writes are stamped higher). S only grows. It goes to every member in a
// kFloor notice at each resend interval (and to a member at once when it reports a new run);
// members collect their tombstones at or below it (member_store.h).
//
// Members that are down (with resending on): a member the coordinator has heard nothing from
// (no reply, no marks report; members report every resend interval) for `down_after` counts as
// down. New ops that may go to any member (GET, SET, ... but not the admin commands that name a
// member) go round robin over the members that are up. Ops already sent to a member that is
// down stay with it, resent until it is back (writes are numbered per member, write_numbers.h),
// and hold back the replies after them on their connections. With every member down, ops go
// round robin over all of them and wait. EDDY.MEMBERS answers for a member that is down, at
// once or at the next resend, with nil for its live keys, digest and tombstones; EDDY.GETFROM
// naming it waits for it (a busy member can look down for a while).
//
// Not thread safe: it runs inside one scan at the coordinator.
#ifndef EDDY_KVS_SERVERS_COORDINATOR_H_
#define EDDY_KVS_SERVERS_COORDINATOR_H_

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
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
#include "kvs/servers/liveness.h"
#include "kvs/servers/write_numbers.h"

namespace eddy::kvs {

// How many members must have applied a write before its reply goes out.
enum class AckPolicy {
  kLocal,   // the member it went to (1)
  kQuorum,  // a majority: floor(n / 2) + 1
  kAll,     // every member: n (a member that is down stalls every write)
};

struct CoordinatorOptions {
  uint32_t members = 1;             // the cluster's size: set by the running flow (set_members)
  std::string mode = "replicated";  // for INFO
  std::string lattice = "lww";      // "causal": GET answers every sibling, as an array
  AckPolicy ack = AckPolicy::kLocal;
  CommandLimits limits;
  // An op a member has not answered after this long is sent to it again (the same op: a
  // connection that died, a partition or a restart lost it or its reply); zero never resends.
  // The flow delivers a ResendTimer event at this interval.
  Duration resend_after = Duration::zero();
  // With resending on: a member the coordinator has heard nothing from for this long counts as
  // down (above); zero never counts a member down. REQUIRES: zero or at least 2 * resend_after.
  Duration down_after = Duration::zero();
};

// What a coordinator step asks the flow to do.
using CoordinatorAction =
    std::variant<std::pair<MemberId, MemberOp>, std::pair<ConnectionId, RespOut>>;

// What a coordinator step reads: a client's request, a member's reply, or a client gone.
struct ClientRequest {
  ConnectionId conn;
  RespRequest request;
};
struct ClientGone {
  ConnectionId conn;
};
// What a member reports after a tick that raised its applied marks: for each origin whose mark
// rose, the highest version of that origin it has applied, and which run of the member says so
// (MemberStore::mark_reports).
struct MemberMarks {
  uint32_t member = 0;
  uint64_t incarnation = 0;
  std::vector<Version> marks;
};
// Time to resend what members have not answered (CoordinatorOptions::resend_after).
struct ResendTimer {};
using CoordinatorEvent =
    std::variant<ClientRequest, MemberReply, ClientGone, MemberMarks, ResendTimer>;

class Coordinator {
 public:
  explicit Coordinator(CoordinatorOptions options)
      : options_(std::move(options)), liveness_(options_.down_after) {}

  // Processes one event at instant `now`, appending what to send to `out`.
  void step(Instant now, CoordinatorEvent event, std::vector<CoordinatorAction>* out);
  // The number of members, known only once the flow runs (a cluster's size is a deployment
  // choice). REQUIRES: members >= 1.
  void set_members(uint32_t members) { options_.members = members; }

  // Open connections (INFO connected_clients).
  size_t connections() const { return sessions_.size(); }
  // The stable stamp sent to members so far (0: none).
  uint64_t stable() const { return stable_; }
  // Whether `member` counts as up at `now` (always, without resending).
  bool member_up(uint32_t member, Instant now) const;

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
    VersionVector seen;  // writes made, and versions read
    uint32_t reads_in_flight = 0;
    std::deque<std::pair<uint64_t, Command>> waiting;  // behind the barrier, in order
    std::string name;
  };

  void on_request(Instant now, ConnectionId conn, RespRequest request,
                  std::vector<CoordinatorAction>* out);
  void on_reply(MemberReply reply, std::vector<CoordinatorAction>* out);
  void on_marks(const MemberMarks& marks, std::vector<CoordinatorAction>* out);
  // Sends `op` to `member`, remembering it for resending when that is on.
  void send_op(Instant now, MemberId member, MemberOp op, std::vector<CoordinatorAction>* out);
  // The command `ref` is a part of, while its reply is still to go out; nullptr otherwise.
  static Pending* pending_of(Session& session, const RequestRef& ref);
  // Answers part `ref` of an EDDY.MEMBERS for `member`, which is down (MemberReply::
  // member_down).
  void answer_for_down_member(Session& session, const RequestRef& ref, MemberId member);
  int64_t down_after_ms() const;
  // Logs each member that came to count as down, or up again, since the last call.
  void log_member_changes(Instant now);
  // Tells `op` (to `member`) about the writes sent to that member: the oldest number still
  // unanswered (numbered writes), and under kLocal the stamp up to which all were answered
  // (MemberOp::own_floor). REQUIRES: resending is on.
  void tell_writes(MemberId member, MemberOp& op) const;
  // The stamp up to which every write sent to `member` was answered.
  uint64_t answered_floor(MemberId member) const;
  // Settles the op `reply` answers: forgets it, or under kQuorum and kAll, for a write, keeps
  // resending it until it is acknowledged. False when it was answered before (a duplicate).
  bool settle(const MemberReply& reply);
  void resend(Instant now, std::vector<CoordinatorAction>* out);
  // Raises the stable stamp as far as every member's current run's marks allow.
  void advance_stable();
  // A kFloor notice to `member`: writes given up (kLocal), the stable stamp, its run.
  void send_notice(MemberId member, std::vector<CoordinatorAction>* out) const;
  // Stops resending an op (acknowledged, or answered and needing no acknowledgements).
  void forget(const RequestRef& ref);
  // Counts one more answered part of `pending`; assembles its reply when it was the last.
  void answer_part(Pending& pending);
  // Members that have applied `version`, by their marks.
  uint32_t applied_at(Version version) const;
  uint32_t acks_needed() const;
  // Answers the waiting writes of `origin` that enough members have applied now, and flushes
  // their connections.
  void release_acked(uint32_t origin, std::vector<CoordinatorAction>* out);
  void dispatch(Instant now, ConnectionId conn, Session& session, uint64_t seq, Command command,
                std::vector<CoordinatorAction>* out);
  // Answers what the coordinator knows by itself.
  std::string answer_locally(const Session& session, const Command& command) const;
  void release_waiting(Instant now, ConnectionId conn, Session& session,
                       std::vector<CoordinatorAction>* out);
  void flush(ConnectionId conn, Session& session, std::vector<CoordinatorAction>* out);
  std::string assemble(const Pending& pending) const;
  uint64_t next_stamp(Instant now);
  // The next member for an op any member may take: round robin over those that are up.
  MemberId next_member(Instant now);

  CoordinatorOptions options_;
  absl::flat_hash_map<ConnectionId, Session> sessions_;
  std::vector<uint64_t> routed_;  // client ops sent to each member (EDDY.MEMBERS)
  // kQuorum, kAll: per member, the highest version applied per origin; and per origin, the
  // write parts its member answered that wait for acknowledgements, by stamp.
  std::vector<VersionVector> applied_;
  std::vector<std::map<uint64_t, RequestRef>> unacked_;
  // With resending: every op sent and not yet answered, by (connection, command, part) (resends
  // go out in that order); and, per member, the numbers of its writes and which are unanswered.
  struct Unanswered {
    MemberId member;
    MemberOp op;
    Instant sent;
    bool awaiting_acks = false;  // a write its member answered, not yet acknowledged
  };
  absl::flat_hash_map<RequestRef, Unanswered> unanswered_;
  std::vector<WriteNumbers> write_numbers_;
  std::vector<uint64_t> last_write_stamp_;  // per member: the stamp of the last write sent
  // Per member, the incarnation its marks were last reported by and that run's marks; and the
  // stable stamp.
  std::vector<uint64_t> incarnation_;
  std::vector<VersionVector> run_marks_;
  uint64_t stable_ = 0;
  uint64_t last_stamp_ = 0;
  uint64_t next_member_ = 0;
  // Replies and marks reports, by member.
  Liveness<Instant, Duration> liveness_;
  std::vector<bool> counted_down_;  // as last logged
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_SERVERS_COORDINATOR_H_

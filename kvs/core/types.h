// The vocabulary of eddy's key-value stores: write versions, version vectors, the operations a
// coordinator hands to a member, and the replies that come back.
//
// Every write gets a version when the coordinator dispatches it: a stamp from the coordinator's
// hybrid logical clock (strictly increasing) and the member that applies it first (its origin).
// A member applies the writes of one origin in stamp order (they travel on FIFO channels), so
// "member j has applied origin m's writes up to stamp s" is one number per origin: a version
// vector. Session guarantees are checks of one version vector against another.
#ifndef EDDY_KVS_CORE_TYPES_H_
#define EDDY_KVS_CORE_TYPES_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/types/span.h"
#include "cereal/cereal.hpp"
#include "cereal/types/string.hpp"
#include "cereal/types/vector.hpp"
#include "dataflow/core/ids.h"

namespace eddy::kvs {

using Key = std::string;

struct Version {
  uint32_t origin = 0;  // the member that applied the write first
  uint64_t stamp = 0;   // the coordinator's clock when it dispatched the write

  friend auto operator<=>(const Version&, const Version&) = default;
  template <class Archive>
  void serialize(Archive& archive) {
    archive(origin, stamp);
  }
};

// Stamps applied, per origin member (index = member id; a missing entry is 0).
class VersionVector {
 public:
  uint64_t get(uint32_t origin) const { return origin < stamps_.size() ? stamps_[origin] : 0; }
  // Records that `version` is applied (or seen); stamps only grow.
  void raise(Version version);
  void merge(const VersionVector& other);
  // True when every stamp `need` has is also covered here.
  bool covers(const VersionVector& need) const;
  bool empty() const { return stamps_.empty(); }
  absl::Span<const uint64_t> stamps() const { return stamps_; }

  friend bool operator==(const VersionVector& a, const VersionVector& b);
  // On the wire as a std::vector<uint64_t> would be: a size, then the stamps.
  template <class Archive>
  void save(Archive& archive) const {
    archive(cereal::make_size_tag(static_cast<cereal::size_type>(stamps_.size())));
    for (uint64_t stamp : stamps_) archive(stamp);
  }
  template <class Archive>
  void load(Archive& archive) {
    cereal::size_type size = 0;
    archive(cereal::make_size_tag(size));
    stamps_.resize(static_cast<size_t>(size));
    for (uint64_t& stamp : stamps_) archive(stamp);
  }

 private:
  std::vector<uint64_t> stamps_;
};

enum class OpKind : uint8_t {
  kPut = 0,
  kDelete = 1,
  kGet = 2,
  kCount = 3,   // live keys (DBSIZE)
  kDigest = 4,  // key count and digest of the whole table (EDDY.MEMBERS)
  kFloor = 5,   // only MemberOp::own_floor, unanswered: writes given up under --ack=local
};

// Where one part of one client command comes from: its connection, its place in that
// connection's order, and which part of the command it is (MGET k1 k2 has parts 0 and 1).
struct RequestRef {
  ConnectionId conn;
  uint64_t seq = 0;
  uint32_t part = 0;

  // Ordered by connection, then command, then part.
  friend auto operator<=>(const RequestRef&, const RequestRef&) = default;
  template <class H>
  friend H AbslHashValue(H h, const RequestRef& r) {
    return H::combine(std::move(h), r.conn, r.seq, r.part);
  }

  template <class Archive>
  void serialize(Archive& archive) {
    archive(conn, seq, part);
  }
};

// What the coordinator asks one member to do.
struct MemberOp {
  OpKind kind = OpKind::kGet;
  RequestRef ref;
  Key key;
  std::string value;    // kPut
  Version version;      // kPut, kDelete: the write's version (origin = the receiving member)
  VersionVector needs;  // kGet: what the member must have applied before it answers
  // Writes a coordinator may resend are numbered per member (1, 2, ...; 0: not numbered), and
  // carry the lowest number the coordinator still awaits an answer for from that member: a
  // member applies numbered writes in number order, so that a write lost on the way, and
  // resent, never leaves a gap under its applied marks (member_store.h).
  uint64_t write_seq = 0;
  uint64_t unanswered_from = 0;
  // kPut, kDelete: the stamp of the write the coordinator sent this member before this one
  // (0: none). The member counts this write in its own applied mark only when it holds that one
  // too, so a member that restarted empty never claims writes it lost.
  uint64_t prev_stamp = 0;
  // Under --ack=local, where a member's crash may lose writes it acknowledged: every write the
  // coordinator sent this member up to this stamp has been answered (applied, perhaps by an
  // incarnation of the member that crashed since). The member counts them in its own applied
  // mark even if it lost some (they are given up, and sessions that wrote them read on without
  // them) instead of waiting for them forever. 0 under quorum and all: lost writes come back
  // from the members that hold them.
  uint64_t own_floor = 0;
  // kFloor, when the coordinator collects tombstones: the stable stamp (every write stamped at
  // or below it is applied at every member, and none is made again), and the incarnation of the
  // receiving member its marks were last reported by (member_store.h); 0 otherwise.
  uint64_t stable = 0;
  uint64_t incarnation = 0;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(kind, ref, key, value, version, needs, write_seq, unanswered_from, prev_stamp,
            own_floor, stable, incarnation);
  }
};

// What a member reports of its applied marks: for some origins, the highest stamp applied; and
// which run of the member says so (its incarnation: the instant that run started, member_store.h).
struct MarkReport {
  uint64_t incarnation = 0;
  std::vector<Version> marks;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(incarnation, marks);
  }
};

struct MemberReply {
  OpKind kind = OpKind::kGet;
  RequestRef ref;
  uint32_t member = 0;
  // kGet: the live values found (none: not found; LWW: at most one; causal: every sibling),
  // and the versions the reader saw (for monotonic reads).
  std::vector<std::string> values;
  std::vector<Version> seen;
  // kPut, kDelete: the version written.
  Version written;
  // kCount: live keys. kDigest: live keys, and the digest of the whole table.
  uint64_t count = 0;
  uint64_t digest = 0;
  uint64_t tombstones = 0;  // kCount, kDigest: keys held only as tombstones
  // A numbered write's number and the op's unanswered_from (MemberOp), and whether this
  // answers a copy of a write applied before: the member fills in a repeated DEL's count from
  // its first answer (member_store.h).
  uint64_t write_seq = 0;
  uint64_t unanswered_from = 0;
  bool repeated = false;
  // Not on the wire: the coordinator's own answer, for an EDDY.MEMBERS, for a member it counts
  // as down.
  bool member_down = false;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(kind, ref, member, values, seen, written, count, digest, tombstones, write_seq,
            unanswered_from, repeated);
  }
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CORE_TYPES_H_

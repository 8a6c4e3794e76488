// member_store: one replica of the key-value table, as a dataflow at one location (a cluster
// member, or a single process for the local store).
//
// Inputs: the ops a coordinator sends here, the writes other members gossip, and the repairs
// other members send back for this member's table summaries (anti_entropy.h). Each tick
// processes, in this order: the writes gossiped since the last tick, the repairs, ops parked
// earlier, then this tick's ops in the order they arrived. A GET answers from the table as the
// previous tick left it, merged with the writes before it in this tick (so it sees earlier writes
// and none of the later ones), and only once this member has applied every write its session needs
// (the op's `needs` vector); until then it is parked, re-examined at each later tick. GETs carry
// needs, and so do DELs (they count what they remove) and causal writes (their clocks must
// cover the session's earlier writes).
//
// Applied marks. A member applies one origin's gossip in stamp order (it travels on one FIFO
// channel), so "applied origin o up to stamp s" is one number per origin. A connection that
// dies loses a suffix of what was in flight and later gossip flows again, so each gossiped write
// names the origin's previous write (`prev`), and a member raises its mark for the origin only
// when it has applied up to `prev`; after a gap the mark stays put (the writes are applied all
// the same) until a repair covers it: a repair whose sender found every other bucket equal to
// this member's table leaves this table holding everything the sender had applied, so this
// member raises its marks to the sender's (Repair::covers).
//
// Tombstones (MemberStoreOptions::collection). A delete leaves a tombstone, so that an older
// write arriving later loses to it. A single store drops it at once (no late copy can reach
// it). A replica drops it once it is below the stable stamp S the coordinator sends in its
// kFloor notices: every write stamped at or below S is applied at every member, and no write
// stamped at or below S is ever made again (coordinator.h). From then on the replica drops every
// late copy of such a write too, so the key cannot come back:
//   - gossip stamped <= S is dropped (the member has it, or has what overwrote it);
//   - a numbered write stamped <= S is answered as a repeat, not applied;
//   - a repair entry's versions <= S are dropped, except live ones at or below the stable stamp
//     the member's summary carried when it asked (TableSummary::stable): the sender answered
//     after every member had applied those, so its entry is as new as anything collected there.
//     A member that restarted empty gets its table back that way.
// A member knows S only from the coordinator, so after each start it holds gossip back, parks
// ops and drops repairs until a notice names this run of the member (its incarnation, which it
// reports with its marks): S computed from that member's earlier run's marks may be ahead of
// what it holds now, and any copy it took before knowing S could be one the others collected.
// Its own log's writes (Write::recovered) are its own state and are applied at once.
//
// Outputs: a reply per op (to the coordinator), the writes first applied here (to gossip to the
// other members), the table itself, and the applied marks as a version vector.
#ifndef EDDY_KVS_CORE_MEMBER_STORE_H_
#define EDDY_KVS_CORE_MEMBER_STORE_H_

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "dataflow/core/rng.h"
#include "dataflow/eddy.h"
#include "kvs/core/kvs_core.h"
#include "kvs/core/types.h"
#include "kvs/core/value_model.h"

namespace eddy::kvs {

// A write as members gossip it.
template <class Model>
struct Write {
  Key key;
  typename Model::Value value;
  Version version;
  // The stamp of the write the coordinator sent the origin before this one (0: none; repairs
  // carry 0 too). A receiver raises its mark for the origin only when it holds that one.
  uint64_t prev = 0;
  // Read back from this member's own log (durable_log.h), never sent: applied as is, before the
  // member knows the stable stamp.
  bool recovered = false;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(key, value, version, prev);
  }
};

// One member's answer to another's table summary (anti_entropy.h): its entries in the buckets
// where the two tables differed, which buckets those were, its digest of every bucket, and what
// it had applied when it answered. When the summary said some of its sender's marks are stuck
// below a gap and this member's marks for those origins are higher, the entries also hold every
// entry of this table holding a write newer than the lowest such stuck mark, and `fills` names
// this member's marks for those origins: with them the receiver has applied those origins'
// writes up to there, whatever else is going on (anti_entropy.h).
template <class Model>
struct Repair {
  std::vector<Write<Model>> entries;
  std::vector<uint32_t> differing;
  std::vector<uint64_t> digests;
  std::vector<uint64_t> covers;  // applied marks: the stamp of each origin, by member id
  std::vector<Version> fills;    // (origin, this member's mark for it), for stuck origins
  uint64_t stable = 0;           // the summary's stable stamp (TableSummary::stable), echoed

  template <class Archive>
  void serialize(Archive& archive) {
    archive(entries, differing, digests, covers, fills, stable);
  }
};

// When a replica drops its tombstones (see the header comment).
enum class TombstoneCollection {
  kNever,       // kept for good (a replicated store whose coordinator sends no notices)
  kAtOnce,      // as soon as written: a single store, which no late copy of a write can reach
  kWhenStable,  // once below the stable stamp from the coordinator's notices
};

struct MemberStoreOptions {
  bool gossips = true;  // false: a single store, nothing to gossip
  TombstoneCollection collection = TombstoneCollection::kNever;
  // Positive: the store reports all its applied marks this often (MemberStore::mark_reports),
  // and with report_marks_raised also after each tick that raised them (what acknowledgements
  // wait for; the stable stamp can wait for the periodic report).
  Duration report_marks_every = Duration::zero();
  bool report_marks_raised = false;
};

namespace internal {

// A table is summarized by buckets of keys; a bucket's digest is the sum of its entries'.
inline uint32_t bucket_of(const Key& key, size_t buckets) {
  return static_cast<uint32_t>(stable_bytes_hash(key) % buckets);
}

template <class Model>
uint64_t entry_digest(const Key& key, const typename Model::Value& value) {
  return mix64(stable_bytes_hash(key) ^ Model::digest(value));
}

// The digest of each of a table's `buckets` buckets.
template <class Model>
std::vector<uint64_t> bucket_digests(const TableView<Key, typename Model::Value>& table,
                                     size_t buckets) {
  std::vector<uint64_t> digests(buckets, 0);
  table.for_each([&](const Key& key, const typename Model::Value& value) {
    digests[bucket_of(key, buckets)] += entry_digest<Model>(key, value);
  });
  return digests;
}

// What a member keeps across ticks besides its table and marks, as counters that only grow.
enum class Counter : uint32_t {
  kNextWrite = 0,    // the number of the next numbered write this member applies
  kStable = 1,       // the highest stable stamp the coordinator has sent (0: none yet)
  kIncarnation = 2,  // this run of the member: the instant its first tick started, in ns
  kGreeted = 3,      // the highest incarnation of this member a coordinator notice named
};
struct CounterValue {
  Counter counter = Counter::kNextWrite;
  uint64_t value = 0;
};

// What a member processes in a tick, in order.
struct AppliedMark {
  Version applied;  // a (origin, stamp) high-water mark as of the last tick
};
struct ParkedOp {
  MemberOp op;  // an op that waits for its session's earlier writes to arrive here
};
template <class Model>
struct HeldWrite {
  Write<Model> write;  // gossip that arrived before this run of the member knew the stable stamp
};
// Makes the next tick happen: what waited for the stable stamp goes on then, not whenever
// something else arrives (held writes and parked ops do not cause ticks by themselves).
struct Wake {};
template <class Model>
using MemberEvent = std::variant<AppliedMark, CounterValue, Write<Model>, Repair<Model>,
                                 HeldWrite<Model>, ParkedOp, MemberOp, Wake>;

// What processing an event produced; partition() sends each kind to its one consumer.
template <class Model>
struct TableWrite {
  Key key;
  std::optional<typename Model::Value> value;  // none: the key's entry is dropped
  Version raised;  // the applied mark this write raised (none: it raised none)
};
template <class Model>
using MemberStep = std::variant<TableWrite<Model>, Write<Model>, MemberReply, ParkedOp, MemberOp,
                                AppliedMark, CounterValue, HeldWrite<Model>, Wake>;

// The in-tick state of a member's ordered pass: this tick's writes so far, and what has been
// applied (the last tick's marks, raised by this tick's writes).
template <class Model>
struct MemberPass {
  using Value = typename Model::Value;
  // This tick's writes, merged per key, and the keys whose entry in the last tick's table no
  // longer counts (collected this tick: their value here, if any, replaces it).
  absl::flat_hash_map<Key, Value> written;
  absl::flat_hash_set<Key> erased;
  VersionVector applied;
  bool write_parked = false;  // a write of this member's waits for its session's writes
  // The ops parked again this tick (they come before new ops): a copy the coordinator resent
  // of one of them is dropped, not parked twice (the parked one answers).
  absl::flat_hash_set<RequestRef> parked;
  uint64_t next_write = 0;  // numbered writes (MemberOp::write_seq) are applied in order
  uint64_t stable = 0;
  uint64_t incarnation = 0;
  uint64_t greeted = 0;
  bool gossips = true;
  TombstoneCollection collection = TombstoneCollection::kNever;

  bool when_stable() const { return collection == TombstoneCollection::kWhenStable; }
  // Under kWhenStable, whether a coordinator notice has named this run of the member, so that
  // `stable` is what it goes by.
  bool knows_stable() const {
    return !when_stable() || (incarnation != 0 && greeted == incarnation);
  }

  // The value of `key` now: the last tick's table merged with this tick's writes so far.
  std::optional<Value> current(const TableView<Key, Value>& table, const Key& key) const {
    const Value* prior = erased.contains(key) ? nullptr : table.find(key);
    auto it = written.find(key);
    if (it == written.end()) return prior != nullptr ? std::optional<Value>(*prior) : std::nullopt;
    if (prior == nullptr) return it->second;
    Value merged = *prior;
    merged.merge(it->second);
    return merged;
  }

  // Raises a counter; false when it was there already.
  template <class Out>
  bool count(Counter counter, uint64_t& field, uint64_t value, Out& out) {
    if (value <= field) return false;
    field = value;
    out.push_back(CounterValue{counter, value});
    return true;
  }

  // Applies a write: remembers it for later reads of this tick, and emits it to the table (and,
  // when `local`, to gossip, naming `prev` as the origin's write before it). With `raise`, the
  // write's origin mark rises to its stamp.
  template <class Out>
  void apply(const TableView<Key, Value>& table, Key key, Value value, Version version, bool local,
             Out& out, bool raise = true, uint64_t prev = 0) {
    auto [it, inserted] = written.try_emplace(key, value);
    if (!inserted) it->second.merge(value);
    if (local && gossips) out.push_back(Write<Model>{key, value, version, prev});
    if (raise) {
      applied.raise(version);
      out.push_back(AppliedMark{version});
    }
    const Version raised = raise ? version : Version{};
    // A single store collects a tombstone as soon as it holds one.
    if (collection == TombstoneCollection::kAtOnce && has_deletes(value, kEveryStamp)) {
      out.push_back(TableWrite<Model>{key, std::move(value), raised});
      collect_key(table, key, kEveryStamp, out);
      return;
    }
    out.push_back(TableWrite<Model>{std::move(key), std::move(value), raised});
  }

  static constexpr uint64_t kEveryStamp = ~uint64_t{0};

  // Whether `value` holds a delete stamped at or below `bound`.
  static bool has_deletes(const Value& value, uint64_t bound) {
    bool found = false;
    Model::for_each_write(value,
                          [&](Version v, bool deleted) { found |= deleted && v.stamp <= bound; });
    return found;
  }

  // Drops the deletes stamped at or below `bound` from `key`'s value now; the table entry is
  // replaced by what is left, or dropped when nothing is.
  template <class Out>
  void collect_key(const TableView<Key, Value>& table, const Key& key, uint64_t bound, Out& out) {
    std::optional<Value> now = current(table, key);
    if (!now || !has_deletes(*now, bound)) return;
    const bool left = Model::drop_versions(
        *now, [bound](Version v, bool deleted) { return deleted && v.stamp <= bound; });
    erased.insert(key);
    out.push_back(TableWrite<Model>{key, std::nullopt, Version{}});
    if (left) {
      written.insert_or_assign(key, *now);
      out.push_back(TableWrite<Model>{key, std::move(*now), Version{}});
    } else {
      written.erase(key);
    }
  }

  // Drops every delete at or below `bound` from the table and this tick's writes. Reads every
  // entry (cheaply: a version check each); runs when the stable stamp rises.
  template <class Out>
  void collect(const TableView<Key, Value>& table, uint64_t bound, Out& out) {
    std::vector<Key> keys;
    table.for_each([&](const Key& key, const Value& value) {
      if (!written.contains(key) && !erased.contains(key) && has_deletes(value, bound)) {
        keys.push_back(key);
      }
    });
    for (const auto& entry : written) keys.push_back(entry.first);  // collect_key reads them
    // In key order: the table's order depends on where its memory is, and runs must replay.
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (const Key& key : keys) collect_key(table, key, bound, out);
  }

  // Raises the applied mark of `mark.origin` to `mark.stamp`, unless it is there already.
  template <class Out>
  void raise_mark(Version mark, Out& out) {
    if (mark.stamp <= applied.get(mark.origin)) return;
    applied.raise(mark);
    out.push_back(AppliedMark{mark});
  }

  // True when every bucket `repair` did not send entries for is equal here (the last tick's
  // table with this tick's writes) to the sender's: merging the entries then leaves this table
  // holding everything the sender's did.
  bool covered_by(const TableView<Key, Value>& table, const Repair<Model>& repair) const {
    const size_t n = repair.digests.size();
    if (n == 0) return false;
    std::vector<uint64_t> mine = bucket_digests<Model>(table, n);
    auto adjust = [&](const Key& key) {
      uint64_t& bucket = mine[bucket_of(key, n)];
      if (const Value* prior = table.find(key)) bucket -= entry_digest<Model>(key, *prior);
      if (std::optional<Value> now = current(table, key)) bucket += entry_digest<Model>(key, *now);
    };
    for (const auto& [key, value] : written) adjust(key);
    for (const Key& key : erased) {
      if (!written.contains(key)) adjust(key);
    }
    std::vector<bool> sent(n, false);
    for (uint32_t b : repair.differing) {
      if (b < n) sent[b] = true;
    }
    for (size_t b = 0; b < n; ++b) {
      if (!sent[b] && mine[b] != repair.digests[b]) return false;
    }
    return true;
  }
};

template <class Model>
using MemberSteps = absl::InlinedVector<MemberStep<Model>, 4>;

// The counts of this member's numbered DELs that the coordinator may still ask for again
// (numbers from its oldest unanswered one on): a repeated DEL is answered with the count of
// its first execution, which a second execution could not know.
class DeleteCounts {
 public:
  void answer(MemberReply& reply) {
    if (reply.kind != OpKind::kDelete || reply.write_seq == 0) return;
    counts_.erase(counts_.begin(), counts_.lower_bound(reply.unanswered_from));
    if (!reply.repeated) {
      counts_[reply.write_seq] = reply.count;
    } else if (auto it = counts_.find(reply.write_seq); it != counts_.end()) {
      reply.count = it->second;
    }
  }

 private:
  std::map<uint64_t, uint64_t> counts_;
};

// The answer to a numbered write applied before (its answer was lost, or this is a late copy),
// or one stamped at or below the stable stamp: answered again, not applied again (a causal write
// would supersede its own concurrent siblings; an old one could bring a collected key back).
inline MemberReply repeated_reply(const MemberOp& op, uint32_t self) {
  MemberReply reply;
  reply.kind = op.kind;
  reply.ref = op.ref;
  reply.member = self;
  reply.written = Version{self, op.version.stamp};
  reply.write_seq = op.write_seq;
  reply.unanswered_from = op.unanswered_from;
  reply.repeated = true;
  return reply;
}

template <class Model>
MemberSteps<Model> member_step(Context& ctx, MemberPass<Model>& pass,
                               const TableView<Key, typename Model::Value>& table,
                               MemberEvent<Model>&& event) {
  MemberSteps<Model> out;
  if (std::holds_alternative<Wake>(event)) return out;
  if (auto* mark = std::get_if<AppliedMark>(&event)) {
    pass.applied.raise(mark->applied);
  } else if (auto* counter = std::get_if<CounterValue>(&event)) {
    switch (counter->counter) {
      case Counter::kNextWrite: pass.next_write = std::max(pass.next_write, counter->value); break;
      case Counter::kStable: pass.stable = std::max(pass.stable, counter->value); break;
      case Counter::kIncarnation: pass.incarnation = std::max(pass.incarnation, counter->value); break;
      case Counter::kGreeted: pass.greeted = std::max(pass.greeted, counter->value); break;
    }
  } else if (std::holds_alternative<Write<Model>>(event) ||
             std::holds_alternative<HeldWrite<Model>>(event)) {
    Write<Model> gossip = std::holds_alternative<Write<Model>>(event)
                              ? std::get<Write<Model>>(std::move(event))
                              : std::get<HeldWrite<Model>>(std::move(event)).write;
    if (!gossip.recovered && !pass.knows_stable()) {
      out.push_back(HeldWrite<Model>{std::move(gossip)});
      return out;
    }
    if (!gossip.recovered && pass.when_stable() && gossip.version.stamp <= pass.stable) {
      return out;  // a late copy of a write every member has applied
    }
    const bool contiguous = gossip.prev <= pass.applied.get(gossip.version.origin);
    pass.apply(table, std::move(gossip.key), std::move(gossip.value), gossip.version, false, out,
               contiguous);
  } else if (auto* repair = std::get_if<Repair<Model>>(&event)) {
    if (!pass.knows_stable()) return out;  // the next round repeats it
    const bool covered = pass.covered_by(table, *repair);
    const uint64_t stable = pass.when_stable() ? pass.stable : 0;
    const uint64_t asked_at = repair->stable;
    for (Write<Model>& w : repair->entries) {
      if (stable != 0 &&
          !Model::drop_versions(w.value, [&](Version v, bool deleted) {
            return v.stamp <= stable && (deleted || v.stamp > asked_at);
          })) {
        continue;
      }
      pass.apply(table, std::move(w.key), std::move(w.value), Version{}, false, out, false);
    }
    for (const Version& fill : repair->fills) pass.raise_mark(fill, out);
    if (covered) {
      const std::vector<uint64_t>& stamps = repair->covers;
      for (uint32_t origin = 0; origin < stamps.size(); ++origin) {
        pass.raise_mark(Version{origin, stamps[origin]}, out);
      }
    }
  } else {
    const bool resumed = std::holds_alternative<ParkedOp>(event);
    MemberOp& op = resumed ? std::get<ParkedOp>(event).op : std::get<MemberOp>(event);
    const uint32_t self = ctx.member_id().raw;
    const bool write = op.kind == OpKind::kPut || op.kind == OpKind::kDelete;
    // This member applies its own writes in stamp order (the applied marks are high-water
    // marks). Numbered writes come in that order, unless one was lost and is resent: they are
    // applied by number, and everything below the coordinator's oldest unanswered number has
    // been applied here (or by this member before it restarted). Unnumbered ones apply in the
    // order they came, so a write behind a parked one parks too.
    const bool numbered = write && op.write_seq != 0;
    pass.raise_mark(Version{self, op.own_floor}, out);  // given up under --ack=local (types.h)
    if (op.kind == OpKind::kFloor) {
      if (!pass.when_stable()) return out;
      const bool greeted = op.incarnation != 0 && op.incarnation == pass.incarnation &&
                           pass.count(Counter::kGreeted, pass.greeted, op.incarnation, out);
      if (greeted) out.push_back(Wake{});
      const bool rose = pass.count(Counter::kStable, pass.stable, op.stable, out);
      // Also when first greeted: the stamp may have come earlier, in a notice naming an earlier
      // run, and what this run's log gave back may hold tombstones below it.
      if (pass.knows_stable() && (rose || greeted)) pass.collect(table, pass.stable, out);
      return out;
    }
    if (numbered && op.unanswered_from > pass.next_write) {
      pass.count(Counter::kNextWrite, pass.next_write, op.unanswered_from, out);
    }
    if (numbered && op.write_seq < pass.next_write) {
      out.push_back(repeated_reply(op, self));
      return out;
    }
    if (numbered && pass.knows_stable() && pass.when_stable() && op.version.stamp <= pass.stable) {
      // Every member has applied it (this one perhaps in an earlier run): applying it now could
      // bring back a key whose tombstone was collected.
      pass.count(Counter::kNextWrite, pass.next_write, op.write_seq + 1, out);
      out.push_back(repeated_reply(op, self));
      return out;
    }
    const bool blocked = (numbered ? op.write_seq > pass.next_write : write && pass.write_parked) ||
                         !pass.knows_stable();
    if (!pass.applied.covers(op.needs) || blocked) {
      // A resent copy of an op parked here waits as the parked one does: it is dropped, and the
      // parked one answers. One that can go on (what it says of the coordinator's writes, taken
      // above, is newer than the parked copy's) goes on; the parked one then answers again, a
      // duplicate the coordinator ignores.
      if (!resumed && pass.parked.contains(op.ref)) return out;
      pass.write_parked |= write && !numbered;
      pass.parked.insert(op.ref);
      out.push_back(ParkedOp{std::move(op)});
    } else if (write) {
      if (numbered) pass.count(Counter::kNextWrite, pass.next_write, op.write_seq + 1, out);
      op.version.origin = self;
      std::optional<typename Model::Value> now;
      if (Model::kReadsBeforeWrite || op.kind == OpKind::kDelete) now = pass.current(table, op.key);
      MemberReply reply;
      reply.kind = op.kind;
      reply.ref = op.ref;
      reply.member = self;
      reply.written = op.version;
      reply.count = now && Model::live(*now) ? 1 : 0;  // DEL counts the keys it removes
      reply.write_seq = op.write_seq;
      reply.unanswered_from = op.unanswered_from;
      std::optional<std::string> bytes;
      if (op.kind == OpKind::kPut) bytes = std::move(op.value);
      auto value = Model::write(std::move(bytes), op.version, now ? &*now : nullptr);
      const bool contiguous = op.prev_stamp <= pass.applied.get(self);
      pass.apply(table, std::move(op.key), std::move(value), op.version, true, out, contiguous,
                 op.prev_stamp);
      out.push_back(std::move(reply));
    } else if (op.kind == OpKind::kGet) {
      MemberReply reply;
      reply.kind = OpKind::kGet;
      reply.ref = op.ref;
      reply.member = self;
      if (auto now = pass.current(table, op.key)) Model::read(*now, &reply);
      out.push_back(std::move(reply));
    } else {
      out.push_back(std::move(op));  // DBSIZE, EDDY.MEMBERS: read the whole table afterwards
    }
  }
  return out;
}

}  // namespace internal

template <class Model, class L>
struct MemberStore {
  using Steps = Stream<internal::MemberStep<Model>, Tick<L>, Bounded, TotalOrder>;

  // A reply for every op, in the order they were answered.
  Stream<MemberReply, L, Unbounded, TotalOrder> replies;
  // The writes first applied here: what this member gossips.
  Stream<Write<Model>, L, Unbounded, TotalOrder> local_writes;
  // The table, as it stands after each tick.
  KeyedSingleton<Key, typename Model::Value, Tick<L>, Bounded> table;
  // What the table holds, as applied marks (the stamp of each origin, by member id), after each
  // tick.
  Singleton<std::vector<uint64_t>, Tick<L>, Bounded> applied_marks;
  // The highest stable stamp the coordinator has sent, after each tick (0: none yet).
  Singleton<uint64_t, Tick<L>, Bounded> stable;
  // With MemberStoreOptions::report_marks_every: (with report_marks_raised) for each tick that
  // raised this member's applied marks, the marks it raised (one version per origin, the
  // highest; a repair raises them only when it covers this table, after its entries were
  // applied), and every report_marks_every all of them (a report lost on a connection that died would otherwise
  // hold the coordinator back until that origin's next write); each with this run's
  // incarnation, and one with no marks in the first tick. Marks only grow within a run, so a
  // receiver that keeps the maximum per origin and run knows what this member has applied.
  Stream<MarkReport, L, Unbounded, TotalOrder> mark_reports;

  // Every write applied in each tick (this member's own, gossiped, repaired and recovered
  // ones), in the order applied, as the table received them, each with the version of the
  // applied mark it raised (Version{} when it raised none: gossip after a gap, a repair's
  // entries): what a write-ahead log records, so that recovery never raises a mark over a gap.
  // Tombstones collected are not among them: recovery brings them back, to be collected again.
  // Each call adds the operators that copy them out; a store that never calls it pays nothing.
  Stream<Write<Model>, Tick<L>, Bounded, TotalOrder> applied_writes() const {
    return table_writes_
        .filter([](const internal::MemberStep<Model>& s) {
          return std::get<internal::TableWrite<Model>>(s).value.has_value();
        })
        .map([](internal::MemberStep<Model> s) {
          auto& w = std::get<internal::TableWrite<Model>>(s);
          return Write<Model>{std::move(w.key), std::move(*w.value), w.raised};
        });
  }

  Steps table_writes_;  // the ordered pass's TableWrite steps (for applied_writes())
};

// Builds a replica at `ops`' location. `gossip` is what other replicas applied first (and what
// this one's log gave back, Write::recovered), `repairs` their answers to this replica's
// summaries.
template <class Model, class L, class O1, class O2, class O3>
MemberStore<Model, L> member_store(const Stream<MemberOp, L, Unbounded, O1>& ops,
                                   const Stream<Write<Model>, L, Unbounded, O2>& gossip,
                                   const Stream<Repair<Model>, L, Unbounded, O3>& repairs,
                                   MemberStoreOptions options = {}) {
  using Value = typename Model::Value;
  using Event = internal::MemberEvent<Model>;
  using Step = internal::MemberStep<Model>;
  using internal::Counter;
  const L& where = ops.location();
  const Tick<L> tick = where.tick();

  // The table, the applied marks and the counters are made below from this tick's steps; the
  // ordered pass reads them as the previous tick left them.
  auto [table_ref, table_now] =
      tick.template forward_ref<KeyedSingleton<Key, Value, Tick<L>, Bounded>>();
  auto [marks_ref, marks_now] =
      tick.template forward_ref<KeyedSingleton<uint32_t, uint64_t, Tick<L>, Bounded>>();
  auto [parked_ref, parked_now] =
      tick.template forward_ref<Stream<internal::ParkedOp, Tick<L>, Bounded>>();
  auto [held_ref, held_now] =
      tick.template forward_ref<Stream<internal::HeldWrite<Model>, Tick<L>, Bounded>>();
  auto [counters_ref, counters_now] =
      tick.template forward_ref<KeyedSingleton<uint32_t, uint64_t, Tick<L>, Bounded>>();
  auto [wake_ref, wake_now] = tick.template forward_ref<Stream<internal::Wake, Tick<L>, Bounded>>();

  auto events =
      marks_now.defer_tick()
          .entries()
          .map([](std::pair<uint32_t, uint64_t> mark) -> Event {
            return internal::AppliedMark{Version{mark.first, mark.second}};
          })
          .assume_ordered()  // high-water marks: their order does not matter
          .chain(counters_now.defer_tick()
                     .entries()
                     .map([](std::pair<uint32_t, uint64_t> c) -> Event {
                       return internal::CounterValue{static_cast<Counter>(c.first), c.second};
                     })
                     .assume_ordered())
          .chain(wake_now.defer_tick().map([](internal::Wake w) -> Event { return w; }))
          .chain(held_now.defer_tick_lazy().map([](internal::HeldWrite<Model> h) -> Event {
            return h;
          }))
          .chain(gossip.batch(tick).assume_ordered().map([](Write<Model> w) -> Event { return w; }))
          .chain(
              repairs.batch(tick).assume_ordered().map([](Repair<Model> r) -> Event { return r; }))
          .chain(parked_now.defer_tick_lazy().map([](internal::ParkedOp p) -> Event { return p; }))
          .chain(ops.batch(tick).assume_ordered().map([](MemberOp op) -> Event { return op; }));

  internal::MemberPass<Model> pass;
  pass.gossips = options.gossips;
  pass.collection = options.collection;
  auto steps = table_now.defer_tick().scan_over(
      events, pass,
      [](Context& ctx, internal::MemberPass<Model>& pass, const TableView<Key, Value>& table,
         Event&& event) {
        return internal::member_step<Model>(ctx, pass, table, std::move(event));
      });
  // Each kind of step goes to its one consumer, moved, not copied (the branch is the variant's
  // alternative index).
  auto [table_writes, gossip_writes, replies, parked, table_queries, marks, counter_steps, held,
        wakes] = steps.template partition<9>([](const Step& s) { return s.index(); });
  wake_ref.complete(wakes.map([](Step) { return internal::Wake{}; }));

  // This run's incarnation: the instant its first tick started (a later run starts later).
  auto incarnation_seed =
      where.source_iter(std::vector<int>{0}).batch(tick).map([](Context& ctx, int) {
        const int64_t ns = ctx.tick_start().since_epoch.count();
        return std::pair(static_cast<uint32_t>(Counter::kIncarnation),
                         std::max<uint64_t>(1, static_cast<uint64_t>(ns)));
      });
  auto counters =
      counter_steps
          .map([](Step s) {
            const auto c = std::get<internal::CounterValue>(s);
            return std::pair(static_cast<uint32_t>(c.counter), c.value);
          })
          .chain(incarnation_seed.assume_ordered())
          .across_ticks()
          .reduce_keyed(commutative([](uint64_t& a, uint64_t b) { a = std::max(a, b); }));
  counters_ref.complete(counters);
  auto counter_of = [&counters](Counter which) {
    return counters.entries().fold(
        uint64_t{0}, commutative([which](uint64_t& out, std::pair<uint32_t, uint64_t> c) {
          if (c.first == static_cast<uint32_t>(which)) out = c.second;
        }));
  };

  auto table = ht_build(table_writes.map([](Step s) {
    auto& w = std::get<internal::TableWrite<Model>>(s);
    return std::pair<Key, std::optional<Value>>(std::move(w.key), std::move(w.value));
  }));
  table_ref.complete(table);
  auto raised = marks.map([](Step s) { return std::get<internal::AppliedMark>(s).applied; });
  auto applied_marks =
      raised.map([](Version v) { return std::pair(v.origin, v.stamp); })
          .across_ticks()
          .reduce_keyed(commutative([](uint64_t& a, uint64_t b) { a = std::max(a, b); }));
  marks_ref.complete(applied_marks);
  auto applied = applied_marks.entries().fold(
      std::vector<uint64_t>{},
      commutative([](std::vector<uint64_t>& stamps, std::pair<uint32_t, uint64_t> mark) {
        if (stamps.size() <= mark.first) stamps.resize(mark.first + 1, 0);
        stamps[mark.first] = std::max(stamps[mark.first], mark.second);
      }));
  parked_ref.complete(
      parked.map([](Step s) { return std::get<internal::ParkedOp>(std::move(s)); }));
  held_ref.complete(
      held.map([](Step s) { return std::get<internal::HeldWrite<Model>>(std::move(s)); }));

  // DBSIZE and EDDY.MEMBERS read the whole table, as it stands after this tick.
  auto table_answers =
      table.query(table_queries.map([](Step s) { return std::get<MemberOp>(std::move(s)); }),
                  [](const TableView<Key, Value>& view, const MemberOp& op) {
                    MemberReply reply;
                    reply.kind = op.kind;
                    reply.ref = op.ref;
                    view.for_each([&](const Key& key, const Value& value) {
                      if (Model::live(value)) {
                        ++reply.count;
                      } else {
                        ++reply.tombstones;
                      }
                      if (op.kind == OpKind::kDigest) {
                        reply.digest += internal::entry_digest<Model>(key, value);
                      }
                    });
                    return reply;
                  });
  auto all_replies =
      replies.map([](Step s) { return std::get<MemberReply>(std::move(s)); })
          .chain(table_answers.map([](Context& ctx, MemberReply r) {
            r.member = ctx.member_id().raw;
            return r;
          }))
          .all_ticks()
          .scan(internal::DeleteCounts{}, [](internal::DeleteCounts& counts, MemberReply reply) {
            counts.answer(reply);
            return std::optional<MemberReply>(std::move(reply));
          });
  auto local_writes =
      gossip_writes.map([](Step s) { return std::get<Write<Model>>(std::move(s)); }).all_ticks();

  Stream<MarkReport, L, Unbounded, TotalOrder> reports =
      where.source_iter(std::vector<MarkReport>{});
  if (options.report_marks_every > Duration::zero()) {
    // All marks now and then, and an empty report in the first tick (the coordinator learns
    // of this run at once).
    auto periodic =
        where.source_interval(options.report_marks_every)
            .batch(tick)
            .cross_singleton(applied)
            .map([](std::pair<Instant, std::vector<uint64_t>> now) {
              std::vector<Version> marks;
              for (uint32_t origin = 0; origin < now.second.size(); ++origin) {
                if (now.second[origin] > 0) marks.push_back(Version{origin, now.second[origin]});
              }
              return marks;
            })
            .assume_ordered()
            .chain(where.source_iter(std::vector<int>{0}).batch(tick).map([](int) {
              return std::vector<Version>();
            }));
    if (options.report_marks_raised) {
      // Per tick that raised any, the highest raised per origin.
      auto raised_now =
          raised.fold(std::vector<Version>(), [](std::vector<Version>& out, Version v) {
            if (v.stamp == 0) return;
            for (Version& m : out) {
              if (m.origin == v.origin) {
                m.stamp = std::max(m.stamp, v.stamp);
                return;
              }
            }
            out.push_back(v);
          });
      periodic = raised_now.into_stream()
                     .filter([](const std::vector<Version>& marks) { return !marks.empty(); })
                     .chain(periodic);
    }
    reports = periodic.cross_singleton(counter_of(Counter::kIncarnation))
                  .map([](std::pair<std::vector<Version>, uint64_t> r) {
                    return MarkReport{r.second, std::move(r.first)};
                  })
                  .all_ticks();
  }
  return MemberStore<Model, L>{all_replies,    local_writes, table, applied,
                               counter_of(Counter::kStable), reports, table_writes};
}

// A replica without repairs.
template <class Model, class L, class O1, class O2>
MemberStore<Model, L> member_store(const Stream<MemberOp, L, Unbounded, O1>& ops,
                                   const Stream<Write<Model>, L, Unbounded, O2>& gossip,
                                   MemberStoreOptions options = {}) {
  return member_store<Model>(ops, gossip, ops.location().source_iter(std::vector<Repair<Model>>{}),
                             options);
}

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CORE_MEMBER_STORE_H_

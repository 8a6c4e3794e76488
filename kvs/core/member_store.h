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

  template <class Archive>
  void serialize(Archive& archive) {
    archive(entries, differing, digests, covers, fills);
  }
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

// What a member processes in a tick, in order.
struct AppliedMark {
  Version applied;  // a (origin, stamp) high-water mark as of the last tick
};
struct ParkedOp {
  MemberOp op;  // an op that waits for its session's earlier writes to arrive here
};
struct NextWrite {
  uint64_t seq = 0;  // the number of the next numbered write this member applies
};
template <class Model>
using MemberEvent =
    std::variant<AppliedMark, NextWrite, Write<Model>, Repair<Model>, ParkedOp, MemberOp>;

// What processing an event produced; partition() sends each kind to its one consumer.
template <class Model>
struct TableWrite {
  Key key;
  typename Model::Value value;
  Version raised;  // the applied mark this write raised (none: it raised none)
};
template <class Model>
using MemberStep = std::variant<TableWrite<Model>, Write<Model>, MemberReply, ParkedOp, MemberOp,
                                AppliedMark, NextWrite>;

// The in-tick state of a member's ordered pass: this tick's writes so far, and what has been
// applied (the last tick's marks, raised by this tick's writes).
template <class Model>
struct MemberPass {
  using Value = typename Model::Value;
  absl::flat_hash_map<Key, Value> written;
  VersionVector applied;
  bool write_parked = false;  // a write of this member's waits for its session's writes
  // The ops parked again this tick (they come before new ops): a copy the coordinator resent
  // of one of them is dropped, not parked twice (the parked one answers).
  absl::flat_hash_set<RequestRef> parked;
  uint64_t next_write = 0;  // numbered writes (MemberOp::write_seq) are applied in order
  bool gossips = true;

  // The value of `key` now: the last tick's table merged with this tick's writes so far.
  std::optional<Value> current(const TableView<Key, Value>& table, const Key& key) const {
    const Value* prior = table.find(key);
    auto it = written.find(key);
    if (it == written.end()) return prior != nullptr ? std::optional<Value>(*prior) : std::nullopt;
    if (prior == nullptr) return it->second;
    Value merged = *prior;
    merged.merge(it->second);
    return merged;
  }

  // Applies a write: remembers it for later reads of this tick, and emits it to the table (and,
  // when `local`, to gossip, naming `prev` as the origin's write before it). With `raise`, the
  // write's origin mark rises to its stamp.
  template <class Out>
  void apply(Key key, Value value, Version version, bool local, Out& out, bool raise = true,
             uint64_t prev = 0) {
    auto [it, inserted] = written.try_emplace(key, value);
    if (!inserted) it->second.merge(value);
    if (local && gossips) out.push_back(Write<Model>{key, value, version, prev});
    if (raise) {
      applied.raise(version);
      out.push_back(AppliedMark{version});
    }
    out.push_back(TableWrite<Model>{std::move(key), std::move(value), raise ? version : Version{}});
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
    for (const auto& [key, value] : written) {
      uint64_t& bucket = mine[bucket_of(key, n)];
      const Value* prior = table.find(key);
      if (prior == nullptr) {
        bucket += entry_digest<Model>(key, value);
        continue;
      }
      Value merged = *prior;
      merged.merge(value);
      bucket += entry_digest<Model>(key, merged) - entry_digest<Model>(key, *prior);
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

template <class Model>
MemberSteps<Model> member_step(Context& ctx, MemberPass<Model>& pass,
                               const TableView<Key, typename Model::Value>& table,
                               MemberEvent<Model>&& event) {
  MemberSteps<Model> out;
  if (auto* mark = std::get_if<AppliedMark>(&event)) {
    pass.applied.raise(mark->applied);
  } else if (auto* next = std::get_if<NextWrite>(&event)) {
    pass.next_write = std::max(pass.next_write, next->seq);
  } else if (auto* gossip = std::get_if<Write<Model>>(&event)) {
    const bool contiguous = gossip->prev <= pass.applied.get(gossip->version.origin);
    pass.apply(std::move(gossip->key), std::move(gossip->value), gossip->version, false, out,
               contiguous);
  } else if (auto* repair = std::get_if<Repair<Model>>(&event)) {
    const bool covered = pass.covered_by(table, *repair);
    for (Write<Model>& w : repair->entries) {
      pass.apply(std::move(w.key), std::move(w.value), Version{}, false, out, false);
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
    if (op.kind == OpKind::kFloor) return out;
    if (numbered && op.unanswered_from > pass.next_write) {
      pass.next_write = op.unanswered_from;
      out.push_back(NextWrite{pass.next_write});
    }
    if (numbered && op.write_seq < pass.next_write) {
      // Applied before: its answer was lost, or this is a late copy. Answer again, without
      // applying it twice (a causal write would supersede its own concurrent siblings).
      MemberReply reply;
      reply.kind = op.kind;
      reply.ref = op.ref;
      reply.member = self;
      reply.written = Version{self, op.version.stamp};
      reply.write_seq = op.write_seq;
      reply.unanswered_from = op.unanswered_from;
      reply.repeated = true;
      out.push_back(std::move(reply));
      return out;
    }
    const bool blocked = numbered ? op.write_seq > pass.next_write : write && pass.write_parked;
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
      if (numbered) {
        pass.next_write = op.write_seq + 1;
        out.push_back(NextWrite{pass.next_write});
      }
      op.version.origin = self;
      std::optional<typename Model::Value> now;
      if (Model::kReadsBeforeWrite || op.kind == OpKind::kDelete) now = pass.current(table, op.key);
      MemberReply reply;
      reply.kind = op.kind;
      reply.ref = op.ref;
      reply.member = self;
      reply.written = op.version;
      reply.count = now && Model::live(*now) ? 1 : 0;  // DEL counts the keys it removed
      reply.write_seq = op.write_seq;
      reply.unanswered_from = op.unanswered_from;
      std::optional<std::string> bytes;
      if (op.kind == OpKind::kPut) bytes = std::move(op.value);
      auto value = Model::write(std::move(bytes), op.version, now ? &*now : nullptr);
      const bool contiguous = op.prev_stamp <= pass.applied.get(self);
      pass.apply(std::move(op.key), std::move(value), op.version, true, out, contiguous,
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

  // Every write applied in each tick (this member's own, gossiped, repaired and recovered
  // ones), in the order applied, as the table received them, each with the version of the
  // applied mark it raised (Version{} when it raised none: gossip after a gap, a repair's
  // entries): what a write-ahead log records, so that recovery never raises a mark over a gap.
  // Each call adds the operators that copy them out; a store that never calls it pays nothing.
  Stream<Write<Model>, Tick<L>, Bounded, TotalOrder> applied_writes() const {
    return table_writes_.map([](internal::MemberStep<Model> s) {
      auto w = std::get<internal::TableWrite<Model>>(std::move(s));
      return Write<Model>{std::move(w.key), std::move(w.value), w.raised};
    });
  }
  // For each tick that raised this member's applied marks, the marks it raised (one version
  // per origin, the highest; a repair raises them only when it covers this table, after its
  // entries were applied). Marks only grow, so a receiver that keeps
  // the maximum per origin knows what this member has applied. Each call adds operators.
  Stream<std::vector<Version>, L, Unbounded, TotalOrder> marks_raised() const {
    return marks_
        .map([](internal::MemberStep<Model> s) {
          return std::get<internal::AppliedMark>(s).applied;
        })
        .fold(std::vector<Version>(),
              [](std::vector<Version>& out, Version v) {
                if (v.stamp == 0) return;
                for (Version& m : out) {
                  if (m.origin == v.origin) {
                    m.stamp = std::max(m.stamp, v.stamp);
                    return;
                  }
                }
                out.push_back(v);
              })
        .filter([](const std::vector<Version>& raised) { return !raised.empty(); })
        .all_ticks();
  }

  Steps table_writes_;  // the ordered pass's TableWrite steps (for applied_writes())
  Steps marks_;         // its AppliedMark steps (for marks_raised())
};

// Builds a replica at `ops`' location. `gossip` is what other replicas applied first, `repairs`
// their answers to this replica's summaries; with `gossips` false (a single store) nothing is
// emitted to gossip.
template <class Model, class L, class O1, class O2, class O3>
MemberStore<Model, L> member_store(const Stream<MemberOp, L, Unbounded, O1>& ops,
                                   const Stream<Write<Model>, L, Unbounded, O2>& gossip,
                                   const Stream<Repair<Model>, L, Unbounded, O3>& repairs,
                                   bool gossips = true) {
  using Value = typename Model::Value;
  using Event = internal::MemberEvent<Model>;
  using Step = internal::MemberStep<Model>;
  const L& where = ops.location();
  const Tick<L> tick = where.tick();

  // The table and the applied marks are made below from this tick's writes; the ordered pass
  // reads them as the previous tick left them.
  auto [table_ref, table_now] =
      tick.template forward_ref<KeyedSingleton<Key, Value, Tick<L>, Bounded>>();
  auto [marks_ref, marks_now] =
      tick.template forward_ref<KeyedSingleton<uint32_t, uint64_t, Tick<L>, Bounded>>();
  auto [parked_ref, parked_now] =
      tick.template forward_ref<Stream<internal::ParkedOp, Tick<L>, Bounded>>();
  // The next numbered write, under the single key 0.
  auto [next_ref, next_now] =
      tick.template forward_ref<KeyedSingleton<uint32_t, uint64_t, Tick<L>, Bounded>>();

  auto events =
      marks_now.defer_tick()
          .entries()
          .map([](std::pair<uint32_t, uint64_t> mark) -> Event {
            return internal::AppliedMark{Version{mark.first, mark.second}};
          })
          .assume_ordered()  // high-water marks: their order does not matter
          .chain(next_now.defer_tick()
                     .entries()
                     .map([](std::pair<uint32_t, uint64_t> next) -> Event {
                       return internal::NextWrite{next.second};
                     })
                     .assume_ordered())
          .chain(gossip.batch(tick).assume_ordered().map([](Write<Model> w) -> Event { return w; }))
          .chain(
              repairs.batch(tick).assume_ordered().map([](Repair<Model> r) -> Event { return r; }))
          .chain(parked_now.defer_tick_lazy().map([](internal::ParkedOp p) -> Event { return p; }))
          .chain(ops.batch(tick).assume_ordered().map([](MemberOp op) -> Event { return op; }));

  internal::MemberPass<Model> pass;
  pass.gossips = gossips;
  auto steps = table_now.defer_tick().scan_over(
      events, pass,
      [](Context& ctx, internal::MemberPass<Model>& pass, const TableView<Key, Value>& table,
         Event&& event) {
        return internal::member_step<Model>(ctx, pass, table, std::move(event));
      });
  // Each kind of step goes to its one consumer, moved, not copied (the branch is the variant's
  // alternative index).
  auto [table_writes, gossip_writes, replies, parked, table_queries, marks, next_writes] =
      steps.template partition<7>([](const Step& s) { return s.index(); });
  next_ref.complete(
      next_writes
          .map([](Step s) { return std::pair(uint32_t{0}, std::get<internal::NextWrite>(s).seq); })
          .across_ticks()
          .reduce_keyed(commutative([](uint64_t& a, uint64_t b) { a = std::max(a, b); })));

  auto table = ht_build(table_writes.map([](Step s) {
    auto w = std::get<internal::TableWrite<Model>>(std::move(s));
    return std::pair<Key, Value>(std::move(w.key), std::move(w.value));
  }));
  table_ref.complete(table);
  auto applied_marks =
      marks
          .map([](Step s) {
            const Version v = std::get<internal::AppliedMark>(s).applied;
            return std::pair(v.origin, v.stamp);
          })
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

  // DBSIZE and EDDY.MEMBERS read the whole table, as it stands after this tick.
  auto table_answers =
      table.query(table_queries.map([](Step s) { return std::get<MemberOp>(std::move(s)); }),
                  [](const TableView<Key, Value>& view, const MemberOp& op) {
                    MemberReply reply;
                    reply.kind = op.kind;
                    reply.ref = op.ref;
                    view.for_each([&](const Key& key, const Value& value) {
                      if (Model::live(value)) ++reply.count;
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
  return MemberStore<Model, L>{all_replies, local_writes, table, applied, table_writes, marks};
}

// A replica without repairs.
template <class Model, class L, class O1, class O2>
MemberStore<Model, L> member_store(const Stream<MemberOp, L, Unbounded, O1>& ops,
                                   const Stream<Write<Model>, L, Unbounded, O2>& gossip,
                                   bool gossips = true) {
  return member_store<Model>(ops, gossip, ops.location().source_iter(std::vector<Repair<Model>>{}),
                             gossips);
}

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CORE_MEMBER_STORE_H_

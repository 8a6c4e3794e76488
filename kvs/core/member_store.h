// member_store: one replica of the key-value table, as a dataflow at one location (a cluster
// member, or a single process for the local store).
//
// Inputs: the ops a coordinator sends here, and the writes other members gossip. Each tick
// processes, in this order: the writes gossiped since the last tick, GETs parked earlier, then
// this tick's ops in the order they arrived. A GET answers from the table as the previous tick
// left it, merged with the writes before it in this tick (so it sees earlier writes and none of
// the later ones), and only once this member has applied every write its session needs (the
// op's `needs` vector); until then it is parked, re-examined at each later tick.
//
// Outputs: a reply per op (to the coordinator), the writes first applied here (to gossip to the
// other members), and the table itself.
#ifndef EDDY_KVS_CORE_MEMBER_STORE_H_
#define EDDY_KVS_CORE_MEMBER_STORE_H_

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
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

  template <class Archive>
  void serialize(Archive& archive) {
    archive(key, value, version);
  }
};

namespace internal {

// One thing a member processes in a tick, in order.
template <class Model>
struct MemberEvent {
  enum class Kind : uint8_t { kApplied, kGossip, kParked, kOp };
  Kind kind = Kind::kOp;
  Version applied;           // kApplied: a (origin, stamp) high-water mark as of the last tick
  Write<Model> gossip;       // kGossip
  MemberOp op;               // kParked, kOp
  std::optional<typename Model::Value> prior;  // the table's value for the key, last tick

  const Key& key() const { return kind == Kind::kGossip ? gossip.key : op.key; }
};

// What processing one event produced.
template <class Model>
struct MemberStep {
  enum class Kind : uint8_t { kWrite, kReply, kPark, kTableQuery };
  Kind kind = Kind::kReply;
  Write<Model> write;  // kWrite (`local`: first applied here, to gossip)
  bool local = false;
  MemberReply reply;   // kReply
  MemberOp op;         // kPark, kTableQuery
};

// The in-tick state of a member's ordered pass: this tick's writes so far, and what has been
// applied (the last tick's marks, raised by this tick's writes).
template <class Model>
struct MemberPass {
  absl::flat_hash_map<Key, typename Model::Value> written;
  VersionVector applied;

  // The value of `key` now: the table's last-tick value merged with this tick's writes so far.
  std::optional<typename Model::Value> current(const Key& key,
                                               const std::optional<typename Model::Value>& prior) {
    auto it = written.find(key);
    if (it == written.end()) return prior;
    if (!prior) return it->second;
    typename Model::Value merged = *prior;
    merged.merge(it->second);
    return merged;
  }

  void record(const Write<Model>& write) {
    auto [it, inserted] = written.try_emplace(write.key, write.value);
    if (!inserted) it->second.merge(write.value);
    applied.raise(write.version);
  }
};

template <class Model>
using MemberSteps = absl::InlinedVector<MemberStep<Model>, 2>;

template <class Model>
MemberSteps<Model> member_step(Context& ctx, MemberPass<Model>& pass, MemberEvent<Model>&& event) {
  using Event = MemberEvent<Model>;
  using Step = MemberStep<Model>;
  MemberSteps<Model> out;
  switch (event.kind) {
    case Event::Kind::kApplied:
      pass.applied.raise(event.applied);
      break;
    case Event::Kind::kGossip: {
      pass.record(event.gossip);
      Step step;
      step.kind = Step::Kind::kWrite;
      step.write = std::move(event.gossip);
      out.push_back(std::move(step));
      break;
    }
    case Event::Kind::kParked:
    case Event::Kind::kOp: {
      MemberOp& op = event.op;
      if (op.kind == OpKind::kPut || op.kind == OpKind::kDelete) {
        op.version.origin = ctx.member_id().raw;
        std::optional<typename Model::Value> now = pass.current(op.key, event.prior);
        const bool existed = now && Model::live(*now);
        std::optional<std::string> bytes;
        if (op.kind == OpKind::kPut) bytes = std::move(op.value);
        Write<Model> write{op.key, Model::write(std::move(bytes), op.version,
                                                now ? &*now : nullptr),
                           op.version};
        pass.record(write);
        Step applied;
        applied.kind = Step::Kind::kWrite;
        applied.write = std::move(write);
        applied.local = true;
        out.push_back(std::move(applied));
        Step reply;
        reply.reply.kind = op.kind;
        reply.reply.ref = op.ref;
        reply.reply.member = ctx.member_id().raw;
        reply.reply.written = op.version;
        reply.reply.count = existed ? 1 : 0;  // DEL counts the keys it removed
        out.push_back(std::move(reply));
      } else if (op.kind == OpKind::kGet) {
        Step step;
        if (!pass.applied.covers(op.needs)) {
          step.kind = Step::Kind::kPark;
          step.op = std::move(op);
        } else {
          step.reply.kind = OpKind::kGet;
          step.reply.ref = op.ref;
          step.reply.member = ctx.member_id().raw;
          if (auto now = pass.current(op.key, event.prior)) Model::read(*now, &step.reply);
        }
        out.push_back(std::move(step));
      } else {
        // DBSIZE honours the session too; EDDY.MEMBERS carries no needs.
        Step step;
        step.kind = pass.applied.covers(op.needs) ? Step::Kind::kTableQuery : Step::Kind::kPark;
        step.op = std::move(op);
        out.push_back(std::move(step));
      }
      break;
    }
  }
  return out;
}

}  // namespace internal

template <class Model, class L>
struct MemberStore {
  // A reply for every op, in the order they were answered.
  Stream<MemberReply, L, Unbounded, TotalOrder> replies;
  // The writes first applied here: what this member gossips.
  Stream<Write<Model>, L, Unbounded, TotalOrder> local_writes;
  // The table, as it stands after each tick.
  KeyedSingleton<Key, typename Model::Value, Tick<L>, Bounded> table;
};

// Builds a replica at `ops`' location. `gossip` is what other replicas applied first (empty
// for a single store).
template <class Model, class L, class O1, class O2>
MemberStore<Model, L> member_store(const Stream<MemberOp, L, Unbounded, O1>& ops,
                                   const Stream<Write<Model>, L, Unbounded, O2>& gossip) {
  using Value = typename Model::Value;
  using Event = internal::MemberEvent<Model>;
  using Step = internal::MemberStep<Model>;
  const L& where = ops.location();
  const Tick<L> tick = where.tick();

  // The table and the applied marks are made below from this tick's writes; the ordered pass
  // reads them as the previous tick left them.
  auto [table_ref, table_now] = tick.template forward_ref<KeyedSingleton<Key, Value, Tick<L>, Bounded>>();
  auto [marks_ref, marks_now] =
      tick.template forward_ref<KeyedSingleton<uint32_t, uint64_t, Tick<L>, Bounded>>();
  auto [parked_ref, parked_now] = tick.template forward_ref<Stream<MemberOp, Tick<L>, Bounded>>();

  auto as_event = [](typename Event::Kind kind) {
    return [kind](MemberOp op) {
      Event e;
      e.kind = kind;
      e.op = std::move(op);
      return e;
    };
  };
  auto events =
      marks_now.defer_tick()
          .entries()
          .map([](std::pair<uint32_t, uint64_t> mark) {
            Event e;
            e.kind = Event::Kind::kApplied;
            e.applied = Version{mark.first, mark.second};
            return e;
          })
          .assume_ordered()  // high-water marks: their order does not matter
          .chain(gossip.batch(tick).assume_ordered().map([](Write<Model> w) {
            Event e;
            e.kind = Event::Kind::kGossip;
            e.gossip = std::move(w);
            return e;
          }))
          .chain(parked_now.defer_tick_lazy().map(as_event(Event::Kind::kParked)))
          .chain(ops.batch(tick).assume_ordered().map(as_event(Event::Kind::kOp)));

  // Each event learns what the table held for its key at the end of the last tick.
  auto enriched =
      table_now.defer_tick()
          .lookup(events
                      .map([](Event e) {
                        Key key = e.key();
                        return std::pair<Key, Event>(std::move(key), std::move(e));
                      })
                      .into_keyed())
          .entries()
          .assume_ordered()  // lookup keeps probe order
          .map([](std::pair<Key, std::pair<Event, std::optional<Value>>> hit) {
            Event e = std::move(hit.second.first);
            e.prior = std::move(hit.second.second);
            return e;
          });

  auto steps = enriched.scan(internal::MemberPass<Model>{},
                             [](Context& ctx, internal::MemberPass<Model>& pass, Event&& e) {
                               return internal::member_step<Model>(ctx, pass, std::move(e));
                             });
  // The steps feed several readers; each takes only its kind (by const reference, no copies
  // of the others).
  auto writes = steps.filter_map([](const Step& s) -> std::optional<std::pair<Write<Model>, bool>> {
    if (s.kind != Step::Kind::kWrite) return std::nullopt;
    return std::pair(s.write, s.local);
  });
  auto table = ht_build(writes.map([](std::pair<Write<Model>, bool> w) {
    return std::pair<Key, Value>(std::move(w.first.key), std::move(w.first.value));
  }));
  table_ref.complete(table);
  marks_ref.complete(
      writes.map([](const std::pair<Write<Model>, bool>& w) {
              return std::pair(w.first.version.origin, w.first.version.stamp);
            })
          .across_ticks()
          .reduce_keyed(commutative([](uint64_t& a, uint64_t b) { a = std::max(a, b); })));
  parked_ref.complete(steps.filter_map([](const Step& s) -> std::optional<MemberOp> {
    if (s.kind != Step::Kind::kPark) return std::nullopt;
    return s.op;
  }));

  // DBSIZE and EDDY.MEMBERS read the whole table, as it stands after this tick.
  auto table_answers = table.query(
      steps.filter_map([](const Step& s) -> std::optional<MemberOp> {
        if (s.kind != Step::Kind::kTableQuery) return std::nullopt;
        return s.op;
      }),
      [](const TableView<Key, Value>& view, const MemberOp& op) {
        MemberReply reply;
        reply.kind = op.kind;
        reply.ref = op.ref;
        view.for_each([&](const Key& key, const Value& value) {
          if (Model::live(value)) ++reply.count;
          if (op.kind == OpKind::kDigest) {
            reply.digest += mix64(stable_bytes_hash(key) ^ Model::digest(value));
          }
        });
        return reply;
      });
  auto replies = steps
                     .filter_map([](const Step& s) -> std::optional<MemberReply> {
                       if (s.kind != Step::Kind::kReply) return std::nullopt;
                       return s.reply;
                     })
                     .chain(table_answers.map([](Context& ctx, MemberReply r) {
                       r.member = ctx.member_id().raw;
                       return r;
                     }))
                     .all_ticks();
  auto local_writes = writes
                          .filter_map([](std::pair<Write<Model>, bool> w) -> std::optional<Write<Model>> {
                            if (!w.second) return std::nullopt;
                            return std::move(w.first);
                          })
                          .all_ticks();
  return MemberStore<Model, L>{replies, local_writes, table};
}

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CORE_MEMBER_STORE_H_

// anti_entropy: periodic repair between the replicas of a table, so they converge after lost
// gossip (a connection that died with writes in flight) or a member that restarted empty.
//
// Every `interval`, each member splits its table into `buckets` buckets by key hash and
// broadcasts one digest per bucket (a TableSummary) to the other members. A member receiving a
// summary compares it with its own buckets and sends back, to that member only, a Repair: every
// entry of the buckets that differ, its own bucket digests and its applied marks. The receiver
// merges the entries with the lattice's merge, so repairs are idempotent and commute with
// gossip; since every member does the same, both sides of a difference get the other's entries
// within one interval. When every other bucket still matches, the receiver now holds all the
// sender held, and takes over its applied marks (member_store.h): that is how a mark stuck
// behind lost gossip moves again. That needs a quiet moment: under steady writes some bucket
// always differs. So a summary also names the origins whose marks are stuck (the table holds a
// write of that origin newer than its mark: gossip after a gap, or a repair's entry), with the
// stuck mark. A member whose own mark for such an origin is higher answers with every entry of
// its table holding a write newer than the stuck mark, and its mark (Repair::fills). It has
// applied every write of that origin up to its mark, so each is in its table or overwritten
// there by a newer write: after merging those entries the receiver has applied them all too, and
// raises its mark at once. Any member can fill, the origin included, so a member stuck on an
// origin that is down, or on itself after a restart, moves on as well. When little differs, a
// round costs the summaries and the answers' digests (8 bytes per bucket per peer each way) and
// the entries of the differing buckets, never the whole table.
//
// A bucket's digest is the sum of mix64(hash(key) ^ digest(value)) over its entries (as
// EDDY.MEMBERS digests whole tables): equal contents give equal digests whatever the order of
// application, and a difference goes unnoticed only on a 64-bit collision.
#ifndef EDDY_KVS_CORE_ANTI_ENTROPY_H_
#define EDDY_KVS_CORE_ANTI_ENTROPY_H_

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "cereal/types/utility.hpp"
#include "cereal/types/vector.hpp"
#include "dataflow/eddy.h"
#include "kvs/core/member_store.h"
#include "kvs/core/types.h"

namespace eddy::kvs {

struct AntiEntropyOptions {
  Duration interval = std::chrono::seconds(1);
  uint32_t buckets = 1024;  // more buckets: bigger summaries, fewer entries sent per difference
};

// What a member announces each round: one digest per bucket of its table, its stuck marks
// (origin, mark), and the stable stamp it knew (member_store.h: which of the answer's entries
// it may take although they are that old).
struct TableSummary {
  std::vector<uint64_t> buckets;
  std::vector<Version> stuck;
  uint64_t stable = 0;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(buckets, stuck, stable);
  }
};

namespace internal {

// `applied`: the member's applied marks, by origin; `stable`: the stable stamp it knows.
template <class Model>
TableSummary summarize(const TableView<Key, typename Model::Value>& table, uint32_t buckets,
                       const std::vector<uint64_t>& applied, uint64_t stable) {
  // One pass over the table: the bucket digests, and the newest write held per origin.
  TableSummary summary{std::vector<uint64_t>(buckets, 0), {}, stable};
  std::vector<uint64_t> newest = applied;
  table.for_each([&](const Key& key, const typename Model::Value& value) {
    summary.buckets[bucket_of(key, buckets)] += entry_digest<Model>(key, value);
    Model::for_each_version(value, [&](Version v) {
      if (v.stamp == 0) return;
      if (newest.size() <= v.origin) newest.resize(v.origin + 1, 0);
      newest[v.origin] = std::max(newest[v.origin], v.stamp);
    });
  });
  for (uint32_t origin = 0; origin < newest.size(); ++origin) {
    const uint64_t mark = origin < applied.size() ? applied[origin] : 0;
    if (newest[origin] > mark) summary.stuck.push_back(Version{origin, mark});
  }
  return summary;
}

// The answer of a member whose applied marks are `applied` to `theirs`.
template <class Model>
Repair<Model> repair_for(const TableView<Key, typename Model::Value>& table,
                         const TableSummary& theirs, const std::vector<uint64_t>& applied) {
  Repair<Model> repair;
  repair.covers = applied;
  repair.stable = theirs.stable;
  const size_t buckets = theirs.buckets.size();
  if (buckets == 0) return repair;
  std::optional<uint64_t> fill_after;  // the lowest stuck mark this member can fill
  for (const Version& v : theirs.stuck) {
    const uint64_t mine = v.origin < applied.size() ? applied[v.origin] : 0;
    if (mine <= v.stamp) continue;
    repair.fills.push_back(Version{v.origin, mine});
    fill_after = std::min(fill_after.value_or(v.stamp), v.stamp);
  }
  repair.digests = bucket_digests<Model>(table, buckets);
  std::vector<bool> differs(buckets, false);
  for (uint32_t b = 0; b < buckets; ++b) {
    if (repair.digests[b] != theirs.buckets[b]) {
      differs[b] = true;
      repair.differing.push_back(b);
    }
  }
  if (repair.differing.empty() && !fill_after) return repair;
  table.for_each([&](const Key& key, const typename Model::Value& value) {
    bool send = differs[bucket_of(key, buckets)];
    if (!send && fill_after) {
      Model::for_each_version(value, [&](Version v) { send |= v.stamp > *fill_after; });
    }
    if (send) repair.entries.push_back(Write<Model>{key, value, Version{}});
  });
  // In key order: a table's iteration order depends on where its memory is (Abseil salts
  // positions with the table's address), and a run must replay byte for byte.
  std::sort(repair.entries.begin(), repair.entries.end(),
            [](const Write<Model>& a, const Write<Model>& b) { return a.key < b.key; });
  return repair;
}

}  // namespace internal

// The repairs each member receives from the others, for member_store's `repairs` input.
// `applied` is the member's applied marks (MemberStore::applied_marks), `stable` the stable
// stamp it knows (MemberStore::stable).
template <class Model>
Stream<Repair<Model>, Cluster, Unbounded, NoOrder> anti_entropy(
    const KeyedSingleton<Key, typename Model::Value, Tick<Cluster>, Bounded>& table,
    const Singleton<std::vector<uint64_t>, Tick<Cluster>, Bounded>& applied,
    const Singleton<uint64_t, Tick<Cluster>, Bounded>& stable, const Cluster& members,
    AntiEntropyOptions options) {
  const Tick<Cluster> tick = members.tick();
  const uint32_t buckets = std::max<uint32_t>(options.buckets, 1);
  using Round = std::pair<std::pair<Instant, std::vector<uint64_t>>, uint64_t>;
  auto summaries =
      table
          .query(members.source_interval(options.interval)
                     .batch(tick)
                     .cross_singleton(applied)
                     .cross_singleton(stable),
                 [buckets](const TableView<Key, typename Model::Value>& view, const Round& now) {
                   return internal::summarize<Model>(view, buckets, now.first.second, now.second);
                 })
          .all_ticks()
          .broadcast(members, IncludeSelf::kNo);
  // Every summary is answered, even when nothing differs: the answer carries the marks.
  using Asked = std::pair<std::pair<MemberId, TableSummary>, std::vector<uint64_t>>;
  return table
      .query(summaries.entries().batch(tick).cross_singleton(applied),
             [](const TableView<Key, typename Model::Value>& view, const Asked& asked) {
               return std::pair(asked.first.first, internal::repair_for<Model>(
                                                       view, asked.first.second, asked.second));
             })
      .all_ticks()
      .demux(members)
      .values();
}

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CORE_ANTI_ENTROPY_H_

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
// behind lost gossip moves again. When little differs, a round costs the summaries and the
// answers' digests (8 bytes per bucket per peer each way) and the entries of the differing
// buckets, never the whole table.
//
// A bucket's digest is the sum of mix64(hash(key) ^ digest(value)) over its entries (as
// EDDY.MEMBERS digests whole tables): equal contents give equal digests whatever the order of
// application, and a difference goes unnoticed only on a 64-bit collision.
#ifndef EDDY_KVS_CORE_ANTI_ENTROPY_H_
#define EDDY_KVS_CORE_ANTI_ENTROPY_H_

#include <algorithm>
#include <cstdint>
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

// What a member announces each round: one digest per bucket of its table.
struct TableSummary {
  std::vector<uint64_t> buckets;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(buckets);
  }
};

namespace internal {

template <class Model>
TableSummary summarize(const TableView<Key, typename Model::Value>& table, uint32_t buckets) {
  return TableSummary{bucket_digests<Model>(table, buckets)};
}

// The answer to `theirs` (covers left for the caller to fill in).
template <class Model>
Repair<Model> repair_for(const TableView<Key, typename Model::Value>& table,
                         const TableSummary& theirs) {
  Repair<Model> repair;
  const size_t buckets = theirs.buckets.size();
  if (buckets == 0) return repair;
  repair.digests = bucket_digests<Model>(table, buckets);
  std::vector<bool> differs(buckets, false);
  for (uint32_t b = 0; b < buckets; ++b) {
    if (repair.digests[b] != theirs.buckets[b]) {
      differs[b] = true;
      repair.differing.push_back(b);
    }
  }
  if (repair.differing.empty()) return repair;
  table.for_each([&](const Key& key, const typename Model::Value& value) {
    if (differs[bucket_of(key, buckets)]) {
      repair.entries.push_back(Write<Model>{key, value, Version{}});
    }
  });
  // In key order: a table's iteration order depends on where its memory is (Abseil salts
  // positions with the table's address), and a run must replay byte for byte.
  std::sort(repair.entries.begin(), repair.entries.end(),
            [](const Write<Model>& a, const Write<Model>& b) { return a.key < b.key; });
  return repair;
}

}  // namespace internal

// The repairs each member receives from the others, for member_store's `repairs` input.
// `applied` is the member's applied marks (MemberStore::applied).
template <class Model>
Stream<Repair<Model>, Cluster, Unbounded, NoOrder> anti_entropy(
    const KeyedSingleton<Key, typename Model::Value, Tick<Cluster>, Bounded>& table,
    const Singleton<std::vector<uint64_t>, Tick<Cluster>, Bounded>& applied, const Cluster& members,
    AntiEntropyOptions options) {
  const Tick<Cluster> tick = members.tick();
  const uint32_t buckets = std::max<uint32_t>(options.buckets, 1);
  auto summaries =
      table
          .query(members.source_interval(options.interval).batch(tick),
                 [buckets](const TableView<Key, typename Model::Value>& view, const Instant&) {
                   return internal::summarize<Model>(view, buckets);
                 })
          .all_ticks()
          .broadcast(members, IncludeSelf::kNo);
  // Every summary is answered, even when nothing differs: the answer carries the marks.
  auto answers = table.query(
      summaries.entries().batch(tick), [](const TableView<Key, typename Model::Value>& view,
                                          const std::pair<MemberId, TableSummary>& summary) {
        return std::pair(summary.first, internal::repair_for<Model>(view, summary.second));
      });
  return answers.cross_singleton(applied)
      .map([](std::pair<std::pair<MemberId, Repair<Model>>, std::vector<uint64_t>> a) {
        a.first.second.covers = std::move(a.second);
        return std::move(a.first);
      })
      .all_ticks()
      .demux(members)
      .values();
}

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CORE_ANTI_ENTROPY_H_

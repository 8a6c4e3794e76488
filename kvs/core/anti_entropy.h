// anti_entropy: periodic repair between the replicas of a table, so they converge after lost
// gossip (a connection that died with writes in flight) or a member that restarted empty.
//
// Every `interval`, each member splits its table into `buckets` buckets by key hash and
// broadcasts one digest per bucket (a TableSummary) to the other members. A member receiving a
// summary compares it with its own buckets and sends back, to that member only, every entry of
// the buckets that differ. The receiver merges them with the lattice's merge, so repairs are
// idempotent and commute with gossip; since every member does the same, both sides of a
// difference get the other's entries within one interval. When little differs, a round costs
// the summaries (8 bytes per bucket per peer) and the entries of the differing buckets, never
// the whole table.
//
// A bucket's digest is the sum of mix64(hash(key) ^ digest(value)) over its entries (as
// EDDY.MEMBERS digests whole tables): equal contents give equal digests whatever the order of
// application, and a difference goes unnoticed only on a 64-bit collision.
#ifndef EDDY_KVS_CORE_ANTI_ENTROPY_H_
#define EDDY_KVS_CORE_ANTI_ENTROPY_H_

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

inline uint32_t bucket_of(const Key& key, size_t buckets) {
  return static_cast<uint32_t>(stable_bytes_hash(key) % buckets);
}

template <class Model>
uint64_t entry_digest(const Key& key, const typename Model::Value& value) {
  return mix64(stable_bytes_hash(key) ^ Model::digest(value));
}

template <class Model>
TableSummary summarize(const TableView<Key, typename Model::Value>& table, uint32_t buckets) {
  TableSummary summary;
  summary.buckets.assign(buckets, 0);
  table.for_each([&](const Key& key, const typename Model::Value& value) {
    summary.buckets[bucket_of(key, buckets)] += entry_digest<Model>(key, value);
  });
  return summary;
}

// This table's entries in the buckets where it differs from `theirs`, as writes to merge.
template <class Model>
std::vector<Write<Model>> entries_differing(const TableView<Key, typename Model::Value>& table,
                                            const TableSummary& theirs) {
  std::vector<Write<Model>> out;
  const size_t buckets = theirs.buckets.size();
  if (buckets == 0) return out;
  const TableSummary mine = summarize<Model>(table, static_cast<uint32_t>(buckets));
  table.for_each([&](const Key& key, const typename Model::Value& value) {
    const uint32_t b = bucket_of(key, buckets);
    // A repair carries no version: it raises no applied marks (see member_store.h).
    if (mine.buckets[b] != theirs.buckets[b]) out.push_back(Write<Model>{key, value, Version{}});
  });
  return out;
}

}  // namespace internal

// The repairs each member receives: entries of other members' tables that may be missing or
// older here. Feed them to member_store as gossip (they merge, and are not gossiped again).
template <class Model>
Stream<Write<Model>, Cluster, Unbounded, NoOrder> anti_entropy(
    const KeyedSingleton<Key, typename Model::Value, Tick<Cluster>, Bounded>& table,
    const Cluster& members, AntiEntropyOptions options) {
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
  auto answers = table.query(
      summaries.entries().batch(tick),
      [](const TableView<Key, typename Model::Value>& view,
         const std::pair<MemberId, TableSummary>& summary) {
        return std::pair(summary.first, internal::entries_differing<Model>(view, summary.second));
      });
  return answers
      .filter([](const std::pair<MemberId, std::vector<Write<Model>>>& a) {
        return !a.second.empty();
      })
      .all_ticks()
      .demux(members)
      .values()
      .flat_map([](std::vector<Write<Model>> writes) { return writes; });
}

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CORE_ANTI_ENTROPY_H_

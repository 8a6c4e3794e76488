// durable_log: a replica's write-ahead log as part of its flow, and recovery from it.
//
// With a data directory, each instance of a store logs every write it applies (its own,
// gossiped, repaired and recovered ones; wal.h frames them) to DIR/member-<id>.wal, one append
// per tick that applied any, and syncs the file as the FsyncPolicy says. The append (and, with
// kAlways, the sync) runs inside the tick; the replies, gossip and applied marks of that tick
// leave the instance only after every operator of the tick ran, so no acknowledgement of a
// write ever leaves before that write is in the log (synced, with kAlways).
//
// Recovery: in its first tick an instance reads its log, merges the records per key (each
// value is a lattice, so the merge is the state they add up to) and feeds the result to its
// table as gossip, before any op of that tick. The highest version of each origin is kept on
// one recovered write, so the applied marks come back too. The first append then replaces the
// old file with a new one that starts with these recovered writes: the log is compacted at
// every restart (while running it only grows).
#ifndef EDDY_KVS_CORE_DURABLE_LOG_H_
#define EDDY_KVS_CORE_DURABLE_LOG_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cereal/cereal.hpp"
#include "dataflow/core/check.h"
#include "dataflow/core/log.h"
#include "dataflow/eddy.h"
#include "dataflow/serde/archive.h"
#include "kvs/core/member_store.h"
#include "kvs/core/wal.h"

namespace eddy::kvs {

struct WalOptions {
  std::string dir;  // the data directory; empty: no log
  FsyncPolicy fsync = FsyncPolicy::kInterval;
  Duration interval = std::chrono::seconds(1);  // kInterval: how often at most it syncs
};

// Appends `write` to `out` as one framed record whose payload is the Cereal binary form of
// Write<Model>.
template <class Model>
void append_write_record(const Write<Model>& write, std::string* out) {
  std::string payload;
  serde::StringOutputArchive archive(&payload);
  archive(write);
  append_record(payload, out);
}

template <class Model>
struct RecoveredWrites {
  std::vector<Write<Model>> writes;  // one per key (keys ascending), then one per origin
  size_t records = 0;                // valid records read
  size_t keys = 0;
  std::string problem;  // why the log ended early; empty when it did not
};

// What the log `bytes` holds, compacted: for each key, the merge of its records' values with
// Version{} (no mark), then for each origin the key of its highest version, again, carrying
// that version (so applying the writes raises the applied marks as the log had them). A
// record that does not decode ends the log like a bad checksum.
template <class Model>
RecoveredWrites<Model> recover_writes(std::string_view bytes) {
  using Value = typename Model::Value;
  RecoveredWrites<Model> out;
  const DecodedLog log = decode_log(bytes);
  out.problem = log.problem;
  std::map<Key, Value> table;  // ordered: the recovered order is written to the new log
  std::map<uint32_t, std::pair<Version, Key>> marks;
  for (size_t i = 0; i < log.records.size(); ++i) {
    const std::string_view record = log.records[i];
    Write<Model> w;
    try {
      serde::SpanInputArchive archive(record.data(), record.size());
      archive(w);
      if (archive.remaining() != 0) throw cereal::Exception("trailing bytes");
    } catch (const cereal::Exception& e) {
      out.problem =
          absl::StrCat("record ", i, " does not decode (", e.what(), "); ignoring it and the ",
                       log.records.size() - i - 1, " records after it");
      break;
    }
    ++out.records;
    if (w.version.stamp != 0) {
      auto [mark, fresh] = marks.try_emplace(w.version.origin, w.version, w.key);
      if (!fresh && mark->second.first.stamp < w.version.stamp) mark->second = {w.version, w.key};
    }
    auto [it, inserted] = table.try_emplace(std::move(w.key), w.value);
    if (!inserted) it->second.merge(w.value);
  }
  out.keys = table.size();
  for (const auto& [key, value] : table) {
    out.writes.push_back(Write<Model>{key, value, Version{}, 0, /*recovered=*/true});
  }
  for (const auto& [origin, mark] : marks) {
    out.writes.push_back(
        Write<Model>{mark.second, table.at(mark.second), mark.first, 0, /*recovered=*/true});
  }
  return out;
}

namespace internal {

// Reads and compacts member `member`'s log in `dir`. An unreadable log (other than a missing
// one) stops the process: serving without what it acknowledged would break the guarantee.
template <class Model>
std::vector<Write<Model>> recover_member(const std::string& dir, uint32_t member) {
  const std::string path = wal_path(dir, member);
  absl::StatusOr<std::string> bytes = read_whole_file(path);
  EDDY_CHECK(bytes.ok(), "cannot recover from the write-ahead log: ", bytes.status().message());
  RecoveredWrites<Model> recovered = recover_writes<Model>(*bytes);
  if (!recovered.problem.empty()) {
    EDDY_LOG(kWarning, "write-ahead log ", path, ": ", recovered.problem);
  }
  EDDY_LOG(kInfo, "recovered ", recovered.records, " records (", recovered.keys, " keys) from ",
           path);
  return std::move(recovered.writes);
}

}  // namespace internal

// The writes recovered from the log of each instance at `where`, all in the first tick. Feed
// them to member_store as gossip. REQUIRES: !options.dir.empty().
template <class Model, class L>
Stream<Write<Model>, L, Unbounded, TotalOrder> recovered_writes(const L& where,
                                                                const WalOptions& options) {
  return where.source_iter(std::vector<int>{0}).flat_map([dir = options.dir](Context& ctx, int) {
    return internal::recover_member<Model>(dir, ctx.member_id().raw);
  });
}

// Logs `applied` (MemberStore::applied() at `where`) as the header describes. An I/O error
// while logging stops the process: it must not acknowledge writes it could not log.
// REQUIRES: !options.dir.empty().
template <class Model, class L>
void write_ahead_log(const L& where,
                     const Stream<Write<Model>, Tick<L>, Bounded, TotalOrder>& applied,
                     const WalOptions& options) {
  auto batches = applied
                     .fold(std::string(),
                           [](std::string& out, Write<Model> w) { append_write_record(w, &out); })
                     .filter([](const std::string& records) { return !records.empty(); })
                     .all_ticks();
  // An empty string is the sync timer.
  auto log = [options, writer = std::optional<WalWriter>()](Context& ctx,
                                                            std::string records) mutable {
    if (!writer) {
      writer.emplace(wal_path(options.dir, ctx.member_id().raw), options.fsync, options.interval);
    }
    const absl::Status s =
        records.empty() ? writer->on_timer(ctx.now()) : writer->write(ctx.now(), records);
    EDDY_CHECK(s.ok(), "write-ahead log: ", s.message());
  };
  if (options.fsync == FsyncPolicy::kInterval) {
    batches
        .merge(where.source_interval(options.interval).map([](Instant) { return std::string(); }))
        .for_each(std::move(log));
  } else {
    batches.for_each(std::move(log));
  }
}

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CORE_DURABLE_LOG_H_

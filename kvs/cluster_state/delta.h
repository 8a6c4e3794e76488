// Delta: what one cluster-state replica sends another -- the rows the other lacks, with the
// version vectors that say what it covers -- and its wire form.
//
// A delta made by ClusterState::delta_since(theirs) holds every row with a change `theirs`
// lacks (whole rows: all their fields, tombstones included), `base` = theirs, and `version` =
// the sender's version vector. A receiver whose own vector dominates `base` has, after merging
// the rows, every change `version` counts, and raises its vector to include it; any other
// receiver still merges the rows (merging is always safe) but keeps its vector. A snapshot is
// the same with every row and an empty `base`, so it applies anywhere. A delta scoped to
// kNodesAndMetadata (for leechers) holds no task or content rows and never raises the vector
// of a full replica.
// A plain value type: not thread safe, no ticks; copies are independent.
#ifndef EDDY_KVS_CLUSTER_STATE_DELTA_H_
#define EDDY_KVS_CLUSTER_STATE_DELTA_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "cereal/types/map.hpp"
#include "cereal/types/optional.hpp"
#include "cereal/types/string.hpp"
#include "kvs/cluster_state/records.h"
#include "kvs/cluster_state/stamp.h"

namespace eddy::kvs {

// Which tables a replica keeps, or a delta carries.
enum class SyncScope : uint8_t {
  kFull,              // All four tables.
  kNodesAndMetadata,  // Nodes and the metadata singleton only (a leecher's view).
};

struct Delta {
  std::string sender;                  // The replica id that made it.
  SyncScope scope = SyncScope::kFull;  // The tables it covers.
  bool is_snapshot = false;            // Every row of the sender, not only the changed ones.
  VersionVector base;                  // What the receiver was known to have ({} = nothing).
  VersionVector version;               // The sender's version vector when it was made.
  Stamp clock;                         // The sender's hybrid clock (receivers observe it).
  std::map<std::string, Row<NodeRecord>> nodes;
  std::map<std::string, Row<TaskRecord>> tasks;
  std::map<std::string, Row<ContentRecord>> content;
  std::optional<Row<MetadataRecord>> metadata;

  // The number of rows carried (the metadata singleton counts as one).
  size_t row_count() const {
    return nodes.size() + tasks.size() + content.size() + (metadata.has_value() ? 1 : 0);
  }
  // True iff it carries no row.
  bool empty() const { return row_count() == 0; }

  friend bool operator==(const Delta&, const Delta&) = default;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(sender, scope, is_snapshot, base, version, clock, nodes, tasks, content, metadata);
  }
};

// Wire form (Cereal portable binary, little-endian):
//   delta    := kDeltaMagic:u32 kDeltaFormat:u8 body
//   body     := sender:string scope:u8 is_snapshot:bool base:vv version:vv clock:stamp
//               nodes:map<string,row> tasks:map<string,row> content:map<string,row>
//               metadata:optional<row>
//   vv       := count:u64 (replica:string counter:u64)*      ascending by replica
//   row      := record version:vv                            fields in declaration order
// Returns the encoding of `delta`.
std::string encode_delta(const Delta& delta);

// Decodes bytes made by encode_delta. Fails with InvalidArgument (never throws) on a wrong
// magic or format, truncated or trailing bytes, or an enum value out of range.
absl::StatusOr<Delta> decode_delta(std::string_view bytes);

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CLUSTER_STATE_DELTA_H_

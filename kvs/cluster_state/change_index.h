// ChangeIndex: which rows of a replica carry which changes, so that the rows another replica
// lacks are found without scanning the tables.
//
// Every row has a version (Row<R>::version): for each origin replica, the greatest counter of
// that origin's changes to the row. The index keeps, per origin, the set of (counter, row)
// pairs of those latest counters -- one entry per (origin, row), however often the row
// changed. rows_changed_since(theirs) walks, per origin, only the entries above theirs[origin]:
// its cost grows with the number of rows changed since `theirs`, not with the table size.
// A plain value type: not thread safe, no ticks.
#ifndef EDDY_KVS_CLUSTER_STATE_CHANGE_INDEX_H_
#define EDDY_KVS_CLUSTER_STATE_CHANGE_INDEX_H_

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "cereal/types/string.hpp"
#include "kvs/lattices/vector_clock.h"

namespace eddy::kvs {

// The four tables of a ClusterState.
enum class Table : uint8_t { kNodes, kTasks, kContent, kMetadata };

// One row: its table and key (the empty key for the metadata singleton).
struct RowKey {
  Table table = Table::kNodes;
  std::string key;

  friend auto operator<=>(const RowKey&, const RowKey&) = default;
  friend bool operator==(const RowKey&, const RowKey&) = default;
};

class ChangeIndex {
 public:
  ChangeIndex() = default;

  // Records that the version of row `row` went from `before` to `after`.
  // REQUIRES: after dominates before (row versions only grow).
  void update(const RowKey& row, const VectorClock& before, const VectorClock& after);

  // The rows holding a change `theirs` lacks -- some origin o with row.version[o] > theirs[o]
  // -- ascending by (table, key), each once.
  std::set<RowKey> rows_changed_since(const VectorClock& theirs) const;

  // The number of (origin, row) entries.
  size_t size() const;

 private:
  // Origin replica -> (latest counter of that origin on the row, row).
  std::map<std::string, std::set<std::pair<uint64_t, RowKey>>, std::less<>> by_origin_;
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CLUSTER_STATE_CHANGE_INDEX_H_

#include "kvs/cluster_state/change_index.h"

namespace eddy::kvs {

void ChangeIndex::update(const RowKey& row, const VectorClock& before, const VectorClock& after) {
  for (const auto& [origin, counter] : after.entries()) {
    uint64_t old_counter = before.get(origin);
    if (counter == old_counter) continue;
    auto& entries = by_origin_[origin];
    if (old_counter != 0) entries.erase({old_counter, row});
    entries.emplace(counter, row);
  }
}

std::set<RowKey> ChangeIndex::rows_changed_since(const VectorClock& theirs) const {
  std::set<RowKey> rows;
  for (const auto& [origin, entries] : by_origin_) {
    // Entries are ordered by counter first: the first one above theirs[origin] starts the run.
    auto it = entries.lower_bound({theirs.get(origin) + 1, RowKey{Table::kNodes, ""}});
    for (; it != entries.end(); ++it) rows.insert(it->second);
  }
  return rows;
}

size_t ChangeIndex::size() const {
  size_t n = 0;
  for (const auto& entry : by_origin_) n += entry.second.size();
  return n;
}

}  // namespace eddy::kvs

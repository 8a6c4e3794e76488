// OrSet<T>: an add-wins observed-remove set, for set-valued fields of cluster-state records
// (a node's capabilities, a content item's providers).
//
// Each add tags its element with a Dot that names the change (replica, counter). An element is
// in the set while at least one of its dots is live. remove(x) removes the dots of x that this
// replica has observed -- a concurrent add elsewhere carries a dot the remove never saw, so the
// add wins. Removed dots are remembered (per element) so that a stale copy of the set cannot
// bring them back: merge unions the live dots and the removed dots of both sides, then drops
// every live dot that either side removed. Merge is therefore associative, commutative and
// idempotent. The cost is that removed dots are kept forever (no garbage collection here).
// Elements and dots live in ordered containers: iteration and the wire form are deterministic.
// A plain value type: not thread safe, no ticks; copies are independent.
#ifndef EDDY_KVS_CLUSTER_STATE_OR_SET_H_
#define EDDY_KVS_CLUSTER_STATE_OR_SET_H_

#include <concepts>
#include <cstddef>
#include <map>
#include <set>
#include <utility>

#include "cereal/types/map.hpp"
#include "cereal/types/set.hpp"
#include "kvs/cluster_state/stamp.h"

namespace eddy::kvs {

template <class T>
requires std::totally_ordered<T> && std::copyable<T>
class OrSet {
 public:
  // The dots of one element: those still live, and those removed.
  // Invariant: live and removed are disjoint.
  struct Tags {
    std::set<Dot> live;
    std::set<Dot> removed;

    friend bool operator==(const Tags&, const Tags&) = default;

    template <class Archive>
    void serialize(Archive& archive) {
      archive(live, removed);
    }
  };

  // The bottom: no element, no history.
  OrSet() = default;

  // True iff `element` has a live dot.
  bool contains(const T& element) const {
    auto it = tags_.find(element);
    return it != tags_.end() && !it->second.live.empty();
  }

  // The elements present, ascending.
  std::set<T> elements() const {
    std::set<T> out;
    for (const auto& [element, tags] : tags_) {
      if (!tags.live.empty()) out.insert(element);
    }
    return out;
  }

  // The number of elements present.
  size_t size() const {
    size_t n = 0;
    for (const auto& entry : tags_) n += entry.second.live.empty() ? 0 : 1;
    return n;
  }

  // Adds `element` tagged with `dot`. Returns true iff the element was absent before.
  // REQUIRES: `dot` names a change not used before for this element (a fresh dot).
  bool add(const T& element, const Dot& dot) {
    Tags& tags = tags_[element];
    bool was_present = !tags.live.empty();
    if (!tags.removed.contains(dot)) tags.live.insert(dot);
    return !was_present && !tags.live.empty();
  }

  // Removes `element` by removing every dot of it observed here. Returns true iff it was
  // present. Adds made concurrently elsewhere (dots not observed here) survive the merge.
  bool remove(const T& element) {
    auto it = tags_.find(element);
    if (it == tags_.end() || it->second.live.empty()) return false;
    it->second.removed.merge(it->second.live);
    it->second.live.clear();
    return true;
  }

  // Removes every element present (each as remove() would).
  void clear() {
    for (auto& entry : tags_) {
      entry.second.removed.merge(entry.second.live);
      entry.second.live.clear();
    }
  }

  // Sets *this to the join of *this and `other`. Returns true iff *this changed.
  bool merge(const OrSet& other) {
    bool changed = false;
    for (const auto& [element, theirs] : other.tags_) {
      Tags& ours = tags_[element];
      for (const Dot& dot : theirs.removed) {
        changed |= ours.removed.insert(dot).second;
        ours.live.erase(dot);
      }
      for (const Dot& dot : theirs.live) {
        if (!ours.removed.contains(dot)) changed |= ours.live.insert(dot).second;
      }
    }
    return changed;
  }

  // Every element ever added, with its live and removed dots, ascending by element. No entry
  // has both sets empty.
  const std::map<T, Tags>& tags() const { return tags_; }

  friend bool operator==(const OrSet&, const OrSet&) = default;

  // Wire form: Cereal's map of element -> (live dots, removed dots), ascending.
  template <class Archive>
  void serialize(Archive& archive) {
    archive(tags_);
    if constexpr (Archive::is_loading::value) restore_invariant();
  }

 private:
  // Bytes from elsewhere may list a dot as both live and removed (removed wins), or an element
  // without any dot (dropped: equal sets must have equal tags).
  void restore_invariant() {
    for (auto& entry : tags_) {
      for (const Dot& dot : entry.second.removed) entry.second.live.erase(dot);
    }
    std::erase_if(tags_, [](const auto& entry) {
      return entry.second.live.empty() && entry.second.removed.empty();
    });
  }

  std::map<T, Tags> tags_;
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CLUSTER_STATE_OR_SET_H_

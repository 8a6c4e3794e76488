#include "kvs/core/types.h"

#include <algorithm>

namespace eddy::kvs {

void VersionVector::raise(Version version) {
  if (stamps_.size() <= version.origin) stamps_.resize(version.origin + 1, 0);
  stamps_[version.origin] = std::max(stamps_[version.origin], version.stamp);
}

void VersionVector::merge(const VersionVector& other) {
  if (stamps_.size() < other.stamps_.size()) stamps_.resize(other.stamps_.size(), 0);
  for (size_t i = 0; i < other.stamps_.size(); ++i) {
    stamps_[i] = std::max(stamps_[i], other.stamps_[i]);
  }
}

bool VersionVector::covers(const VersionVector& need) const {
  for (size_t i = 0; i < need.stamps_.size(); ++i) {
    if (get(static_cast<uint32_t>(i)) < need.stamps_[i]) return false;
  }
  return true;
}

bool operator==(const VersionVector& a, const VersionVector& b) {
  const size_t n = std::max(a.stamps_.size(), b.stamps_.size());
  for (size_t i = 0; i < n; ++i) {
    if (a.get(static_cast<uint32_t>(i)) != b.get(static_cast<uint32_t>(i))) return false;
  }
  return true;
}

}  // namespace eddy::kvs

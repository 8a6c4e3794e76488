#include "kvs/cluster_state/delta.h"

#include <exception>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "cereal/archives/portable_binary.hpp"

namespace eddy::kvs {
namespace {

constexpr uint32_t kDeltaMagic = 0x45435344;  // "ECSD": eddy cluster-state delta.
constexpr uint8_t kDeltaFormat = 1;

bool enums_in_range(const Delta& delta) {
  if (delta.scope > SyncScope::kNodesAndMetadata) return false;
  for (const auto& [id, row] : delta.nodes) {
    if (row.record.role.value() > NodeRole::kLeecher) return false;
    if (row.record.status.value() > NodeStatus::kDraining) return false;
  }
  for (const auto& [id, row] : delta.tasks) {
    if (row.record.progress.value().status > TaskStatus::kFailed) return false;
  }
  for (const auto& [cid, row] : delta.content) {
    if (row.record.pin_status.value() > PinStatus::kPinned) return false;
  }
  return true;
}

}  // namespace

std::string encode_delta(const Delta& delta) {
  std::ostringstream bytes;
  {
    cereal::PortableBinaryOutputArchive archive(bytes);
    archive(kDeltaMagic, kDeltaFormat, delta);
  }
  return std::move(bytes).str();
}

absl::StatusOr<Delta> decode_delta(std::string_view bytes) {
  std::istringstream stream{std::string(bytes)};
  Delta delta;
  try {
    cereal::PortableBinaryInputArchive archive(stream);
    uint32_t magic = 0;
    uint8_t format = 0;
    archive(magic, format);
    if (magic != kDeltaMagic) return absl::InvalidArgumentError("not a cluster-state delta");
    if (format != kDeltaFormat) {
      return absl::InvalidArgumentError(absl::StrCat("unknown delta format ", format));
    }
    archive(delta);
  } catch (const std::exception& e) {  // cereal::Exception, or a length too large to allocate.
    return absl::InvalidArgumentError(absl::StrCat("malformed delta: ", e.what()));
  }
  if (stream.peek() != std::istringstream::traits_type::eof()) {
    return absl::InvalidArgumentError("trailing bytes after delta");
  }
  if (!enums_in_range(delta)) return absl::InvalidArgumentError("delta has an unknown enum value");
  return delta;
}

}  // namespace eddy::kvs

// OpResult: what a ClusterState operation returns -- a code a caller can branch on, and a
// message for people.
//
// A new code exists only where a caller reacts differently: kNotFound (no such live row),
// kAlreadyExists (add of a live row), kInvalidTransition (the task state machine forbids it),
// kInvalidArgument (malformed input). to_status() maps onto absl::Status for callers that
// report through absl. A plain value type.
#ifndef EDDY_KVS_CLUSTER_STATE_OP_RESULT_H_
#define EDDY_KVS_CLUSTER_STATE_OP_RESULT_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"

namespace eddy::kvs {

enum class OpCode : uint8_t {
  kOk,
  kNotFound,
  kAlreadyExists,
  kInvalidTransition,
  kInvalidArgument,
};

// "ok", "not_found", "already_exists", "invalid_transition", "invalid_argument".
std::string_view to_string(OpCode code);

class [[nodiscard]] OpResult {
 public:
  // Success, with an empty message.
  OpResult() = default;
  static OpResult success() { return OpResult(); }
  static OpResult error(OpCode code, std::string message) {
    return OpResult(code, std::move(message));
  }

  bool ok() const { return code_ == OpCode::kOk; }
  OpCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // kOk -> OkStatus; kNotFound -> NotFound; kAlreadyExists -> AlreadyExists;
  // kInvalidTransition -> FailedPrecondition; kInvalidArgument -> InvalidArgument.
  absl::Status to_status() const;

  friend bool operator==(const OpResult&, const OpResult&) = default;

 private:
  OpResult(OpCode code, std::string message) : code_(code), message_(std::move(message)) {}

  OpCode code_ = OpCode::kOk;
  std::string message_;
};

// For gtest and logs: "not_found: no node n7".
std::ostream& operator<<(std::ostream& os, const OpResult& result);

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CLUSTER_STATE_OP_RESULT_H_

#include "kvs/cluster_state/op_result.h"

namespace eddy::kvs {

std::string_view to_string(OpCode code) {
  switch (code) {
    case OpCode::kOk:
      return "ok";
    case OpCode::kNotFound:
      return "not_found";
    case OpCode::kAlreadyExists:
      return "already_exists";
    case OpCode::kInvalidTransition:
      return "invalid_transition";
    case OpCode::kInvalidArgument:
      return "invalid_argument";
  }
  return "unknown";
}

absl::Status OpResult::to_status() const {
  switch (code_) {
    case OpCode::kOk:
      return absl::OkStatus();
    case OpCode::kNotFound:
      return absl::NotFoundError(message_);
    case OpCode::kAlreadyExists:
      return absl::AlreadyExistsError(message_);
    case OpCode::kInvalidTransition:
      return absl::FailedPreconditionError(message_);
    case OpCode::kInvalidArgument:
      return absl::InvalidArgumentError(message_);
  }
  return absl::InternalError(message_);
}

std::ostream& operator<<(std::ostream& os, const OpResult& result) {
  os << to_string(result.code());
  if (!result.message().empty()) os << ": " << result.message();
  return os;
}

}  // namespace eddy::kvs

// RespReplyParser: replies, read strictly by the reply grammar in resp.h.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "kvs/protocol/internal/resp_input.h"
#include "kvs/protocol/resp.h"

namespace eddy::kvs {
namespace {

// As in the request parser: reservations never run far ahead of the bytes received.
constexpr size_t kMaxUnbackedReserve = size_t{64} * 1024;
constexpr int64_t kMaxElementsReserve = 1024;

}  // namespace

RespReplyParser::RespReplyParser(RespLimits limits) : limits_(limits) {}

void RespReplyParser::feed(const char* data, size_t n) {
  if (error_.ok()) input_.append(data, n);
}

absl::StatusOr<std::optional<RespValue>> RespReplyParser::next() {
  while (error_.ok()) {
    RespValue value;
    const Step step = bulk_length_ >= 0 ? read_bulk(&value) : read_header(&value);
    if (step == Step::kNeedMore) return std::nullopt;
    if (step != Step::kValue) continue;
    if (std::optional<RespValue> done = place(std::move(value))) return done;
  }
  return error_;
}

std::optional<RespValue> RespReplyParser::place(RespValue value) {
  while (!open_.empty()) {
    OpenArray& top = open_.back();
    top.value.elements.push_back(std::move(value));
    if (--top.left > 0) return std::nullopt;
    value = std::move(top.value);
    open_.pop_back();
  }
  return value;
}

RespReplyParser::Step RespReplyParser::read_header(RespValue* value) {
  const size_t cr = input_.find('\r');
  if (cr == internal::RespInput::kNotFound ? input_.size() > limits_.max_inline_length
                                           : cr > limits_.max_inline_length) {
    return fail(absl::StrCat("RESP reply: line longer than ", limits_.max_inline_length, " bytes"));
  }
  if (cr == internal::RespInput::kNotFound || cr + 1 >= input_.size()) return Step::kNeedMore;
  const char* line = input_.data();
  if (line[cr + 1] != '\n') return fail("RESP reply: CR not followed by LF");
  if (cr == 0) return fail("RESP reply: empty line");
  const absl::string_view body(line + 1, cr - 1);
  if ((line[0] == '+' || line[0] == '-') && body.find('\n') != absl::string_view::npos) {
    return fail("RESP reply: LF inside a simple string or error");
  }
  int64_t n = 0;
  const bool is_number = internal::parse_resp_integer(body.data(), body.size(), &n);
  switch (line[0]) {
    case '+':
      *value = RespValue::simple_string(std::string(body));
      break;
    case '-':
      *value = RespValue::error(std::string(body));
      break;
    case ':':
      if (!is_number) return fail("RESP reply: invalid integer");
      *value = RespValue::integer(n);
      break;
    case '$':
      if (is_number && n == -1) {
        *value = RespValue::null_bulk_string();
        break;
      }
      if (!is_number || n < 0 || n > limits_.max_bulk_length) {
        return fail("RESP reply: invalid bulk length");
      }
      input_.consume(cr + 2);
      bulk_length_ = n;
      bulk_.reserve(std::min(static_cast<size_t>(n), input_.size() + kMaxUnbackedReserve));
      return read_bulk(value);
    case '*':
      if (is_number && n == -1) {
        *value = RespValue::null_array();
        break;
      }
      if (!is_number || n < 0 || n > limits_.max_array_elements) {
        return fail("RESP reply: invalid array length");
      }
      if (n == 0) {
        *value = RespValue::array({});
        break;
      }
      if (open_.size() >= static_cast<size_t>(std::max(limits_.max_reply_depth, 0))) {
        return fail(
            absl::StrCat("RESP reply: arrays nested deeper than ", limits_.max_reply_depth));
      }
      input_.consume(cr + 2);
      open_.push_back({RespValue::array({}), n});
      open_.back().value.elements.reserve(static_cast<size_t>(std::min(n, kMaxElementsReserve)));
      return Step::kOpenedArray;
    default:
      return fail(absl::StrCat("RESP reply: unknown type byte '",
                               absl::CHexEscape(absl::string_view(line, 1)), "'"));
  }
  input_.consume(cr + 2);
  return Step::kValue;
}

RespReplyParser::Step RespReplyParser::read_bulk(RespValue* value) {
  const size_t take = std::min(static_cast<size_t>(bulk_length_) - bulk_.size(), input_.size());
  bulk_.append(input_.data(), take);
  input_.consume(take);
  if (bulk_.size() < static_cast<size_t>(bulk_length_) || input_.size() < 2) {
    return Step::kNeedMore;
  }
  if (input_.data()[0] != '\r' || input_.data()[1] != '\n') {
    return fail("RESP reply: bulk string not followed by CRLF");
  }
  input_.consume(2);
  *value = RespValue::bulk_string(std::move(bulk_));
  bulk_.clear();
  bulk_length_ = -1;
  return Step::kValue;
}

RespReplyParser::Step RespReplyParser::fail(absl::string_view message) {
  error_ = absl::InvalidArgumentError(message);
  open_.clear();
  bulk_.clear();
  bulk_length_ = -1;
  input_ = internal::RespInput();
  return Step::kError;
}

}  // namespace eddy::kvs

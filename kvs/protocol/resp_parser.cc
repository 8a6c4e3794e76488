// RespParser: client requests, parsed as Redis 7's processMultibulkBuffer and
// processInlineBuffer (networking.c) and sdssplitargs (sds.c) do.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kvs/protocol/internal/resp_input.h"
#include "kvs/protocol/resp.h"

namespace eddy::kvs {
namespace {

constexpr char kInvalidMultibulkLength[] = "ERR Protocol error: invalid multibulk length";
constexpr char kInvalidBulkLength[] = "ERR Protocol error: invalid bulk length";
constexpr char kTooBigInline[] = "ERR Protocol error: too big inline request";
constexpr char kTooBigMultibulkCount[] = "ERR Protocol error: too big mbulk count string";
constexpr char kTooBigBulkCount[] = "ERR Protocol error: too big bulk count string";
constexpr char kUnbalancedQuotes[] = "ERR Protocol error: unbalanced quotes in request";

// A bulk's buffer is never reserved more than this beyond the bytes already received, so a
// claimed length costs memory only as its bytes arrive.
constexpr size_t kMaxUnbackedReserve = size_t{64} * 1024;
// Nor is an argument vector reserved for more than this many arguments up front.
constexpr int64_t kMaxArgsReserve = 1024;

// isspace() in the C locale.
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// The byte a backslash escape inside double quotes stands for.
char unescape(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'b':
      return '\b';
    case 'a':
      return '\a';
    default:
      return c;
  }
}

// Reads one word starting at *p (not a space) into *word and advances *p past it and the byte
// that ended it. Returns false on an unterminated quote or a closing quote followed by
// something other than a space.
bool read_inline_word(const char** p, const char* end, std::string* word) {
  const char* at = *p;
  bool in_double = false;
  bool in_single = false;
  for (bool done = false; !done;) {
    if (in_double || in_single) {
      if (at == end) return false;
      const bool has_next = end - at >= 2;
      if (in_double && *at == '\\' && end - at >= 4 && at[1] == 'x' && is_hex(at[2]) &&
          is_hex(at[3])) {
        word->push_back(static_cast<char>(hex_value(at[2]) * 16 + hex_value(at[3])));
        at += 3;
      } else if (in_double && *at == '\\' && has_next) {
        word->push_back(unescape(*++at));
      } else if (in_single && *at == '\\' && has_next && at[1] == '\'') {
        word->push_back(*++at);
      } else if (*at == (in_double ? '"' : '\'')) {
        if (has_next && !is_space(at[1])) return false;
        done = true;
      } else {
        word->push_back(*at);
      }
    } else if (at == end || *at == ' ' || *at == '\t' || *at == '\n' || *at == '\r') {
      done = true;
    } else if (*at == '"') {
      in_double = true;
    } else if (*at == '\'') {
      in_single = true;
    } else {
      word->push_back(*at);
    }
    if (at != end) ++at;
  }
  *p = at;
  return true;
}

// Splits one inline line [p, end) into *words as sdssplitargs does. Returns false on
// unbalanced quotes.
bool split_inline(const char* p, const char* end, std::vector<std::string>* words) {
  while (true) {
    while (p != end && is_space(*p)) ++p;
    if (p == end) return true;
    words->emplace_back();
    if (!read_inline_word(&p, end, &words->back())) return false;
  }
}

// Redis prints the offending byte with %c, then turns CR and LF into spaces.
char printable(char c) { return c == '\r' || c == '\n' ? ' ' : c; }

}  // namespace

RespParser::RespParser(RespLimits limits) : limits_(limits) {}

void RespParser::feed(const char* data, size_t n) {
  if (error_.ok()) input_.append(data, n);
}

absl::StatusOr<std::optional<RespRequest>> RespParser::next() {
  while (error_.ok()) {
    switch (args_left_ > 0 ? parse_bulks() : start_request()) {
      case Step::kNeedMore:
        return std::nullopt;
      case Step::kEmptyRequest:
        continue;
      case Step::kDone: {
        RespRequest request;
        request.args = std::move(args_);
        args_.clear();
        args_bytes_ = 0;
        return std::optional<RespRequest>(std::move(request));
      }
      case Step::kError:
        break;
    }
  }
  return error_;
}

RespParser::Step RespParser::start_request() {
  if (input_.size() == 0) return Step::kNeedMore;
  if (input_.data()[0] != '*') return parse_inline();
  absl::string_view line;
  if (Step step = find_count_line(kTooBigMultibulkCount, &line); step != Step::kDone) {
    return step;
  }
  int64_t count = 0;
  if (!internal::parse_resp_integer(line.data() + 1, line.size() - 1, &count) ||
      count > limits_.max_array_elements) {
    return fail(kInvalidMultibulkLength);
  }
  input_.consume(line.size() + 2);
  if (count <= 0) return Step::kEmptyRequest;
  args_left_ = count;
  args_.reserve(static_cast<size_t>(std::min(count, kMaxArgsReserve)));
  return parse_bulks();
}

RespParser::Step RespParser::parse_inline() {
  const size_t lf = input_.find('\n');
  if (lf == internal::RespInput::kNotFound ? input_.size() > limits_.max_inline_length
                                           : lf > limits_.max_inline_length) {
    return fail(kTooBigInline);
  }
  if (lf == internal::RespInput::kNotFound) return Step::kNeedMore;
  const char* line = input_.data();
  const size_t length = lf > 0 && line[lf - 1] == '\r' ? lf - 1 : lf;
  if (!split_inline(line, line + length, &args_)) return fail(kUnbalancedQuotes);
  input_.consume(lf + 1);
  return args_.empty() ? Step::kEmptyRequest : Step::kDone;
}

RespParser::Step RespParser::parse_bulks() {
  while (args_left_ > 0) {
    if (bulk_length_ < 0) {
      absl::string_view line;
      if (Step step = find_count_line(kTooBigBulkCount, &line); step != Step::kDone) {
        return step;
      }
      if (input_.data()[0] != '$') {
        std::string message = "ERR Protocol error: expected '$', got '";
        message.push_back(printable(input_.data()[0]));
        message.push_back('\'');
        return fail(message);
      }
      int64_t length = 0;
      if (!internal::parse_resp_integer(line.data() + 1, line.size() - 1, &length) || length < 0 ||
          length > limits_.max_bulk_length) {
        return fail(kInvalidBulkLength);
      }
      input_.consume(line.size() + 2);
      bulk_length_ = length;
      args_.emplace_back().reserve(
          std::min(static_cast<size_t>(length), input_.size() + kMaxUnbackedReserve));
    }
    std::string& arg = args_.back();
    const size_t want = static_cast<size_t>(bulk_length_) - arg.size();
    const size_t take = std::min(want, input_.size());
    arg.append(input_.data(), take);
    input_.consume(take);
    args_bytes_ += take;
    // Like Redis, the two bytes after the data (CR LF) are skipped unchecked.
    if (take < want || input_.size() < 2) return Step::kNeedMore;
    input_.consume(2);
    bulk_length_ = -1;
    --args_left_;
  }
  return Step::kDone;
}

RespParser::Step RespParser::find_count_line(const char* too_big_error, absl::string_view* line) {
  const size_t cr = input_.find('\r');
  if (cr == internal::RespInput::kNotFound ? input_.size() > limits_.max_inline_length
                                           : cr > limits_.max_inline_length) {
    return fail(too_big_error);
  }
  // Like Redis, the byte after the CR (LF) must have arrived but is skipped unchecked.
  if (cr == internal::RespInput::kNotFound || cr + 1 >= input_.size()) return Step::kNeedMore;
  *line = absl::string_view(input_.data(), cr);
  return Step::kDone;
}

RespParser::Step RespParser::fail(absl::string_view message) {
  error_ = absl::InvalidArgumentError(message);
  args_.clear();
  args_bytes_ = 0;
  input_ = internal::RespInput();
  return Step::kError;
}

}  // namespace eddy::kvs

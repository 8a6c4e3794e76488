// RespValue and the reply encoder.
#include "kvs/protocol/resp.h"

#include <charconv>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace eddy::kvs {
namespace {

constexpr char kCrlf[] = "\r\n";

bool is_line_break(char c) { return c == '\r' || c == '\n'; }

// Appends simple-string or error text without CR or LF: trimmed at both ends, spaces inside.
void append_line_text(std::string* out, absl::string_view text) {
  if (text.find_first_of(kCrlf) == absl::string_view::npos) {
    out->append(text.data(), text.size());
    return;
  }
  while (!text.empty() && is_line_break(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_line_break(text.back())) text.remove_suffix(1);
  for (char c : text) out->push_back(is_line_break(c) ? ' ' : c);
}

// Appends "<type><n>\r\n".
void append_header(std::string* out, char type, int64_t n) {
  char buf[24];
  buf[0] = type;
  char* end = std::to_chars(buf + 1, buf + sizeof buf - 2, n).ptr;
  *end++ = '\r';
  *end++ = '\n';
  out->append(buf, end - buf);
}

}  // namespace

RespValue RespValue::simple_string(std::string text) {
  RespValue value;
  value.kind = Kind::kSimpleString;
  value.text = std::move(text);
  return value;
}

RespValue RespValue::error(std::string text) {
  RespValue value;
  value.kind = Kind::kError;
  value.text = std::move(text);
  return value;
}

RespValue RespValue::integer(int64_t number) {
  RespValue value;
  value.kind = Kind::kInteger;
  value.number = number;
  return value;
}

RespValue RespValue::bulk_string(std::string bytes) {
  RespValue value;
  value.kind = Kind::kBulkString;
  value.text = std::move(bytes);
  return value;
}

RespValue RespValue::null_bulk_string() { return RespValue(); }

RespValue RespValue::array(std::vector<RespValue> elements) {
  RespValue value;
  value.kind = Kind::kArray;
  value.elements = std::move(elements);
  return value;
}

RespValue RespValue::null_array() {
  RespValue value;
  value.kind = Kind::kNullArray;
  return value;
}

std::string RespValue::debug_string() const {
  switch (kind) {
    case Kind::kSimpleString:
      return absl::StrCat("+\"", absl::CHexEscape(text), "\"");
    case Kind::kError:
      return absl::StrCat("-\"", absl::CHexEscape(text), "\"");
    case Kind::kInteger:
      return absl::StrCat(":", number);
    case Kind::kBulkString:
      return absl::StrCat("$\"", absl::CHexEscape(text), "\"");
    case Kind::kNullBulkString:
      return "$nil";
    case Kind::kNullArray:
      return "*nil";
    case Kind::kArray:
      break;
  }
  std::string out = "[";
  for (size_t i = 0; i < elements.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ", ", elements[i].debug_string());
  }
  out.push_back(']');
  return out;
}

void encode(const RespValue& value, std::string* out) {
  switch (value.kind) {
    case RespValue::Kind::kSimpleString:
      return append_simple(out, value.text);
    case RespValue::Kind::kError:
      return append_error(out, value.text);
    case RespValue::Kind::kInteger:
      return append_integer(out, value.number);
    case RespValue::Kind::kBulkString:
      return append_bulk(out, value.text);
    case RespValue::Kind::kNullBulkString:
      return append_null_bulk(out);
    case RespValue::Kind::kNullArray:
      return append_null_array(out);
    case RespValue::Kind::kArray:
      append_array_header(out, value.elements.size());
      for (const RespValue& element : value.elements) encode(element, out);
      return;
  }
}

void append_simple(std::string* out, absl::string_view text) {
  out->push_back('+');
  append_line_text(out, text);
  out->append(kCrlf, 2);
}

void append_error(std::string* out, absl::string_view text) {
  out->push_back('-');
  append_line_text(out, text);
  out->append(kCrlf, 2);
}

void append_integer(std::string* out, int64_t n) { append_header(out, ':', n); }

void append_bulk(std::string* out, absl::string_view bytes) {
  append_header(out, '$', static_cast<int64_t>(bytes.size()));
  out->append(bytes.data(), bytes.size());
  out->append(kCrlf, 2);
}

void append_null_bulk(std::string* out) { out->append("$-1\r\n", 5); }

void append_array_header(std::string* out, size_t count) {
  append_header(out, '*', static_cast<int64_t>(count));
}

void append_null_array(std::string* out) { out->append("*-1\r\n", 5); }

}  // namespace eddy::kvs

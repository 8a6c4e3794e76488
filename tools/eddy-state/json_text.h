// JSON replies of the cluster-state service, read and printed for people: a small JSON reader
// (RFC 8259 values; object members kept in their order) and the two layouts eddy-state prints.
// Pure functions; no state.
#ifndef EDDY_TOOLS_EDDY_STATE_JSON_TEXT_H_
#define EDDY_TOOLS_EDDY_STATE_JSON_TEXT_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace eddy::tools {

struct JsonValue {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  std::string text;               // kString: the decoded string; every kind: see `raw`.
  std::string raw;                // The value's JSON text as it appeared.
  std::vector<JsonValue> items;   // kArray: the elements; kObject: the member values, in order.
  std::vector<std::string> keys;  // kObject: the member names (keys[i] names items[i]).

  // kObject: the value of member `key`, or nullptr.
  const JsonValue* member(std::string_view key) const;
};

// Parses one JSON value (surrounding whitespace allowed). InvalidArgument naming the offset
// of the first error.
absl::StatusOr<JsonValue> parse_json(std::string_view text);

// A value as one table cell or `key: value` value: strings unquoted, null as "-", other
// scalars and nested values as their JSON text.
std::string cell_text(const JsonValue& value);

// For people: an array of objects as an aligned table (columns are the keys of the first row,
// header first; "(no rows)" when empty), an object as `key: value` lines, anything else as its
// cell_text. Ends with a newline.
std::string render_human(const JsonValue& value);

}  // namespace eddy::tools

#endif  // EDDY_TOOLS_EDDY_STATE_JSON_TEXT_H_

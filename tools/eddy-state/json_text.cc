#include "tools/eddy-state/json_text.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace eddy::tools {
namespace {

// A recursive-descent reader over one text; fails at the first error.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  absl::StatusOr<JsonValue> document() {
    absl::StatusOr<JsonValue> value = this->value(0);
    if (!value.ok()) return value;
    skip_space();
    if (pos_ != text_.size()) return error("text after the value");
    return value;
  }

 private:
  static constexpr int kMaxDepth = 64;

  absl::Status error(std::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("bad JSON at offset ", pos_, ": ", std::string(what)));
  }
  void skip_space() {
    while (pos_ < text_.size() && absl::ascii_isspace(static_cast<unsigned char>(text_[pos_]))) {
      ++pos_;
    }
  }
  bool eat(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  absl::StatusOr<JsonValue> value(int depth) {
    if (depth > kMaxDepth) return error("nested too deeply");
    skip_space();
    if (pos_ >= text_.size()) return error("expected a value");
    const size_t start = pos_;
    absl::StatusOr<JsonValue> v = bare_value(depth);
    if (v.ok()) v->raw = std::string(text_.substr(start, pos_ - start));
    return v;
  }

  absl::StatusOr<JsonValue> bare_value(int depth) {
    JsonValue v;
    const char c = text_[pos_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') {
      v.kind = JsonValue::Kind::kString;
      if (absl::Status s = string(&v.text); !s.ok()) return s;
      return v;
    }
    for (auto [word, kind] :
         {std::pair{"null", JsonValue::Kind::kNull}, std::pair{"true", JsonValue::Kind::kBool},
          std::pair{"false", JsonValue::Kind::kBool}}) {
      if (text_.substr(pos_).starts_with(word)) {
        pos_ += std::string_view(word).size();
        v.kind = kind;
        return v;
      }
    }
    const size_t start = pos_;
    while (pos_ < text_.size() &&
           std::string_view("+-.eE0123456789").find(text_[pos_]) != std::string_view::npos) {
      ++pos_;
    }
    double ignored;
    if (pos_ == start ||
        !absl::SimpleAtod(std::string(text_.substr(start, pos_ - start)), &ignored)) {
      pos_ = start;
      return error("expected a value");
    }
    v.kind = JsonValue::Kind::kNumber;
    return v;
  }

  absl::StatusOr<JsonValue> array(int depth) {
    JsonValue v;
    v.kind = JsonValue::Kind::kArray;
    ++pos_;  // '['
    if (eat(']')) return v;
    do {
      absl::StatusOr<JsonValue> item = value(depth + 1);
      if (!item.ok()) return item;
      v.items.push_back(*std::move(item));
    } while (eat(','));
    if (!eat(']')) return error("expected ',' or ']'");
    return v;
  }

  absl::StatusOr<JsonValue> object(int depth) {
    JsonValue v;
    v.kind = JsonValue::Kind::kObject;
    ++pos_;  // '{'
    if (eat('}')) return v;
    do {
      skip_space();
      std::string key;
      if (pos_ >= text_.size() || text_[pos_] != '"') return error("expected a member name");
      if (absl::Status s = string(&key); !s.ok()) return s;
      if (!eat(':')) return error("expected ':'");
      absl::StatusOr<JsonValue> member = value(depth + 1);
      if (!member.ok()) return member;
      v.keys.push_back(std::move(key));
      v.items.push_back(*std::move(member));
    } while (eat(','));
    if (!eat('}')) return error("expected ',' or '}'");
    return v;
  }

  // Reads a string literal at pos_ (its opening quote) into *out, decoding escapes.
  absl::Status string(std::string* out) {
    ++pos_;
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') return absl::OkStatus();
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) break;
      const char e = text_[pos_++];
      switch (e) {
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u':
          if (absl::Status s = unicode_escape(out); !s.ok()) return s;
          break;
        default:
          out->push_back(e);
          break;  // '"', '\\', '/'
      }
    }
    return error("unterminated string");
  }

  // \uXXXX (pos_ after the 'u'), appended as UTF-8. Surrogate halves are kept as they are
  // encoded (the service writes only \u00XX control characters).
  absl::Status unicode_escape(std::string* out) {
    uint32_t code = 0;
    if (pos_ + 4 > text_.size()) return error("short \\u escape");
    for (int i = 0; i < 4; ++i) {
      const char h = text_[pos_++];
      if (!absl::ascii_isxdigit(static_cast<unsigned char>(h))) return error("bad \\u escape");
      code = code * 16 + static_cast<uint32_t>(
                             absl::ascii_isdigit(h) ? h - '0' : absl::ascii_tolower(h) - 'a' + 10);
    }
    if (code < 0x80) {
      out->push_back(static_cast<char>(code));
    } else if (code < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (code >> 6)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xE0 | (code >> 12)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
    return absl::OkStatus();
  }

  std::string_view text_;
  size_t pos_ = 0;
};

bool is_table(const JsonValue& value) {
  return value.kind == JsonValue::Kind::kArray &&
         std::all_of(value.items.begin(), value.items.end(),
                     [](const JsonValue& v) { return v.kind == JsonValue::Kind::kObject; });
}

std::string padded(const std::string& text, size_t width) {
  return text + std::string(width > text.size() ? width - text.size() : 0, ' ');
}

// One table line: cells padded to `widths`, two spaces apart, no trailing blanks.
std::string table_line(const std::vector<std::string>& cells, const std::vector<size_t>& widths) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    line += i + 1 == cells.size() ? cells[i] : padded(cells[i], widths[i]) + "  ";
  }
  return line + "\n";
}

std::string render_table(const JsonValue& rows) {
  if (rows.items.empty()) return "(no rows)\n";
  const std::vector<std::string>& columns = rows.items.front().keys;
  std::vector<std::vector<std::string>> lines{columns};
  for (const JsonValue& row : rows.items) {
    std::vector<std::string> cells;
    for (const std::string& column : columns) {
      const JsonValue* cell = row.member(column);
      cells.push_back(cell ? cell_text(*cell) : "-");
    }
    lines.push_back(std::move(cells));
  }
  std::vector<size_t> widths(columns.size(), 0);
  for (const auto& cells : lines) {
    for (size_t i = 0; i < cells.size(); ++i) widths[i] = std::max(widths[i], cells[i].size());
  }
  std::string out;
  for (const auto& cells : lines) out += table_line(cells, widths);
  return out;
}

std::string render_object(const JsonValue& object) {
  size_t width = 0;
  for (const std::string& key : object.keys) width = std::max(width, key.size() + 1);
  std::string out;
  for (size_t i = 0; i < object.keys.size(); ++i) {
    absl::StrAppend(&out, padded(object.keys[i] + ":", width), " ", cell_text(object.items[i]),
                    "\n");
  }
  return out;
}

}  // namespace

const JsonValue* JsonValue::member(std::string_view key) const {
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i] == key) return &items[i];
  }
  return nullptr;
}

absl::StatusOr<JsonValue> parse_json(std::string_view text) { return Reader(text).document(); }

std::string cell_text(const JsonValue& value) {
  switch (value.kind) {
    case JsonValue::Kind::kNull:
      return "-";
    case JsonValue::Kind::kString:
      return value.text;
    default:
      return value.raw;
  }
}

std::string render_human(const JsonValue& value) {
  if (is_table(value)) return render_table(value);
  if (value.kind == JsonValue::Kind::kObject) return render_object(value);
  return cell_text(value) + "\n";
}

}  // namespace eddy::tools

// RESP2, the Redis serialization protocol (version 2): what the coordinator speaks to clients.
//
// RespParser reads client requests incrementally and parses them exactly as a Redis 7 server
// does, down to the text of its protocol errors, so redis-cli, redis-benchmark and client
// libraries behave as they would against Redis. encode() and the append_* helpers write
// replies; RespReplyParser reads replies back (for tests and C++ clients).
//
// Threading: none of these types is thread safe; a parser belongs to one connection and is used
// from one thread at a time. Ownership: parsers copy the bytes they are fed, and every request
// and value owns its strings. Bad input never throws or aborts: it is an absl::Status. Memory
// is bounded by the bytes actually received: a claimed length is never allocated up front.
#ifndef EDDY_KVS_PROTOCOL_RESP_H_
#define EDDY_KVS_PROTOCOL_RESP_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kvs/protocol/internal/resp_input.h"

namespace eddy::kvs {

// Bounds on what a parser accepts from its peer. The defaults are Redis's (see each).
struct RespLimits {
  // Longest bulk string, in bytes (Redis's proto-max-bulk-len).
  int64_t max_bulk_length = int64_t{512} * 1024 * 1024;
  // Most elements in one array: Redis 6's limit (Redis 7 allows up to 2^31 - 1).
  int64_t max_array_elements = int64_t{1024} * 1024;
  // Longest line, in bytes: an inline request up to its LF (a CR before the LF counts), or a
  // count line ("*<n>", "$<len>") or simple-string, error or integer reply line up to its CR
  // (Redis's PROTO_INLINE_MAX_SIZE).
  size_t max_inline_length = size_t{64} * 1024;
  // Deepest nesting of arrays in a reply; a request is never nested. Replies only.
  int max_reply_depth = 64;
};

// One client command: args[0] is the command name as sent (any case); every argument is
// binary safe. Never empty when returned by RespParser.
struct RespRequest {
  std::vector<std::string> args;
  // Set (and `args` empty) on the last request of a connection whose input broke the grammar:
  // the error text to answer with, in turn after the replies to the requests before it.
  std::string protocol_error;

  bool operator==(const RespRequest&) const = default;
};

// Request grammar, as Redis 7 accepts it (CR = "\r", LF = "\n"):
//
//   request    := multibulk | inline
//   multibulk  := '*' count CR any-byte bulk{count}    -- only when the first byte is '*'
//   bulk       := '$' length CR any-byte bytes{length} any-byte any-byte
//   count      := redis-int, at most max_array_elements; <= 0 is an empty request
//   length     := redis-int in [0, max_bulk_length]
//   inline     := words [CR] LF                      -- up to LF, at most max_inline_length
//   words      := space* (word space+)* [word space*]
//   word       := (plain | '"' dq-char* '"' | "'" sq-char* "'")+
//                 -- a closing quote must be followed by a space or the end of the line
//   dq-char    := "\x" hex hex | '\' ('n'|'r'|'t'|'b'|'a') | '\' any-byte | other-byte
//   sq-char    := "\'" | other-byte
//   plain      := any byte but ' ', '\t', CR, LF, '"', "'"
//   space      := ' ' | '\t' | '\v' | '\f' | CR | LF    -- only ' ' '\t' CR LF end a plain word
//   redis-int  := '0' | ['-'] [1-9] [0-9]*              -- at most 20 characters, fits int64
//
// Like Redis, the byte after a count's CR and the two bytes after a bulk's data are skipped
// unchecked (they should be CR LF), and an empty request (no words, or a count <= 0) is
// skipped. Unlike Redis, a NUL byte is an ordinary byte everywhere (Redis stops searching for
// a line's end at a NUL, then waits until the line is "too big"), and a line is refused by its
// length alone, so a request parses the same however it is split (for a line over the limit,
// Redis picks "too big ..." or a parse error depending on how its reads fell).
//
// Protocol errors: the Status message is exactly what Redis sends, minus "-" and CRLF:
//   "ERR Protocol error: invalid multibulk length"
//   "ERR Protocol error: invalid bulk length"
//   "ERR Protocol error: expected '$', got 'X'"        (X: the byte, CR or LF shown as ' ')
//   "ERR Protocol error: too big inline request"
//   "ERR Protocol error: too big mbulk count string"
//   "ERR Protocol error: too big bulk count string"
//   "ERR Protocol error: unbalanced quotes in request"
class RespParser {
 public:
  explicit RespParser(RespLimits limits = {});

  RespParser(const RespParser&) = delete;
  RespParser& operator=(const RespParser&) = delete;
  RespParser(RespParser&&) = default;
  RespParser& operator=(RespParser&&) = default;

  // Appends data[0, n) to the input; a request may be split anywhere across calls and one
  // call may carry many requests. Cheap after an error (the bytes are dropped).
  void feed(const char* data, size_t n);

  // Returns the next complete request, or std::nullopt when more bytes are needed. On a
  // protocol error returns an InvalidArgument Status whose message is the Redis error text
  // (see above) and is poisoned: every later call returns the same Status. Requests before
  // the error are returned first. A server must then do what Redis does: reply
  // append_error(out, status.message()), flush, and close the connection.
  absl::StatusOr<std::optional<RespRequest>> next();

  // Bytes fed but not yet handed out in a request (buffered input plus the arguments of the
  // request being assembled): what a server compares with its query-buffer limit.
  size_t buffered_bytes() const { return input_.size() + args_bytes_; }

 private:
  // What a parsing step achieved: kDone means it produced what it is named for.
  enum class Step { kNeedMore, kDone, kEmptyRequest, kError };

  Step start_request();
  Step parse_inline();
  Step parse_bulks();
  // Finds the count line ("*<n>" or "$<len>", up to its CR) at the front of the input and sets
  // *line to it, once the byte after the CR has arrived too. Consumes nothing.
  Step find_count_line(const char* too_big_error, absl::string_view* line);
  Step fail(absl::string_view message);

  RespLimits limits_;
  internal::RespInput input_;
  std::vector<std::string> args_;  // the request being assembled
  size_t args_bytes_ = 0;          // total size of args_
  int64_t args_left_ = 0;          // bulks still to read for it; 0 between requests
  int64_t bulk_length_ = -1;       // length of args_.back() when still copying it, else -1
  absl::Status error_;             // sticky once set
};

// One RESP2 reply value. `text` holds the simple string, the error text or the bulk bytes;
// `number` the integer; `elements` the array's elements. Fields a kind does not use are empty.
struct RespValue {
  enum class Kind {
    kSimpleString,
    kError,
    kInteger,
    kBulkString,
    kNullBulkString,
    kArray,
    kNullArray,
  };

  Kind kind = Kind::kNullBulkString;
  std::string text;
  int64_t number = 0;
  std::vector<RespValue> elements;

  static RespValue simple_string(std::string text);
  static RespValue error(std::string text);
  static RespValue integer(int64_t number);
  static RespValue bulk_string(std::string bytes);
  static RespValue null_bulk_string();
  static RespValue array(std::vector<RespValue> elements);
  static RespValue null_array();

  // A one-line, escaped, human-readable rendering for logs and test failures, e.g.
  // [+"OK", :3, $"a\r\n", $nil, -"ERR x", *nil]. Not a wire format.
  std::string debug_string() const;

  bool operator==(const RespValue&) const = default;
};

// Reply grammar, as a Redis server writes it:
//
//   value       := simple | error | integer | bulk | null-bulk | array | null-array
//   simple      := '+' text CRLF              error      := '-' text CRLF
//   integer     := ':' redis-int CRLF          null-bulk  := "$-1" CRLF
//   bulk        := '$' length CRLF bytes{length} CRLF
//   array       := '*' count CRLF value{count}  null-array := "*-1" CRLF
//   text        := any bytes but CR and LF
//
// Simple-string and error text cannot carry CR or LF. The encoder sanitizes text as Redis's
// addReplyErrorFormat does: CR and LF at either end are trimmed, the rest become spaces.

// Appends the RESP2 encoding of `value` to *out.
void encode(const RespValue& value, std::string* out);

// Appends "+<text>\r\n", text sanitized as above.
void append_simple(std::string* out, absl::string_view text);
// Appends "-<text>\r\n", text sanitized as above. Text should start with an error code, as
// Redis's do ("ERR ...", "WRONGTYPE ..."); nothing is added.
void append_error(std::string* out, absl::string_view text);
// Appends ":<n>\r\n".
void append_integer(std::string* out, int64_t n);
// Appends "$<size>\r\n<bytes>\r\n"; bytes are binary safe.
void append_bulk(std::string* out, absl::string_view bytes);
// Appends "$-1\r\n" (Redis's nil, e.g. GET of a missing key).
void append_null_bulk(std::string* out);
// Appends "*<count>\r\n"; the caller then appends exactly `count` values.
void append_array_header(std::string* out, size_t count);
// Appends "*-1\r\n".
void append_null_array(std::string* out);

// Reads replies incrementally, strictly by the reply grammar and within RespLimits.
class RespReplyParser {
 public:
  explicit RespReplyParser(RespLimits limits = {});

  RespReplyParser(const RespReplyParser&) = delete;
  RespReplyParser& operator=(const RespReplyParser&) = delete;
  RespReplyParser(RespReplyParser&&) = default;
  RespReplyParser& operator=(RespReplyParser&&) = default;

  // Appends data[0, n) to the input; replies may be split anywhere across calls.
  void feed(const char* data, size_t n);

  // Returns the next complete top-level reply, or std::nullopt when more bytes are needed. On
  // malformed or over-limit input returns an InvalidArgument Status describing it and is
  // poisoned: every later call returns the same Status.
  absl::StatusOr<std::optional<RespValue>> next();

 private:
  enum class Step { kNeedMore, kValue, kOpenedArray, kError };
  struct OpenArray {
    RespValue value;
    int64_t left;  // elements still to read
  };

  Step read_header(RespValue* value);
  Step read_bulk(RespValue* value);
  // Adds a complete value to the innermost open array. Returns the top-level value it
  // completes (itself, or the outermost array it closes), if any.
  std::optional<RespValue> place(RespValue value);
  Step fail(absl::string_view message);

  RespLimits limits_;
  internal::RespInput input_;
  std::vector<OpenArray> open_;  // arrays being filled, outermost first
  int64_t bulk_length_ = -1;     // when >= 0, bulk_ is being filled up to this length
  std::string bulk_;
  absl::Status error_;  // sticky once set
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_PROTOCOL_RESP_H_

// resp_fuzz: the Redis protocol (kvs/protocol) on arbitrary bytes, read as requests and as replies.
//
// For every input, under Redis's limits and under tiny ones that put every limit in reach:
// - RespParser yields the same requests, the same protocol error and the same buffered_bytes()
//   whether the input is fed whole, cut in two (where the first byte says) or one byte at a
//   time, as resp.h promises;
// - RespCodec, the client port's codec, hands the flow the same requests either way;
// - parse_command takes every request the codec produced, and an immediate reply (an error, or
//   COMMAND's fixed answer) is exactly one well-formed RESP reply;
// - RespReplyParser yields the same replies and error whole, cut in two or byte by byte, and
//   each reply it returns encodes back to bytes that parse to that same reply.
// Nothing may crash, trip a sanitizer or throw; a broken property traps (fuzz_check.h).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "kvs/protocol/commands.h"
#include "kvs/protocol/resp.h"
#include "kvs/protocol/resp_codec.h"

namespace eddy::fuzz {
namespace {

using kvs::Command;
using kvs::CommandKind;
using kvs::RespCodec;
using kvs::RespLimits;
using kvs::RespParser;
using kvs::RespReplyParser;
using kvs::RespRequest;
using kvs::RespValue;

// Small enough that short inputs reach every limit.
constexpr RespLimits kTinyLimits = {
    .max_bulk_length = 16, .max_array_elements = 4, .max_inline_length = 24, .max_reply_depth = 3};

// Everything a request parser produced: its requests, then its error if it failed.
struct RequestOutcome {
  std::vector<std::vector<std::string>> requests;
  std::optional<std::string> error;
  size_t buffered = 0;

  bool operator==(const RequestOutcome&) const = default;
};

void drain(RespParser& parser, RequestOutcome& outcome) {
  while (!outcome.error.has_value()) {
    absl::StatusOr<std::optional<RespRequest>> next = parser.next();
    if (!next.ok()) {
      outcome.error = std::string(next.status().message());
    } else if (!next->has_value()) {
      break;
    } else {
      EDDY_FUZZ_CHECK(!(*next)->args.empty(), "RespParser never returns an empty request");
      outcome.requests.push_back(std::move((*next)->args));
    }
  }
  outcome.buffered = parser.buffered_bytes();
}

// Parses `pieces` in order, draining the parser after each.
RequestOutcome parse_requests(const std::vector<absl::string_view>& pieces, RespLimits limits) {
  RespParser parser(limits);
  RequestOutcome outcome;
  for (absl::string_view piece : pieces) {
    parser.feed(piece.data(), piece.size());
    drain(parser, outcome);
  }
  return outcome;
}

// What the port codec handed the flow, and how its last decode() ended.
struct CodecOutcome {
  std::vector<RespRequest> requests;
  std::string status;

  bool operator==(const CodecOutcome&) const = default;
};

CodecOutcome decode_requests(const std::vector<absl::string_view>& pieces) {
  RespCodec codec;
  CodecOutcome outcome;
  for (absl::string_view piece : pieces) {
    std::string immediate;
    absl::Status status = codec.decode(piece.data(), piece.size(), &outcome.requests, &immediate);
    EDDY_FUZZ_CHECK(immediate.empty(), "RespCodec answers everything through the flow");
    outcome.status = status.ToString();
    if (!status.ok()) break;
  }
  return outcome;
}

// Everything a reply parser produced: its replies, then its error if it failed.
struct ReplyOutcome {
  std::vector<RespValue> replies;
  std::optional<std::string> error;

  bool operator==(const ReplyOutcome&) const = default;
};

ReplyOutcome parse_replies(const std::vector<absl::string_view>& pieces, RespLimits limits) {
  RespReplyParser parser(limits);
  ReplyOutcome outcome;
  for (absl::string_view piece : pieces) {
    parser.feed(piece.data(), piece.size());
    while (!outcome.error.has_value()) {
      absl::StatusOr<std::optional<RespValue>> next = parser.next();
      if (!next.ok()) {
        outcome.error = std::string(next.status().message());
      } else if (!next->has_value()) {
        break;
      } else {
        outcome.replies.push_back(**next);
      }
    }
  }
  return outcome;
}

// True when `bytes` is exactly one complete reply.
bool is_one_reply(const std::string& bytes) {
  RespLimits limits;
  limits.max_inline_length = bytes.size();  // an error line repeats the request's arguments
  const ReplyOutcome outcome = parse_replies({bytes}, limits);
  if (outcome.error.has_value() || outcome.replies.size() != 1) return false;
  std::string again;
  kvs::encode(outcome.replies[0], &again);
  return again == bytes;
}

// `bytes` one byte at a time: every split at once.
std::vector<absl::string_view> bytewise(absl::string_view bytes) {
  std::vector<absl::string_view> pieces;
  for (size_t i = 0; i < bytes.size(); ++i) pieces.push_back(bytes.substr(i, 1));
  return pieces;
}

void check_requests(absl::string_view whole, absl::string_view head, absl::string_view tail) {
  for (const RespLimits& limits : {RespLimits{}, kTinyLimits}) {
    const RequestOutcome expected = parse_requests({whole}, limits);
    EDDY_FUZZ_CHECK(expected == parse_requests({head, tail}, limits),
                    "RespParser parses the same requests however the input is split");
    EDDY_FUZZ_CHECK(expected == parse_requests(bytewise(whole), limits),
                    "RespParser parses the same requests fed one byte at a time");
  }
  const CodecOutcome codec = decode_requests({whole});
  EDDY_FUZZ_CHECK(codec == decode_requests({head, tail}),
                  "RespCodec decodes the same requests however the input is split");
  for (const RespRequest& request : codec.requests) {
    const Command command = kvs::parse_command(request, kvs::CommandLimits{});
    (void)kvs::is_write(command.kind);
    (void)kvs::is_data(command.kind);
    if (command.kind == CommandKind::kImmediate) {
      EDDY_FUZZ_CHECK(is_one_reply(command.reply), "an immediate reply is one RESP reply");
    }
    EDDY_FUZZ_CHECK(
        !command.close || command.kind == CommandKind::kQuit || !request.protocol_error.empty(),
        "only QUIT and a protocol error close the connection");
    if (command.kind == CommandKind::kCommand) {
      EDDY_FUZZ_CHECK(is_one_reply(kvs::command_reply(command.args)),
                      "COMMAND's reply is one RESP reply");
    }
  }
}

void check_replies(absl::string_view whole, absl::string_view head, absl::string_view tail) {
  for (const RespLimits& limits : {RespLimits{}, kTinyLimits}) {
    const ReplyOutcome outcome = parse_replies({whole}, limits);
    EDDY_FUZZ_CHECK(outcome == parse_replies({head, tail}, limits),
                    "RespReplyParser parses the same replies however the input is split");
    EDDY_FUZZ_CHECK(outcome == parse_replies(bytewise(whole), limits),
                    "RespReplyParser parses the same replies fed one byte at a time");
    for (const RespValue& reply : outcome.replies) {
      std::string encoded;
      kvs::encode(reply, &encoded);
      const ReplyOutcome again = parse_replies({encoded}, limits);
      EDDY_FUZZ_CHECK(
          !again.error.has_value() && again.replies.size() == 1 && again.replies[0] == reply,
          "a parsed reply encodes to bytes that parse back to it");
    }
  }
}

}  // namespace
}  // namespace eddy::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view whole(reinterpret_cast<const char*>(data), size);
  const size_t split = eddy::fuzz::split_point(data, size);
  const absl::string_view head = whole.substr(0, split);
  const absl::string_view tail = whole.substr(split);
  eddy::fuzz::check_requests(whole, head, tail);
  eddy::fuzz::check_replies(whole, head, tail);
  return 0;
}

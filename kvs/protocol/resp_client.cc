#include "kvs/protocol/resp_client.h"

#include "absl/strings/str_cat.h"

namespace eddy::kvs {

absl::StatusOr<std::unique_ptr<RespClient>> RespClient::connect(const Endpoint& at,
                                                                Duration timeout) {
  absl::StatusOr<std::unique_ptr<ClientSocket>> socket = ClientSocket::connect(at, timeout);
  if (!socket.ok()) return socket.status();
  return std::unique_ptr<RespClient>(new RespClient(*std::move(socket)));
}

absl::Status RespClient::send(const std::vector<std::string>& args) {
  std::string out;
  append_array_header(&out, args.size());
  for (const std::string& arg : args) append_bulk(&out, arg);
  return socket_->write(out, std::chrono::seconds(10));
}

absl::StatusOr<RespValue> RespClient::receive(Duration timeout) {
  char buffer[16384];
  while (true) {
    absl::StatusOr<std::optional<RespValue>> value = parser_.next();
    if (!value.ok()) return value.status();
    if (value->has_value()) return **value;
    absl::StatusOr<size_t> got = socket_->read_some(buffer, sizeof buffer, timeout);
    if (!got.ok()) return got.status();
    parser_.feed(buffer, *got);
  }
}

absl::StatusOr<RespValue> RespClient::call(const std::vector<std::string>& args,
                                           Duration timeout) {
  if (absl::Status s = send(args); !s.ok()) return s;
  return receive(timeout);
}

namespace {

void render(const RespValue& value, const std::string& indent, std::string* out) {
  switch (value.kind) {
    case RespValue::Kind::kSimpleString:
      absl::StrAppend(out, value.text);
      break;
    case RespValue::Kind::kError:
      absl::StrAppend(out, "(error) ", value.text);
      break;
    case RespValue::Kind::kInteger:
      absl::StrAppend(out, "(integer) ", value.number);
      break;
    case RespValue::Kind::kBulkString:
      absl::StrAppend(out, "\"", value.text, "\"");
      break;
    case RespValue::Kind::kNullBulkString:
    case RespValue::Kind::kNullArray:
      absl::StrAppend(out, "(nil)");
      break;
    case RespValue::Kind::kArray:
      if (value.elements.empty()) absl::StrAppend(out, "(empty array)");
      for (size_t i = 0; i < value.elements.size(); ++i) {
        if (i > 0) absl::StrAppend(out, "\n", indent);
        const std::string label = absl::StrCat(i + 1, ") ");
        absl::StrAppend(out, label);
        render(value.elements[i], indent + std::string(label.size(), ' '), out);
      }
      break;
  }
}

}  // namespace

std::string to_cli_text(const RespValue& value) {
  std::string out;
  render(value, "", &out);
  return out;
}

}  // namespace eddy::kvs

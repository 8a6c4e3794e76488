#include "dataflow/net/endpoint.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace eddy {

std::string Endpoint::to_string() const {
  if (host.find(':') != std::string::npos) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

absl::StatusOr<Endpoint> Endpoint::parse(absl::string_view text) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", std::string(text), "' is not host:port: ", std::string(why)));
  };
  const size_t colon = text.rfind(':');
  if (colon == absl::string_view::npos) return bad("no ':' before the port");
  absl::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != absl::string_view::npos) {
    return bad("write an IPv6 host in brackets");
  }
  if (host.empty()) return bad("empty host");
  uint32_t port = 0;
  if (!absl::SimpleAtoi(text.substr(colon + 1), &port) || port > 65535) {
    return bad("the port must be a number from 0 to 65535");
  }
  return Endpoint{std::string(host), static_cast<uint16_t>(port)};
}

}  // namespace eddy

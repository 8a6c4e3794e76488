// Endpoint: a host and TCP port, as topology files write it ("127.0.0.1:7000").
#ifndef EDDY_DATAFLOW_NET_ENDPOINT_H_
#define EDDY_DATAFLOW_NET_ENDPOINT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace eddy {

struct Endpoint {
  std::string host;
  uint16_t port = 0;

  // "host:port"; an IPv6 host is written in brackets: "[::1]:7000".
  std::string to_string() const;
  // Parses "host:port" or "[v6]:port". Fails naming the text and what is wrong with it.
  static absl::StatusOr<Endpoint> parse(absl::string_view text);

  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

}  // namespace eddy

#endif  // EDDY_DATAFLOW_NET_ENDPOINT_H_

// A client of echo_flow's port: sends --count numbers starting at --start, one at a time, and
// prints each reply as "x -> member m: y". Exits 0 when every reply came back and is right.
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "dataflow/client.h"

ABSL_FLAG(std::string, connect, "127.0.0.1:7200", "where the port listens");
ABSL_FLAG(std::string, port_name, "echo", "the port's name");
ABSL_FLAG(int64_t, start, 1, "first number to send");
ABSL_FLAG(int64_t, count, 10, "how many numbers to send");
ABSL_FLAG(int32_t, timeout_ms, 10000, "how long to wait for each reply");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  absl::StatusOr<eddy::Endpoint> at = eddy::Endpoint::parse(absl::GetFlag(FLAGS_connect));
  if (!at.ok()) {
    std::fprintf(stderr, "%s\n", std::string(at.status().message()).c_str());
    return 2;
  }
  const auto timeout = std::chrono::milliseconds(absl::GetFlag(FLAGS_timeout_ms));
  auto client = eddy::Client<int64_t, std::pair<uint32_t, int64_t>>::connect(
      *at, absl::GetFlag(FLAGS_port_name), timeout);
  if (!client.ok()) {
    std::fprintf(stderr, "connect: %s\n", std::string(client.status().message()).c_str());
    return 1;
  }
  for (int64_t i = 0; i < absl::GetFlag(FLAGS_count); ++i) {
    const int64_t x = absl::GetFlag(FLAGS_start) + i;
    auto reply = (*client)->call(x, timeout);
    if (!reply.ok()) {
      std::fprintf(stderr, "request %lld: %s\n", static_cast<long long>(x),
                   std::string(reply.status().message()).c_str());
      return 1;
    }
    std::printf("%lld -> member %u: %lld\n", static_cast<long long>(x), reply->first,
                static_cast<long long>(reply->second));
    if (reply->second != 2 * x) return 1;
  }
  return 0;
}

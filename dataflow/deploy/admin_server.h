// AdminServer: a small HTTP/1.1 endpoint (Boost.Beast) serving read-only pages of one instance,
// e.g. GET /metrics (Prometheus text), GET /graph (Mermaid), GET /healthz. Each page is a
// function called on the I/O thread per request; it must be thread safe with respect to the
// instance it reads. Anything but GET of a known path gets 404 or 405.
#ifndef EDDY_DATAFLOW_DEPLOY_ADMIN_SERVER_H_
#define EDDY_DATAFLOW_DEPLOY_ADMIN_SERVER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "dataflow/net/endpoint.h"

namespace eddy {

class IoLoop;

struct AdminPage {
  std::string content_type;
  std::function<std::string()> render;
};

class AdminServer {
 public:
  // Listens on `listen` (port 0 picks one) and serves `pages` by path. `loop` must outlive it.
  static absl::StatusOr<std::unique_ptr<AdminServer>> create(IoLoop& loop, Endpoint listen,
                                                             std::map<std::string, AdminPage> pages);
  ~AdminServer();
  void start();
  void stop();
  Endpoint local_endpoint() const;

  class Impl;

 private:
  explicit AdminServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace eddy

#endif  // EDDY_DATAFLOW_DEPLOY_ADMIN_SERVER_H_

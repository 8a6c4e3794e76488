#include "dataflow/deploy/admin_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <future>

#include "absl/strings/str_cat.h"
#include "dataflow/net/io_loop.h"

namespace eddy {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

// One HTTP connection: read a request, answer it, repeat while the client keeps it alive.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, const std::map<std::string, AdminPage>& pages)
      : stream_(std::move(socket)), pages_(pages) {}

  void read() {
    request_ = {};
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](error_code ec, size_t) {
                       if (!ec) self->answer();
                     });
  }

 private:
  void answer() {
    auto response = std::make_shared<http::response<http::string_body>>();
    response->version(request_.version());
    response->keep_alive(request_.keep_alive());
    response->set(http::field::server, "eddy");
    const std::string target(request_.target());
    const std::string path = target.substr(0, target.find('?'));
    auto page = pages_.find(path);
    if (page == pages_.end()) {
      response->result(http::status::not_found);
      response->set(http::field::content_type, "text/plain");
      std::string known;
      for (const auto& [p, unused] : pages_) absl::StrAppend(&known, " ", p);
      response->body() = absl::StrCat("no page ", path, "; try:", known, "\n");
    } else if (request_.method() != http::verb::get && request_.method() != http::verb::head) {
      response->result(http::status::method_not_allowed);
      response->set(http::field::allow, "GET, HEAD");
      response->body() = "only GET\n";
    } else {
      response->result(http::status::ok);
      response->set(http::field::content_type, page->second.content_type);
      response->body() = page->second.render();
    }
    response->prepare_payload();
    http::async_write(stream_, *response,
                      [self = shared_from_this(), response](error_code ec, size_t) {
                        if (ec || !response->keep_alive()) {
                          error_code ignored;
                          self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                          return;
                        }
                        self->read();
                      });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  const std::map<std::string, AdminPage>& pages_;
};

}  // namespace

class AdminServer::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(IoLoop& loop, std::map<std::string, AdminPage> pages)
      : loop_(loop), pages_(std::move(pages)), listener_(loop.context()) {}

  absl::Status bind(const Endpoint& listen) {
    error_code ec;
    tcp::resolver resolver(loop_.context());
    auto results = resolver.resolve(listen.host, std::to_string(listen.port), ec);
    if (ec || results.empty()) {
      return absl::UnavailableError(
          absl::StrCat("admin endpoint: cannot resolve ", listen.to_string(), ": ", ec.message()));
    }
    const tcp::endpoint where = results.begin()->endpoint();
    listener_.open(where.protocol(), ec);
    if (!ec) listener_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) listener_.bind(where, ec);
    if (!ec) listener_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("admin endpoint: cannot listen on ", listen.to_string(), ": ", ec.message()));
    }
    local_ = Endpoint{listen.host, listener_.local_endpoint().port()};
    return absl::OkStatus();
  }

  void accept_next() {
    listener_.async_accept([self = shared_from_this()](error_code ec, tcp::socket socket) {
      if (self->stopped_ || ec == asio::error::operation_aborted) return;
      if (!ec) std::make_shared<HttpSession>(std::move(socket), self->pages_)->read();
      self->accept_next();
    });
  }

  void stop() {
    auto shutdown = [self = shared_from_this()] {
      self->stopped_ = true;
      error_code ignored;
      self->listener_.close(ignored);
    };
    if (loop_.in_loop_thread() || !loop_.running()) {
      shutdown();
      return;
    }
    std::promise<void> done;
    asio::post(loop_.context(), [&] {
      shutdown();
      done.set_value();
    });
    done.get_future().wait();
  }

  IoLoop& loop_;
  std::map<std::string, AdminPage> pages_;
  tcp::acceptor listener_;
  Endpoint local_;
  bool stopped_ = false;
};

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::create(
    IoLoop& loop, Endpoint listen, std::map<std::string, AdminPage> pages) {
  auto impl = std::make_shared<Impl>(loop, std::move(pages));
  if (absl::Status status = impl->bind(listen); !status.ok()) return status;
  return std::unique_ptr<AdminServer>(new AdminServer(std::move(impl)));
}

AdminServer::~AdminServer() { stop(); }
void AdminServer::start() {
  asio::post(impl_->loop_.context(), [impl = impl_] { impl->accept_next(); });
}
void AdminServer::stop() { impl_->stop(); }
Endpoint AdminServer::local_endpoint() const { return impl_->local_; }

}  // namespace eddy

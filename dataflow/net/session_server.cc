#include "dataflow/net/session_server.h"

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <future>
#include <map>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "dataflow/core/log.h"
#include "dataflow/net/io_loop.h"

namespace eddy {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr size_t kReadChunk = 64 << 10;

// One accepted connection: the ByteStream its session writes to.
class SocketStream final : public ByteStream, public std::enable_shared_from_this<SocketStream> {
 public:
  SocketStream(tcp::socket socket, std::string label, std::function<void(SocketStream*)> on_gone)
      : socket_(std::move(socket)), label_(std::move(label)), on_gone_(std::move(on_gone)) {
    error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
  }

  void attach(std::shared_ptr<ByteSession> session) { session_ = std::move(session); }

  void write(std::string bytes) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (closing_) return;
      queued_ += bytes;
      if (kick_posted_) return;
      kick_posted_ = true;
    }
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->pump(); });
  }

  void close_after_writes(std::string reason) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (closing_) return;
      closing_ = true;
      close_reason_ = std::move(reason);
    }
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->pump(); });
  }

  void read_more() {
    if (closed_) return;
    buffer_.resize(kReadChunk);
    socket_.async_read_some(asio::buffer(buffer_), [self = shared_from_this()](error_code ec,
                                                                               size_t n) {
      if (self->closed_) return;
      if (ec) {
        self->close(ec == asio::error::eof ? "" : absl::StrCat("read failed: ", ec.message()));
        return;
      }
      self->session_->on_bytes(self->buffer_.data(), n);
      self->read_more();
    });
  }

  // I/O thread. Closes now, without writing what is queued.
  void close(const std::string& why) {
    if (closed_) return;
    closed_ = true;
    if (!why.empty()) EDDY_LOG(kInfo, label_, ": closed: ", why);
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    if (session_ != nullptr) session_->on_closed();
    session_ = nullptr;
    on_gone_(this);
  }

 private:
  void pump() {
    if (closed_ || write_in_flight_) return;
    bool closing;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      kick_posted_ = false;
      writing_.clear();
      writing_.swap(queued_);
      closing = closing_;
    }
    if (writing_.empty()) {
      if (closing) close(close_reason_);
      return;
    }
    write_in_flight_ = true;
    asio::async_write(socket_, asio::buffer(writing_), [self = shared_from_this()](error_code ec,
                                                                                   size_t) {
      self->write_in_flight_ = false;
      if (ec) {
        self->close(absl::StrCat("write failed: ", ec.message()));
        return;
      }
      self->pump();
    });
  }

  tcp::socket socket_;
  std::string label_;
  std::function<void(SocketStream*)> on_gone_;
  std::shared_ptr<ByteSession> session_;
  std::string buffer_;
  std::string writing_;
  bool write_in_flight_ = false;
  bool closed_ = false;

  std::mutex mutex_;
  std::string queued_;  // guarded by mutex_
  bool kick_posted_ = false;
  bool closing_ = false;
  std::string close_reason_;
};

}  // namespace

class SessionServer::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(IoLoop& loop, std::string name, SessionAcceptor* acceptor)
      : loop_(loop), name_(std::move(name)), acceptor_(acceptor), listener_(loop.context()) {}

  absl::Status bind(const Endpoint& listen) {
    error_code ec;
    tcp::resolver resolver(loop_.context());
    auto results = resolver.resolve(listen.host, std::to_string(listen.port), ec);
    if (ec || results.empty()) {
      return absl::UnavailableError(
          absl::StrCat(name_, ": cannot resolve ", listen.to_string(), ": ", ec.message()));
    }
    const tcp::endpoint where = results.begin()->endpoint();
    listener_.open(where.protocol(), ec);
    if (!ec) listener_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) listener_.bind(where, ec);
    if (!ec) listener_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat(name_, ": cannot listen on ", listen.to_string(), ": ", ec.message()));
    }
    local_ = Endpoint{listen.host, listener_.local_endpoint().port()};
    return absl::OkStatus();
  }

  void accept_next() {
    listener_.async_accept([self = shared_from_this()](error_code ec, tcp::socket socket) {
      if (self->stopped_ || ec == asio::error::operation_aborted) return;
      if (!ec) self->open(std::move(socket));
      self->accept_next();
    });
  }

  void open(tcp::socket socket) {
    error_code ignored;
    const auto remote = socket.remote_endpoint(ignored);
    const std::string label =
        absl::StrCat(name_, " client ", remote.address().to_string(), ":", remote.port());
    auto stream = std::make_shared<SocketStream>(
        std::move(socket), label, [weak = weak_from_this()](SocketStream* gone) {
          if (auto self = weak.lock()) {
            self->streams_.erase(gone);
            self->count_ = self->streams_.size();
          }
        });
    streams_.emplace(stream.get(), stream);
    count_ = streams_.size();
    stream->attach(acceptor_->open_session(stream));
    stream->read_more();
  }

  void stop() {
    auto shutdown = [self = shared_from_this()] {
      if (self->stopped_) return;
      self->stopped_ = true;
      error_code ignored;
      self->listener_.close(ignored);
      auto streams = self->streams_;
      for (auto& [raw, stream] : streams) stream->close("");
      self->count_ = 0;
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
  std::string name_;
  SessionAcceptor* acceptor_;
  tcp::acceptor listener_;
  Endpoint local_;
  std::map<SocketStream*, std::shared_ptr<SocketStream>> streams_;  // I/O thread
  std::atomic<size_t> count_{0};
  bool stopped_ = false;
};

absl::StatusOr<std::unique_ptr<SessionServer>> SessionServer::create(IoLoop& loop, Endpoint listen,
                                                                     std::string name,
                                                                     SessionAcceptor* acceptor) {
  auto impl = std::make_shared<Impl>(loop, std::move(name), acceptor);
  if (absl::Status status = impl->bind(listen); !status.ok()) return status;
  return std::unique_ptr<SessionServer>(new SessionServer(std::move(impl)));
}

SessionServer::~SessionServer() { stop(); }

void SessionServer::start() {
  asio::post(impl_->loop_.context(), [impl = impl_] { impl->accept_next(); });
}

void SessionServer::stop() { impl_->stop(); }

Endpoint SessionServer::local_endpoint() const { return impl_->local_; }

size_t SessionServer::connections() const { return impl_->count_.load(); }

}  // namespace eddy

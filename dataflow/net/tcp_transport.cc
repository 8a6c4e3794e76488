#include "dataflow/net/tcp_transport.h"

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <sys/socket.h>

#include <cstring>
#include <deque>
#include <future>
#include <mutex>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "dataflow/core/check.h"
#include "dataflow/core/log.h"
#include "dataflow/net/crypto.h"
#include "dataflow/net/io_loop.h"

namespace eddy {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr absl::string_view kAcceptorRole = "eddy-acceptor";
constexpr absl::string_view kDialerRole = "eddy-dialer";
constexpr size_t kReadChunk = 64 << 10;

class Connection;

// Everything known about one peer instance. The queue is shared with send(); the rest belongs
// to the I/O thread.
struct Peer {
  InstanceId id;
  Endpoint endpoint;
  bool we_dial = false;

  std::mutex mutex;
  ByteBuffer queued;  // data frames not yet handed to a connection (guarded by mutex)
  bool kick_posted = false;
  // The open connection's socket while it is idle: a sending thread may then write to it
  // directly instead of waking the I/O thread (guarded by mutex; -1 otherwise).
  int direct_fd = -1;

  std::shared_ptr<Connection> open;  // the connection carrying data, if any
  std::unique_ptr<asio::steady_timer> redial;
  Duration backoff{0};
  bool dialing = false;
  std::string last_failure;  // to log a repeated failure only once

  std::atomic<bool> connected{false};
  std::atomic<uint64_t> connects{0}, frames_out{0}, bytes_out{0}, frames_in{0}, bytes_in{0},
      dropped_frames{0}, refusals{0};
};

}  // namespace

class TcpTransport::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(IoLoop& loop, TcpTransportOptions options);

  absl::Status bind();
  void start(Receiver* receiver);
  void send(std::vector<Envelope>& messages);
  void stop();
  void reject(InstanceId from, const absl::Status& why);
  std::vector<PeerStats> stats() const;
  Endpoint local_endpoint() const { return local_; }
  size_t max_payload_bytes() const {
    return options_.max_frame_bytes - wire::kDataHeaderBytes;
  }

  // Used by connections (I/O thread).
  const TcpTransportOptions& options() const { return options_; }
  asio::io_context& io() { return loop_.context(); }
  std::string describe(InstanceId id) const { return options_.describe(id); }
  Peer* find_peer(InstanceId id) {
    auto it = peers_.find(id);
    return it == peers_.end() ? nullptr : it->second.get();
  }
  void attach(const std::shared_ptr<Connection>& connection, Peer* peer);
  void detach(Connection* connection, Peer* peer, const std::string& why);
  void forget(Connection* connection) { handshaking_.erase(connection); }
  // Hands the messages one read produced to the receiver, in one call.
  void deliver(std::vector<Envelope>& envelopes);
  bool stopped() const { return stopped_; }

 private:
  void accept_next();
  void dial(Peer* peer);
  void schedule_redial(Peer* peer);
  void kick(Peer* peer);

  IoLoop& loop_;
  TcpTransportOptions options_;
  tcp::acceptor acceptor_;
  Endpoint local_;
  std::map<InstanceId, std::unique_ptr<Peer>> peers_;  // fixed after construction
  std::atomic<Receiver*> receiver_{nullptr};
  // Connections still in their handshake, owned here until attached or closed.
  std::map<Connection*, std::shared_ptr<Connection>> handshaking_;
  bool stopped_ = false;
};

namespace {

// One TCP connection to a peer: the handshake, then data frames both ways.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  enum class Phase { kAwaitHello, kAwaitChallenge, kAwaitProof, kAwaitAccept, kOpen, kClosed };

  Connection(TcpTransport::Impl& impl, tcp::socket socket, Phase phase, Peer* peer)
      : impl_(impl),
        socket_(std::move(socket)),
        reader_(impl.options().max_frame_bytes),
        phase_(phase),
        peer_(peer),
        my_nonce_(crypto::random_nonce()),
        deadline_(impl.io()) {
    error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    remote_ = describe_remote();
  }

  // Dialer: introduce ourselves, then wait for the challenge.
  void start_as_dialer() {
    arm_deadline();
    wire::Hello hello;
    hello.fingerprint = impl_.options().fingerprint;
    hello.from = impl_.options().self;
    hello.to = peer_->id;
    hello.nonce = my_nonce_;
    std::string frame;
    wire::append_hello(hello, &frame);
    send_control(std::move(frame));
    read_more();
  }

  // Acceptor: wait for the dialer's hello.
  void start_as_acceptor() {
    arm_deadline();
    read_more();
  }

  // Hands everything queued for the peer to the socket (one write), if nothing is in flight.
  void pump() {
    if (write_in_flight_ || phase_ == Phase::kClosed) return;
    if (!control_.empty()) {
      writing_.clear();
      for (std::string& frame : control_) writing_ += frame;
      control_.clear();
    } else if (close_after_writes_) {
      // A refusal has been written: hang up now, not at the handshake deadline.
      close(close_reason_, LogLevel::kDebug);
      return;
    } else if (phase_ == Phase::kOpen) {
      std::lock_guard<std::mutex> lock(peer_->mutex);
      data_out_.clear();
      data_out_.swap(peer_->queued);
      // Idle with nothing in flight: senders may write through until they leave a remainder.
      peer_->direct_fd = data_out_.empty() ? socket_.native_handle() : -1;
      if (!data_out_.empty()) {
        write_in_flight_ = true;
        asio::async_write(socket_, asio::buffer(data_out_.data(), data_out_.size()),
                          [self = shared_from_this()](error_code ec, size_t bytes) {
                            self->on_written(ec, bytes);
                          });
      }
      return;
    } else {
      return;
    }
    if (writing_.empty()) return;
    write_in_flight_ = true;
    asio::async_write(socket_, asio::buffer(writing_),
                      [self = shared_from_this()](error_code ec, size_t bytes) {
                        self->on_written(ec, bytes);
                      });
  }

  void close(const std::string& why, LogLevel level) {
    if (phase_ == Phase::kClosed) return;
    const bool was_open = phase_ == Phase::kOpen;
    phase_ = Phase::kClosed;
    deadline_.cancel();
    if (peer_ != nullptr) {
      // Under the lock, so no sender is writing to the descriptor while it closes.
      std::lock_guard<std::mutex> lock(peer_->mutex);
      if (peer_->direct_fd == socket_.native_handle()) peer_->direct_fd = -1;
    }
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    if (was_open || level >= LogLevel::kWarning) log(level, why);
    impl_.forget(this);
    if (peer_ != nullptr) impl_.detach(this, peer_, why);
  }

  bool is_open() const { return phase_ == Phase::kOpen; }
  Peer* peer() const { return peer_; }

 private:
  std::string describe_remote() const {
    error_code ec;
    auto remote = socket_.remote_endpoint(ec);
    return ec ? "an unknown address" : absl::StrCat(remote.address().to_string(), ":", remote.port());
  }

  std::string who() const {
    return peer_ != nullptr ? absl::StrCat(impl_.describe(peer_->id), " (", remote_, ")") : remote_;
  }

  void log(LogLevel level, const std::string& what) const {
    const std::string line = absl::StrCat("connection with ", who(), ": ", what);
    switch (level) {
      case LogLevel::kDebug:
        EDDY_LOG(kDebug, line);
        break;
      case LogLevel::kInfo:
        EDDY_LOG(kInfo, line);
        break;
      case LogLevel::kWarning:
        EDDY_LOG(kWarning, line);
        break;
      case LogLevel::kError:
        EDDY_LOG(kError, line);
        break;
    }
  }

  void arm_deadline() {
    deadline_.expires_after(impl_.options().handshake_timeout);
    deadline_.async_wait([weak = weak_from_this()](error_code ec) {
      auto self = weak.lock();
      if (ec || self == nullptr || self->phase_ == Phase::kOpen) return;
      self->close("handshake did not finish in time", LogLevel::kWarning);
    });
  }

  void send_control(std::string frame) {
    control_.push_back(std::move(frame));
    pump();
  }

  // Tells the other side why we hang up, then closes once that is written.
  void refuse(const std::string& reason) {
    log(LogLevel::kWarning, absl::StrCat("refused: ", reason));
    if (peer_ != nullptr) peer_->refusals += 1;
    std::string frame;
    wire::append_refuse(reason, &frame);
    close_after_writes_ = true;
    close_reason_ = reason;
    send_control(std::move(frame));
  }

  void on_written(error_code ec, size_t bytes) {
    write_in_flight_ = false;
    if (ec) {
      close(absl::StrCat("write failed: ", ec.message()), LogLevel::kInfo);
      return;
    }
    if (phase_ == Phase::kOpen && peer_ != nullptr) peer_->bytes_out += bytes;
    pump();
  }

  void read_more() {
    if (phase_ == Phase::kClosed) return;
    char* into = reader_.prepare(kReadChunk);
    socket_.async_read_some(asio::buffer(into, reader_.room()),
                            [self = shared_from_this()](error_code ec, size_t n) {
                              self->on_read(ec, n);
                            });
  }

  void on_read(error_code ec, size_t n) {
    if (phase_ == Phase::kClosed) return;
    if (ec) {
      close(ec == asio::error::eof ? "closed by the peer" : absl::StrCat("read failed: ", ec.message()),
            LogLevel::kInfo);
      return;
    }
    reader_.commit(n);
    absl::string_view frame;
    std::string error;
    while (phase_ != Phase::kClosed && !close_after_writes_) {
      if (!reader_.next_frame(&frame, &error)) {
        if (error.empty()) break;
        close(absl::StrCat("dropped: ", error), LogLevel::kWarning);
        return;
      }
      if (absl::Status status = handle(frame); !status.ok()) {
        close(absl::StrCat("dropped: ", status.message()), LogLevel::kWarning);
        return;
      }
    }
    flush_received();
    read_more();
  }

  absl::Status handle(absl::string_view body) {
    // The hot path: a data frame on an open connection, read without building Status objects.
    if (phase_ == Phase::kOpen && body.size() >= wire::kDataHeaderBytes &&
        body[0] == static_cast<char>(wire::Kind::kData)) {
      uint32_t fields[3];
      std::memcpy(fields, body.data() + 1, sizeof fields);
      if (fields[1] != peer_->id.location || fields[2] != peer_->id.member.raw) {
        return absl::InvalidArgumentError(absl::StrCat(
            "a data frame claims to come from ",
            impl_.describe(InstanceId{fields[1], MemberId{fields[2]}})));
      }
      received_bytes_ += body.size();
      // Braces, not emplace_back's parentheses: clang 14 lacks C++20 aggregate paren-init.
      received_.push_back(Envelope{peer_->id, impl_.options().self, fields[0],
                                   reader_.share(body.substr(wire::kDataHeaderBytes))});
      return absl::OkStatus();
    }
    absl::StatusOr<wire::Kind> kind = wire::kind_of(body);
    if (!kind.ok()) return kind.status();
    if (*kind == wire::Kind::kRefuse) {
      if (peer_ != nullptr) peer_->refusals += 1;
      absl::StatusOr<std::string> reason = wire::parse_refuse(body);
      close(absl::StrCat("the peer refused us: ", reason.ok() ? *reason : "(no reason)"),
            LogLevel::kWarning);
      return absl::OkStatus();
    }
    switch (phase_) {
      case Phase::kAwaitHello:
        return on_hello(body);
      case Phase::kAwaitChallenge:
        return on_challenge(body);
      case Phase::kAwaitProof:
        return on_proof(body);
      case Phase::kAwaitAccept:
        if (*kind != wire::Kind::kAccept) {
          return absl::InvalidArgumentError("expected accept or refuse during the handshake");
        }
        open();
        return absl::OkStatus();
      case Phase::kOpen:
        return on_data(body);
      case Phase::kClosed:
        return absl::OkStatus();
    }
    return absl::OkStatus();
  }

  absl::Status on_hello(absl::string_view body) {
    absl::StatusOr<wire::Hello> hello = wire::parse_hello(body);
    if (!hello.ok()) return hello.status();  // not an eddy peer: no answer, just close
    const TcpTransportOptions& options = impl_.options();
    Peer* peer = impl_.find_peer(hello->from);
    if (peer == nullptr || peer->we_dial) {
      refuse(absl::StrCat("it claims to be ", impl_.describe(hello->from),
                          ", which is not an instance that connects to this one"));
      return absl::OkStatus();
    }
    peer_ = peer;
    if (hello->fingerprint != options.fingerprint) {
      refuse(absl::StrFormat(
          "it runs a different flow (fingerprint %016x, this instance runs %016x): "
          "every instance must be built from the same program",
          hello->fingerprint, options.fingerprint));
      return absl::OkStatus();
    }
    if (hello->to != options.self) {
      refuse(absl::StrCat("it addressed ", impl_.describe(hello->to), ", but this is ",
                          impl_.describe(options.self)));
      return absl::OkStatus();
    }
    their_nonce_ = hello->nonce;
    wire::Challenge challenge;
    challenge.fingerprint = options.fingerprint;
    challenge.nonce = my_nonce_;
    challenge.proof =
        crypto::handshake_proof(options.secret, kAcceptorRole, their_nonce_, peer_->id, options.self);
    phase_ = Phase::kAwaitProof;
    std::string frame;
    wire::append_challenge(challenge, &frame);
    send_control(std::move(frame));
    return absl::OkStatus();
  }

  // Checks the other side's proof over our nonce; empty when it holds.
  std::string check_proof(const std::string& proof, absl::string_view role, InstanceId from,
                          InstanceId to) const {
    const std::string& secret = impl_.options().secret;
    if (secret.empty() && !proof.empty()) {
      return "it proves a cluster secret, but this instance has none configured";
    }
    if (!secret.empty() && proof.empty()) {
      return "this cluster requires a secret and it sent no proof of one";
    }
    if (!crypto::constant_time_equal(proof,
                                     crypto::handshake_proof(secret, role, my_nonce_, from, to))) {
      return "its cluster-secret proof does not verify: it has a different secret";
    }
    return "";
  }

  absl::Status on_challenge(absl::string_view body) {
    absl::StatusOr<wire::Challenge> challenge = wire::parse_challenge(body);
    if (!challenge.ok()) return challenge.status();
    const TcpTransportOptions& options = impl_.options();
    if (challenge->fingerprint != options.fingerprint) {
      refuse(absl::StrFormat("it runs a different flow (fingerprint %016x, this instance runs %016x)",
                             challenge->fingerprint, options.fingerprint));
      return absl::OkStatus();
    }
    if (std::string bad = check_proof(challenge->proof, kAcceptorRole, options.self, peer_->id);
        !bad.empty()) {
      refuse(bad);
      return absl::OkStatus();
    }
    their_nonce_ = challenge->nonce;
    phase_ = Phase::kAwaitAccept;
    std::string frame;
    wire::append_proof(
        crypto::handshake_proof(options.secret, kDialerRole, their_nonce_, options.self, peer_->id),
        &frame);
    send_control(std::move(frame));
    return absl::OkStatus();
  }

  absl::Status on_proof(absl::string_view body) {
    absl::StatusOr<std::string> proof = wire::parse_proof(body);
    if (!proof.ok()) return proof.status();
    if (std::string bad = check_proof(*proof, kDialerRole, peer_->id, impl_.options().self);
        !bad.empty()) {
      refuse(bad);
      return absl::OkStatus();
    }
    std::string frame;
    wire::append_accept(&frame);
    send_control(std::move(frame));
    open();
    return absl::OkStatus();
  }

  void open() {
    phase_ = Phase::kOpen;
    deadline_.cancel();
    impl_.attach(shared_from_this(), peer_);
    pump();
  }

  absl::Status on_data(absl::string_view body) {
    absl::StatusOr<std::pair<wire::DataHeader, absl::string_view>> data = wire::parse_data(body);
    if (!data.ok()) return data.status();
    if (data->first.from != peer_->id) {
      return absl::InvalidArgumentError(
          absl::StrCat("a data frame claims to come from ", impl_.describe(data->first.from)));
    }
    received_bytes_ += body.size();
    received_.push_back(Envelope{peer_->id, impl_.options().self, data->first.channel,
                                 reader_.share(data->second)});
    return absl::OkStatus();
  }

  // Everything one read produced goes to the receiver at once, counted once.
  void flush_received() {
    if (received_.empty()) return;
    peer_->frames_in += received_.size();
    peer_->bytes_in += received_bytes_;
    received_bytes_ = 0;
    impl_.deliver(received_);
  }

  TcpTransport::Impl& impl_;
  tcp::socket socket_;
  wire::FrameReader reader_;
  Phase phase_;
  Peer* peer_;
  wire::Nonce my_nonce_;
  wire::Nonce their_nonce_{};
  asio::steady_timer deadline_;
  std::string remote_;
  std::deque<std::string> control_;  // handshake frames waiting to be written
  std::string writing_;              // handshake bytes of the write in flight
  ByteBuffer data_out_;              // data frames of the write in flight
  bool write_in_flight_ = false;
  bool close_after_writes_ = false;
  std::string close_reason_;
  std::vector<Envelope> received_;  // data frames of the current read
  size_t received_bytes_ = 0;
};

}  // namespace

TcpTransport::Impl::Impl(IoLoop& loop, TcpTransportOptions options)
    : loop_(loop), options_(std::move(options)), acceptor_(loop.context()) {
  if (!options_.describe) {
    options_.describe = [](InstanceId id) {
      return absl::StrCat("location ", id.location, " member ", id.member.raw);
    };
  }
  for (const auto& [id, endpoint] : options_.peers) {
    if (id == options_.self) continue;
    auto peer = std::make_unique<Peer>();
    peer->id = id;
    peer->endpoint = endpoint;
    peer->we_dial = options_.self < id;
    peer->backoff = options_.initial_backoff;
    peers_.emplace(id, std::move(peer));
  }
}

absl::Status TcpTransport::Impl::bind() {
  error_code ec;
  tcp::resolver resolver(loop_.context());
  auto results = resolver.resolve(options_.listen.host, std::to_string(options_.listen.port), ec);
  if (ec || results.empty()) {
    return absl::UnavailableError(absl::StrCat("cannot resolve ", options_.listen.to_string(),
                                               ": ", ec.message()));
  }
  const tcp::endpoint where = results.begin()->endpoint();
  acceptor_.open(where.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(where, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.listen.to_string(), ": ", ec.message()));
  }
  local_ = Endpoint{options_.listen.host, acceptor_.local_endpoint().port()};
  return absl::OkStatus();
}

void TcpTransport::Impl::start(Receiver* receiver) {
  receiver_ = receiver;
  asio::post(loop_.context(), [self = shared_from_this()] {
    self->accept_next();
    for (auto& [id, peer] : self->peers_) {
      if (peer->we_dial) self->dial(peer.get());
    }
  });
}

void TcpTransport::Impl::accept_next() {
  acceptor_.async_accept([self = shared_from_this()](error_code ec, tcp::socket socket) {
    if (self->stopped_) return;
    if (!ec) {
      auto connection = std::make_shared<Connection>(*self, std::move(socket),
                                                     Connection::Phase::kAwaitHello, nullptr);
      self->handshaking_.emplace(connection.get(), connection);
      connection->start_as_acceptor();
    } else if (ec == asio::error::operation_aborted) {
      return;
    }
    self->accept_next();
  });
}

void TcpTransport::Impl::dial(Peer* peer) {
  if (stopped_ || peer->dialing || peer->open != nullptr) return;
  peer->dialing = true;
  auto resolver = std::make_shared<tcp::resolver>(loop_.context());
  resolver->async_resolve(
      peer->endpoint.host, std::to_string(peer->endpoint.port),
      [self = shared_from_this(), peer, resolver](error_code ec, tcp::resolver::results_type results) {
        if (self->stopped_) return;
        if (ec) {
          peer->dialing = false;
          self->detach(nullptr, peer, absl::StrCat("cannot resolve ", peer->endpoint.to_string(), ": ",
                                                   ec.message()));
          return;
        }
        auto socket = std::make_shared<tcp::socket>(self->loop_.context());
        asio::async_connect(*socket, results,
                            [self, peer, socket](error_code ec, const tcp::endpoint&) {
                              if (self->stopped_) return;
                              if (ec) {
                                peer->dialing = false;
                                self->detach(nullptr, peer,
                                             absl::StrCat("cannot connect to ",
                                                          peer->endpoint.to_string(), ": ",
                                                          ec.message()));
                                return;
                              }
                              auto connection = std::make_shared<Connection>(
                                  *self, std::move(*socket), Connection::Phase::kAwaitChallenge,
                                  peer);
                              self->handshaking_.emplace(connection.get(), connection);
                              connection->start_as_dialer();
                            });
      });
}

void TcpTransport::Impl::schedule_redial(Peer* peer) {
  if (stopped_ || !peer->we_dial || peer->open != nullptr || peer->dialing) return;
  if (peer->redial == nullptr) peer->redial = std::make_unique<asio::steady_timer>(loop_.context());
  peer->redial->expires_after(peer->backoff);
  peer->backoff = std::min(peer->backoff * 2, options_.max_backoff);
  peer->redial->async_wait([self = shared_from_this(), peer](error_code ec) {
    if (!ec) self->dial(peer);
  });
}

void TcpTransport::Impl::attach(const std::shared_ptr<Connection>& connection, Peer* peer) {
  handshaking_.erase(connection.get());
  if (peer->open != nullptr && peer->open != connection) {
    auto old = peer->open;
    peer->open = nullptr;
    old->close("replaced by a newer connection from the same instance", LogLevel::kInfo);
  }
  peer->open = connection;
  peer->dialing = false;
  peer->backoff = options_.initial_backoff;
  peer->last_failure.clear();
  peer->connected = true;
  peer->connects += 1;
  EDDY_LOG(kInfo, "connected to ", describe(peer->id),
           peer->we_dial ? absl::StrCat(" at ", peer->endpoint.to_string()) : " (it dialed us)");
}

void TcpTransport::Impl::detach(Connection* connection, Peer* peer, const std::string& why) {
  if (stopped_) return;
  if (connection != nullptr) {
    if (peer->open.get() == connection) {
      peer->open = nullptr;
      peer->connected = false;
    } else if (peer->we_dial) {
      peer->dialing = false;  // a handshake of ours failed
    }
  }
  if (peer->we_dial && peer->open == nullptr) {
    if (why != peer->last_failure) {
      EDDY_LOG(kInfo, "cannot reach ", describe(peer->id), " yet (", why, "); retrying with backoff");
      peer->last_failure = why;
    }
    schedule_redial(peer);
  }
}

void TcpTransport::Impl::deliver(std::vector<Envelope>& envelopes) {
  Receiver* receiver = receiver_.load();
  if (receiver == nullptr) {
    envelopes.clear();
    return;
  }
  receiver->deliver_batch(envelopes);
}

void TcpTransport::Impl::kick(Peer* peer) {
  asio::post(loop_.context(), [self = shared_from_this(), peer] {
    {
      std::lock_guard<std::mutex> lock(peer->mutex);
      peer->kick_posted = false;
    }
    if (peer->open != nullptr) peer->open->pump();
  });
}

void TcpTransport::Impl::send(std::vector<Envelope>& messages) {
  // Messages of one tick mostly go to a few peers: take each peer's lock once per run of
  // messages to it, and count once per run.
  Peer* peer = nullptr;
  std::unique_lock<std::mutex> lock;
  uint64_t frames = 0;
  std::vector<Peer*> to_kick;
  auto finish_run = [&] {
    if (peer == nullptr) return;
    peer->frames_out += frames;
    if (peer->direct_fd >= 0 && !peer->queued.empty()) {
      // The connection is idle: write through from this thread, without blocking; a remainder
      // goes to the I/O thread, which owns the socket's writes until it has drained it.
      const ssize_t n = ::send(peer->direct_fd, peer->queued.data(), peer->queued.size(),
                               MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        peer->bytes_out += static_cast<uint64_t>(n);
        peer->queued.consume(static_cast<size_t>(n));
      }
      if (!peer->queued.empty()) peer->direct_fd = -1;
    }
    if (!peer->queued.empty() && !peer->kick_posted) {
      peer->kick_posted = true;
      to_kick.push_back(peer);
    }
    lock.unlock();
    peer = nullptr;
    frames = 0;
  };
  for (Envelope& envelope : messages) {
    if (envelope.to == options_.self) {
      finish_run();
      if (Receiver* receiver = receiver_.load()) receiver->deliver(std::move(envelope));
      continue;
    }
    if (peer == nullptr || peer->id != envelope.to) {
      finish_run();
      peer = find_peer(envelope.to);
      if (peer == nullptr) {
        EDDY_LOG(kError, "no route to ", describe(envelope.to), "; is it in the topology?");
        continue;
      }
      lock = std::unique_lock<std::mutex>(peer->mutex);
    }
    if (envelope.payload.size() > max_payload_bytes()) {
      EDDY_LOG(kError, "dropped a ", envelope.payload.size(), "-byte message to ",
               describe(envelope.to), ": it exceeds the frame limit of ", options_.max_frame_bytes);
      peer->dropped_frames += 1;
      continue;
    }
    if (peer->queued.size() + envelope.payload.size() > options_.max_queued_bytes) {
      peer->dropped_frames += 1;
      continue;
    }
    wire::append_data(wire::DataHeader{envelope.channel, options_.self},
                      absl::string_view(envelope.payload.data(), envelope.payload.size()),
                      &peer->queued);
    ++frames;
  }
  finish_run();
  messages.clear();
  for (Peer* p : to_kick) kick(p);
}

void TcpTransport::Impl::reject(InstanceId from, const absl::Status& why) {
  asio::post(loop_.context(), [self = shared_from_this(), from, why] {
    Peer* peer = self->find_peer(from);
    if (peer != nullptr && peer->open != nullptr) {
      peer->open->close(absl::StrCat("dropped: it sent a message that does not decode: ",
                                     why.message()),
                        LogLevel::kWarning);
    }
  });
}

void TcpTransport::Impl::stop() {
  auto shutdown = [self = shared_from_this()] {
    if (self->stopped_) return;
    self->stopped_ = true;
    self->receiver_ = nullptr;
    error_code ignored;
    self->acceptor_.close(ignored);
    for (auto& [id, peer] : self->peers_) {
      if (peer->redial != nullptr) peer->redial->cancel();
      if (peer->open != nullptr) peer->open->close("shutting down", LogLevel::kDebug);
    }
    auto handshaking = self->handshaking_;
    for (auto& [raw, connection] : handshaking) connection->close("shutting down", LogLevel::kDebug);
  };
  // With the loop not running (never started, or stopped) nothing else touches the sockets.
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

std::vector<PeerStats> TcpTransport::Impl::stats() const {
  std::vector<PeerStats> out;
  for (const auto& [id, peer] : peers_) {
    PeerStats s;
    s.peer = id;
    s.connected = peer->connected;
    s.connects = peer->connects;
    s.frames_out = peer->frames_out;
    s.bytes_out = peer->bytes_out;
    s.frames_in = peer->frames_in;
    s.bytes_in = peer->bytes_in;
    s.dropped_frames = peer->dropped_frames;
    s.refusals = peer->refusals;
    {
      std::lock_guard<std::mutex> lock(peer->mutex);
      s.queued_bytes = peer->queued.size();
    }
    out.push_back(s);
  }
  return out;
}

absl::StatusOr<std::unique_ptr<TcpTransport>> TcpTransport::create(IoLoop& loop,
                                                                   TcpTransportOptions options) {
  auto impl = std::make_shared<Impl>(loop, std::move(options));
  if (absl::Status status = impl->bind(); !status.ok()) return status;
  return std::unique_ptr<TcpTransport>(new TcpTransport(std::move(impl)));
}

TcpTransport::~TcpTransport() { stop(); }

void TcpTransport::start(Receiver* receiver) { impl_->start(receiver); }
void TcpTransport::send(std::vector<Envelope>& messages) { impl_->send(messages); }
void TcpTransport::stop() { impl_->stop(); }
void TcpTransport::reject(InstanceId from, const absl::Status& why) { impl_->reject(from, why); }
Endpoint TcpTransport::local_endpoint() const { return impl_->local_endpoint(); }
std::vector<PeerStats> TcpTransport::stats() const { return impl_->stats(); }
size_t TcpTransport::max_payload_bytes() const { return impl_->max_payload_bytes(); }

}  // namespace eddy

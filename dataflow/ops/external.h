// External ports: bidirectional client connections into a Process.
//
// source_external makes an ExternalPortState at the process instance: clients (in-process test
// clients now, TCP connections with a wire codec later) register a ClientPeer and push
// requests from their own threads; each tick takes the requests that arrived, keyed by
// connection. send_external routes each (connection, reply) back to the peer of that
// connection, in order; replies to a connection that is gone are dropped. disconnects() is a
// stream of the connections that went away.
#ifndef EDDY_DATAFLOW_OPS_EXTERNAL_H_
#define EDDY_DATAFLOW_OPS_EXTERNAL_H_

#include <memory>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "dataflow/core/internal/stable_hash.h"
#include "dataflow/core/internal/typed_nodes.h"

namespace eddy {

// How one connection's bytes become requests and its replies become bytes. One instance per
// connection (codecs keep partial input). Called on the network thread (decode) and the
// instance's thread (encode), never both at once for the same bytes.
template <class Req, class Resp>
class WireCodec {
 public:
  virtual ~WireCodec() = default;
  // Consumes `data` (which may end in the middle of a request): appends the requests it
  // completes to `requests` and anything to answer at once (a handshake reply, an error reply)
  // to `immediate`. An error status means: write `immediate`, then close the connection.
  virtual absl::Status decode(const char* data, size_t n, std::vector<Req>* requests,
                              std::string* immediate) = 0;
  // Appends the bytes of `replies` (one tick's, in order) to `out`; true asks to close the
  // connection once they are written (a QUIT, say).
  virtual bool encode(std::vector<Resp>& replies, std::string* out) = 0;
};

template <class Req, class Resp>
using CodecFactory = std::function<std::unique_ptr<WireCodec<Req, Resp>>()>;

// The engine-side end of one client connection: where its replies go.
template <class Resp>
class ClientPeer {
 public:
  virtual ~ClientPeer() = default;
  // Called on the instance's thread with one tick's replies to this connection, in order.
  virtual void on_replies(std::vector<Resp>& replies) = 0;
};

namespace internal {

template <class Req, class Resp>
class ExternalPortState final : public ExternalPortBase {
 public:
  ExternalPortState(InstanceCore& core, std::string name, CodecFactory<Req, Resp> codec)
      : core_(core), name_(std::move(name)), codec_(std::move(codec)) {}

  const std::string& name() const override { return name_; }
  bool servable() const override { return static_cast<bool>(codec_); }

  // Thread safe. A connection whose bytes go through this port's codec.
  std::shared_ptr<ByteSession> open_session(std::shared_ptr<ByteStream> stream) override {
    EDDY_CHECK(servable(), "port '", name_, "' has no wire codec");
    auto session = std::make_shared<Session>(*this, std::move(stream), codec_());
    session->id = connect(session);
    return session;
  }

  // Thread safe. Opens a connection whose replies go to `peer`.
  ConnectionId connect(std::shared_ptr<ClientPeer<Resp>> peer) {
    std::lock_guard<std::mutex> lock(mutex_);
    const ConnectionId id{next_id_++};
    peers_.emplace(id, std::move(peer));
    return id;
  }

  // Thread safe. Queues requests from `conn` for the next tick; ignores a closed connection.
  void request(ConnectionId conn, std::vector<Req> requests) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!peers_.contains(conn)) return;
      for (Req& r : requests) pending_.emplace_back(conn, std::move(r));
    }
    core_.notify_input();
  }

  // Thread safe. Closes `conn`: the flow sees it in disconnects() and later replies to it are
  // dropped.
  void disconnect(ConnectionId conn) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (peers_.erase(conn) == 0) return;
      disconnects_.push_back(conn);
    }
    core_.notify_input();
  }

  size_t connection_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return peers_.size();
  }

  // A connection's disconnect reaches the flow after its last requests: in the tick that takes
  // them or a later one, never before. take_requests releases the disconnects that happened
  // before the requests it takes (a closed connection queues no more); take_disconnects hands
  // out the released ones.
  void take_requests(std::vector<std::pair<ConnectionId, Req>>& out) {
    bool released = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      out.clear();
      out.swap(pending_);
      released = !disconnects_.empty();
      released_.insert(released_.end(), disconnects_.begin(), disconnects_.end());
      disconnects_.clear();
    }
    // The disconnects source may already have run this tick: make sure a tick follows.
    if (released) core_.notify_input();
  }

  void take_disconnects(std::vector<ConnectionId>& out) {
    std::lock_guard<std::mutex> lock(mutex_);
    out.clear();
    out.swap(released_);
  }

  // Hands each connection its replies, preserving their order.
  void deliver(std::vector<std::pair<ConnectionId, Resp>>& replies) {
    if (replies.empty()) return;
    order_.clear();
    for (auto& [conn, resp] : replies) {
      auto [it, inserted] = grouped_.try_emplace(conn);
      if (it->second.empty()) order_.push_back(conn);
      it->second.push_back(std::move(resp));
    }
    for (ConnectionId conn : order_) {
      std::shared_ptr<ClientPeer<Resp>> peer;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (auto it = peers_.find(conn); it != peers_.end()) peer = it->second;
      }
      std::vector<Resp>& batch = grouped_[conn];
      if (peer != nullptr) peer->on_replies(batch);
      batch.clear();
    }
  }

 private:
  // One byte-stream connection: decodes requests on the network thread, encodes replies on
  // the instance's.
  struct Session final : public ByteSession, public ClientPeer<Resp> {
    Session(ExternalPortState& port, std::shared_ptr<ByteStream> stream,
            std::unique_ptr<WireCodec<Req, Resp>> codec)
        : port(port), stream(std::move(stream)), codec(std::move(codec)) {}

    void on_bytes(const char* data, size_t n) override {
      std::vector<Req> requests;
      std::string immediate;
      absl::Status status = codec->decode(data, n, &requests, &immediate);
      if (!immediate.empty()) stream->write(std::move(immediate));
      if (!requests.empty()) port.request(id, std::move(requests));
      if (!status.ok()) {
        stream->close_after_writes(std::string(status.message()));
        port.disconnect(id);
      }
    }
    void on_closed() override { port.disconnect(id); }
    void on_replies(std::vector<Resp>& replies) override {
      std::string out;
      const bool close = codec->encode(replies, &out);
      if (!out.empty()) stream->write(std::move(out));
      if (close) {
        stream->close_after_writes("closed at the client's request");
        port.disconnect(id);
      }
    }

    ExternalPortState& port;
    std::shared_ptr<ByteStream> stream;
    std::unique_ptr<WireCodec<Req, Resp>> codec;
    ConnectionId id;
  };

  InstanceCore& core_;
  std::string name_;
  CodecFactory<Req, Resp> codec_;
  mutable std::mutex mutex_;
  uint64_t next_id_ = 1;
  StableMap<ConnectionId, std::shared_ptr<ClientPeer<Resp>>> peers_;
  std::vector<std::pair<ConnectionId, Req>> pending_;
  std::vector<ConnectionId> disconnects_;  // not yet released to the flow
  std::vector<ConnectionId> released_;
  // Instance thread only.
  StableMap<ConnectionId, std::vector<Resp>> grouped_;
  std::vector<ConnectionId> order_;
};

template <class Req, class Resp>
ExternalPortState<Req, Resp>& find_port(InstanceCore& core, NodeId port) {
  auto* state = dynamic_cast<ExternalPortState<Req, Resp>*>(core.external_port(port));
  EDDY_CHECK(state != nullptr, "external port ", port, " is not open at this instance");
  return *state;
}

// source_external: the requests of every connection, keyed by connection.
template <class Req, class Resp>
class ExternalSourceNode final : public SourceNode<std::vector<std::pair<ConnectionId, Req>>> {
  using Out = std::pair<ConnectionId, Req>;

 public:
  bool open_input() const override { return true; }
  ExternalSourceNode(NodeSpec spec, CodecFactory<Req, Resp> codec)
      : SourceNode<std::vector<Out>>(std::move(spec), type_name<Out>()), codec_(std::move(codec)) {}

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    return std::make_unique<Runtime>(b.core(), &b.port<std::vector<Out>>(this->id()), this->id(),
                                     this->detail(), codec_);
  }

 private:
  CodecFactory<Req, Resp> codec_;

  class Runtime final : public RuntimeNode {
   public:
    Runtime(InstanceCore& core, std::vector<Out>* out, NodeId id, std::string name,
            CodecFactory<Req, Resp> codec)
        : core_(core), out_(out), id_(id), state_(core, std::move(name), std::move(codec)) {
      core.register_external_port(id, &state_);
    }
    void run() override {
      state_.take_requests(*out_);
      core_.count(id_, out_->size());
    }

   private:
    InstanceCore& core_;
    std::vector<Out>* out_;
    NodeId id_;
    ExternalPortState<Req, Resp> state_;
  };
};

// port.disconnects(): connections that closed since the last tick.
template <class Req, class Resp>
class DisconnectsNode final : public SourceNode<std::vector<ConnectionId>> {
 public:
  bool open_input() const override { return true; }
  DisconnectsNode(NodeSpec spec, NodeId port)
      : SourceNode<std::vector<ConnectionId>>(std::move(spec), "eddy::ConnectionId"),
        port_(port) {}

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    auto* state = &find_port<Req, Resp>(b.core(), port_);
    auto* out = &b.port<std::vector<ConnectionId>>(this->id());
    return make_lambda_runtime([=] { state->take_disconnects(*out); });
  }

 private:
  NodeId port_;
};

// send_external: routes (connection, reply) pairs to their connections.
template <class Req, class Resp>
class SendExternalNode final : public SinkNode<std::pair<ConnectionId, Resp>, std::monostate> {
  using In = std::pair<ConnectionId, Resp>;

 public:
  SendExternalNode(NodeSpec spec, NodeId port)
      : SinkNode<In, std::monostate>(std::move(spec), "()"), port_(port) {}

 protected:
  std::unique_ptr<ChunkSink<In>> make_typed_sink(InstanceBuilder& b) const override {
    auto* state = &find_port<Req, Resp>(b.core(), port_);
    auto replies = std::make_shared<std::vector<In>>();
    InstanceCore* core = &b.core();
    return make_lambda_sink<In>(
        [replies] { replies->clear(); },
        [replies](std::span<In> items) {
          replies->insert(replies->end(), std::make_move_iterator(items.begin()),
                          std::make_move_iterator(items.end()));
        },
        [state, replies, core, id = this->id()] {
          core->count(id, replies->size());
          state->deliver(*replies);
        });
  }

 private:
  NodeId port_;
};

}  // namespace internal
}  // namespace eddy

#endif  // EDDY_DATAFLOW_OPS_EXTERNAL_H_

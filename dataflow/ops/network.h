// Networking operators: send, broadcast, round_robin, demux.
//
// Each is two IR nodes: a NetworkSendNode at the sending location (a sink that batches the
// tick's elements per destination instance, serializes each batch once and queues it in the
// outbox) and a NetworkRecvNode at the receiving location (a source fed by the transport,
// registered under the send node's id, which is the channel id). Receivers that hear from a
// cluster get each element keyed by the sending member.
#ifndef EDDY_DATAFLOW_OPS_NETWORK_H_
#define EDDY_DATAFLOW_OPS_NETWORK_H_

#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "dataflow/core/internal/typed_nodes.h"
#include "dataflow/core/log.h"
#include "dataflow/serde/codec.h"

namespace eddy::internal {

enum class Routing {
  kToProcess,   // the one instance of a Process
  kBroadcast,   // every member of a Cluster
  kRoundRobin,  // members in turn, one element each
  kDemux,       // the member each element names
};

const char* to_string(Routing routing);

// Elem is T, or (MemberId, T) for demux.
template <class T, class Elem>
class NetworkSendNode final : public SinkNode<Elem, std::monostate> {
 public:
  NetworkSendNode(NodeSpec spec, LocationId destination, Routing routing, bool include_self)
      : SinkNode<Elem, std::monostate>(std::move(spec), type_name<T>()),
        destination_(destination),
        routing_(routing),
        include_self_(include_self) {
    static_assert(RequireSerializable<T>::value);
  }

  LocationId destination() const { return destination_; }
  Routing routing() const { return routing_; }

 protected:
  class Sink final : public ChunkSink<Elem> {
   public:
    Sink(const NetworkSendNode& node, InstanceCore& core)
        : node_(node),
          core_(core),
          size_(core.location_size(node.destination_)),
          batches_(node.routing_ == Routing::kBroadcast || node.routing_ == Routing::kToProcess
                       ? 1
                       : size_),
          next_member_(core.self().member.raw) {}

    void begin() override {
      for (auto& batch : batches_) batch.clear();
    }

    void push(std::span<Elem> items) override {
      switch (node_.routing_) {
        case Routing::kToProcess:
        case Routing::kBroadcast:
          if constexpr (std::is_same_v<Elem, T>) {
            batches_[0].insert(batches_[0].end(), std::make_move_iterator(items.begin()),
                               std::make_move_iterator(items.end()));
          }
          break;
        case Routing::kRoundRobin:
          if constexpr (std::is_same_v<Elem, T>) {
            for (Elem& x : items) batches_[next_member_++ % size_].push_back(std::move(x));
          }
          break;
        case Routing::kDemux:
          if constexpr (!std::is_same_v<Elem, T>) {
            for (Elem& x : items) route_demux(x);
          }
          break;
      }
    }

    void finish() override {
      const InstanceId self = core_.self();
      if (node_.routing_ == Routing::kBroadcast) {
        std::vector<InstanceId> to;
        for (uint32_t m = 0; m < size_; ++m) {
          const bool is_self = self.location == node_.destination_ && self.member.raw == m;
          if (!is_self || node_.include_self_) to.push_back(InstanceId{node_.destination_, MemberId{m}});
        }
        send_split(batches_[0], 0, batches_[0].size(), to);
        return;
      }
      for (uint32_t m = 0; m < batches_.size(); ++m) {
        send_split(batches_[m], 0, batches_[m].size(), {InstanceId{node_.destination_, MemberId{m}}});
      }
    }

   private:
    void route_demux(Elem& x) {
      if (x.first.raw >= size_) {
        EDDY_LOG(kWarning, "demux dropped an element for member ", x.first.raw, " of ",
                 core_.graph().location(node_.destination_).name, ", which has ", size_,
                 " members");
        return;
      }
      batches_[x.first.raw].push_back(std::move(x.second));
    }

    // Sends batch[begin, end) to every instance in `to`, serialized once, split in halves until
    // each message fits the transport's payload limit.
    void send_split(const std::vector<T>& batch, size_t begin, size_t end,
                    const std::vector<InstanceId>& to) {
      if (begin == end || to.empty()) return;
      std::string bytes;
      if (begin == 0 && end == batch.size()) {
        encode_batch(batch, &bytes);
      } else {
        encode_batch(std::vector<T>(batch.begin() + begin, batch.begin() + end), &bytes);
      }
      if (bytes.size() > core_.max_payload_bytes()) {
        if (end - begin == 1) {
          EDDY_LOG(kError, "dropped one ", type_name<T>(), " of ", bytes.size(),
                   " bytes on channel ", node_.id(), ": it alone exceeds the message limit of ",
                   core_.max_payload_bytes(), " bytes");
          return;
        }
        const size_t middle = begin + (end - begin) / 2;
        send_split(batch, begin, middle, to);
        send_split(batch, middle, end, to);
        return;
      }
      core_.count(node_.id(), end - begin);
      const Payload payload(std::move(bytes));
      for (const InstanceId& instance : to) core_.send(instance, node_.id(), payload);
    }

    const NetworkSendNode& node_;
    InstanceCore& core_;
    uint32_t size_;
    std::vector<std::vector<T>> batches_;
    uint64_t next_member_;
  };

  std::unique_ptr<ChunkSink<Elem>> make_typed_sink(InstanceBuilder& builder) const override {
    return std::make_unique<Sink>(*this, builder.core());
  }

 private:
  LocationId destination_;
  Routing routing_;
  bool include_self_;
};

// The receiving half. kKeyed: elements arrive as (sending member, element).
template <class T, bool kKeyed>
class NetworkRecvNode final
    : public SourceNode<std::vector<std::conditional_t<kKeyed, std::pair<MemberId, T>, T>>> {
  using Out = std::conditional_t<kKeyed, std::pair<MemberId, T>, T>;

 public:
  explicit NetworkRecvNode(NodeSpec spec)
      : SourceNode<std::vector<Out>>(std::move(spec), type_name<Out>()) {}
  bool receives_from_network() const override { return true; }

  std::unique_ptr<RuntimeNode> make_runtime(InstanceBuilder& b) const override {
    auto runtime = std::make_unique<Runtime>(b.core(), &b.port<std::vector<Out>>(this->id()),
                                             this->id());
    b.core().register_network_input(this->inputs().at(0), runtime.get());
    return runtime;
  }

 private:
  class Runtime final : public RuntimeNode, public NetworkInput {
   public:
    Runtime(InstanceCore& core, std::vector<Out>* out, NodeId id)
        : core_(core), out_(out), id_(id) {}

    absl::Status accept(const Envelope& envelope) override {
      if constexpr (kKeyed) {
        decoded_.clear();
        if (absl::Status s = decode_batch<T>(envelope.payload.view(), &decoded_); !s.ok()) return s;
        for (T& x : decoded_) pending_.emplace_back(envelope.from.member, std::move(x));
        return absl::OkStatus();
      } else {
        return decode_batch<T>(envelope.payload.view(), &pending_);
      }
    }

    void run() override {
      out_->clear();
      out_->swap(pending_);
      core_.count(id_, out_->size());
    }

   private:
    InstanceCore& core_;
    std::vector<Out>* out_;
    NodeId id_;
    std::vector<Out> pending_;
    std::vector<T> decoded_;
  };
};

}  // namespace eddy::internal

#endif  // EDDY_DATAFLOW_OPS_NETWORK_H_

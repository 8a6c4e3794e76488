// Liveness: which members of a cluster a server has heard from lately -- the failure detector of
// the KVS coordinator (coordinator.h) and of the cluster-state gateway
// (cluster_state_server_gateway.h). Each tells it when it hears from a member (a reply, a report,
// a heartbeat); a member counts as up while it was heard from less than `timeout` ago, and one
// never heard from counts from the first event the server handled. A zero timeout counts every
// member up. Time and Span: TimeMs and TimeMs, or Instant and Duration.
// Not thread safe: one tick loop owns it.
#ifndef EDDY_KVS_SERVERS_LIVENESS_H_
#define EDDY_KVS_SERVERS_LIVENESS_H_

#include <cstdint>
#include <optional>
#include <vector>

namespace eddy::kvs {

template <class Time, class Span>
class Liveness {
 public:
  explicit Liveness(Span timeout) : timeout_(timeout) {}

  // The first event's time; later calls change nothing.
  void start(Time now) {
    if (!started_) started_ = now;
  }
  void heard(uint32_t member, Time now) {
    if (heard_.size() <= member) heard_.resize(member + 1);
    heard_[member] = now;
  }

  // How long `member` has been silent at `now` (zero before start()).
  Span silent_for(uint32_t member, Time now) const {
    if (!started_) return Span{};
    const std::optional<Time> last = member < heard_.size() ? heard_[member] : std::nullopt;
    return now - last.value_or(*started_);
  }
  bool up(uint32_t member, Time now) const {
    return timeout_ == Span{} || silent_for(member, now) < timeout_;
  }
  Span timeout() const { return timeout_; }

 private:
  Span timeout_;
  std::optional<Time> started_;
  std::vector<std::optional<Time>> heard_;  // by member
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_SERVERS_LIVENESS_H_

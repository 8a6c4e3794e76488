// WriteNumbers: the numbers a coordinator gives the writes it sends one member (1, 2, 3, ...),
// and which of them that member has not answered yet, with their stamps (MemberOp::write_seq).
//
// Numbers are given in increasing order and answered in any order. Every operation is O(1)
// amortized: the window holds the numbers from the oldest unanswered one to the newest, and
// shrinks from the front as answers arrive. A plain value type; not thread safe.
#ifndef EDDY_KVS_SERVERS_WRITE_NUMBERS_H_
#define EDDY_KVS_SERVERS_WRITE_NUMBERS_H_

#include <cstdint>
#include <deque>

namespace eddy::kvs {

class WriteNumbers {
 public:
  // Numbers the next write, stamped `stamp`, as unanswered. Returns its number.
  uint64_t add(uint64_t stamp) {
    window_.push_back(Slot{stamp, false});
    return first_ + window_.size() - 1;
  }

  // Records that write `number` was answered. Numbers never given, or answered before, are
  // ignored.
  void answer(uint64_t number) {
    if (number < first_ || number - first_ >= window_.size()) return;
    window_[number - first_].answered = true;
    while (!window_.empty() && window_.front().answered) {
      window_.pop_front();
      ++first_;
    }
  }

  // True when every write numbered so far has been answered.
  bool all_answered() const { return window_.empty(); }
  // The oldest unanswered write's number, and its stamp. REQUIRES: !all_answered().
  uint64_t oldest() const { return first_; }
  uint64_t oldest_stamp() const { return window_.front().stamp; }

 private:
  struct Slot {
    uint64_t stamp = 0;
    bool answered = false;
  };
  uint64_t first_ = 1;       // the number of window_.front()
  std::deque<Slot> window_;  // numbers first_, first_ + 1, ...; the front one is unanswered
};

}  // namespace eddy::kvs

#endif  // EDDY_KVS_SERVERS_WRITE_NUMBERS_H_

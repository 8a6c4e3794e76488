// InstanceThread: runs one Instance's ticks on a thread of its own, whenever it has work, and
// sleeps otherwise (lazy ticks): until input wakes it or its earliest timer is due.
#ifndef EDDY_DATAFLOW_CORE_INTERNAL_INSTANCE_THREAD_H_
#define EDDY_DATAFLOW_CORE_INTERNAL_INSTANCE_THREAD_H_

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "dataflow/core/clock.h"
#include "dataflow/core/internal/instance.h"

namespace eddy::internal {

class InstanceThread {
 public:
  // `instance` and `clock` must outlive this object.
  InstanceThread(Instance& instance, const Clock& clock) : instance_(instance), clock_(clock) {}
  ~InstanceThread() { stop(); }
  InstanceThread(const InstanceThread&) = delete;
  InstanceThread& operator=(const InstanceThread&) = delete;

  // Installs the waker and starts the thread. Idempotent.
  void start();
  // Stops and joins the thread, finishing the tick in progress. Idempotent.
  void stop();

 private:
  void loop();
  void wake();

  Instance& instance_;
  const Clock& clock_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool woken_ = false;  // guarded by mutex_
  std::atomic<bool> stopping_{false};
};

}  // namespace eddy::internal

#endif  // EDDY_DATAFLOW_CORE_INTERNAL_INSTANCE_THREAD_H_

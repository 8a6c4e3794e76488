#include "dataflow/core/internal/instance_thread.h"

#include <algorithm>

namespace eddy::internal {

void InstanceThread::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  instance_.core().set_waker([this] { wake(); });
  thread_ = std::thread([this] { loop(); });
}

void InstanceThread::stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  wake();
  thread_.join();
  instance_.core().set_waker(nullptr);
}

void InstanceThread::wake() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    woken_ = true;
  }
  wake_.notify_one();
}

void InstanceThread::loop() {
  while (!stopping_) {
    if (instance_.has_work()) {
      instance_.run_tick();
      continue;
    }
    std::unique_lock<std::mutex> lock(mutex_);
    if (!woken_) {
      // A wake-up that arrived after has_work() looked is caught by woken_, under the lock.
      if (auto deadline = instance_.next_deadline()) {
        const Duration wait = std::max(Duration(0), *deadline - clock_.now());
        wake_.wait_for(lock, wait, [&] { return woken_; });
      } else {
        wake_.wait(lock, [&] { return woken_; });
      }
    }
    woken_ = false;
  }
}

}  // namespace eddy::internal

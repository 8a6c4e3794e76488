// IoLoop: one thread running a Boost.Asio io_context, shared by everything of one location
// instance that talks to the network (peer transport, client ports, admin endpoint).
// Include only from .cc files: it brings in Asio.
#ifndef EDDY_DATAFLOW_NET_IO_LOOP_H_
#define EDDY_DATAFLOW_NET_IO_LOOP_H_

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>
#include <thread>

namespace eddy {

class IoLoop {
 public:
  IoLoop() : work_(boost::asio::make_work_guard(context_)) {}
  ~IoLoop() { stop(); }
  IoLoop(const IoLoop&) = delete;
  IoLoop& operator=(const IoLoop&) = delete;

  boost::asio::io_context& context() { return context_; }

  // Starts the thread. Idempotent.
  void start() {
    if (!thread_.joinable()) thread_ = std::thread([this] { context_.run(); });
  }
  // Lets pending handlers finish, then stops and joins the thread. Idempotent.
  void stop() {
    work_.reset();
    context_.stop();
    if (thread_.joinable()) thread_.join();
  }
  bool in_loop_thread() const { return std::this_thread::get_id() == thread_.get_id(); }
  // True while the thread runs handlers (start() called, stop() not yet).
  bool running() const { return thread_.joinable(); }

 private:
  boost::asio::io_context context_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
};

}  // namespace eddy

#endif  // EDDY_DATAFLOW_NET_IO_LOOP_H_

// eddy::testing::Harness: runs a flow in one process, deterministically, in one call.
//
//   eddy::Flow flow;  ... build ...
//   eddy::testing::Harness h(flow, {{"workers", 3}});
//   h.run();                    // every instance until idle
//   h.advance(std::chrono::seconds(1));  // virtual time: timers fire on the way
//
// The harness owns a ManualClock starting at 0 and steps instances on the caller's thread, so a
// test's outcome depends only on the flow and its inputs. A flow that cannot run (validation,
// cluster sizes) fails the process with the reason: in a test that is a bug in the test.
#ifndef EDDY_DATAFLOW_TESTING_H_
#define EDDY_DATAFLOW_TESTING_H_

#include <map>
#include <memory>
#include <string>

#include "dataflow/core/check.h"
#include "dataflow/eddy.h"

namespace eddy::testing {

class Harness {
 public:
  explicit Harness(const Flow& flow, std::map<std::string, uint32_t> cluster_sizes = {},
                   uint64_t seed = 0) {
    RunOptions options;
    options.cluster_sizes = std::move(cluster_sizes);
    options.seed = seed;
    options.clock = &clock_;
    auto runner = InProcessRunner::create(flow, std::move(options));
    EDDY_CHECK(runner.ok(), "the flow under test cannot run: ", runner.status().ToString());
    runner_ = *std::move(runner);
  }

  // Runs every instance until none has work; returns the number of ticks run.
  uint64_t run() { return runner_->run_until_idle(); }
  // Moves virtual time forward, firing timers on the way (see InProcessRunner::advance).
  void advance(Duration d) { runner_->advance(d); }

  InProcessRunner& runner() { return *runner_; }
  ManualClock& clock() { return clock_; }
  // Ticks the instance `member` of `location` has run.
  template <class L>
  uint64_t ticks(const L& location, uint32_t member = 0) {
    return runner_->instance(InstanceId{location.id(), MemberId{member}}).ticks_run();
  }

 private:
  ManualClock clock_;
  std::unique_ptr<InProcessRunner> runner_;
};

}  // namespace eddy::testing

#endif  // EDDY_DATAFLOW_TESTING_H_

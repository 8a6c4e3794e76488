#include "dataflow/core/in_process_runner.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "dataflow/core/check.h"

namespace eddy {

absl::StatusOr<std::vector<uint32_t>> location_sizes(
    const Flow& flow, const std::map<std::string, uint32_t>& cluster_sizes) {
  std::vector<uint32_t> sizes;
  size_t clusters_named = 0;
  for (const auto& location : flow.graph().locations()) {
    if (location.kind != internal::LocationKind::kCluster) {
      sizes.push_back(1);
      continue;
    }
    auto it = cluster_sizes.find(location.name);
    if (it == cluster_sizes.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("cluster '", location.name, "' has no size; give it one when running"));
    }
    if (it->second == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("cluster '", location.name, "' needs at least one member"));
    }
    sizes.push_back(it->second);
    ++clusters_named;
  }
  if (clusters_named != cluster_sizes.size()) {
    for (const auto& [name, size] : cluster_sizes) {
      bool known = false;
      for (const auto& location : flow.graph().locations()) {
        known |= location.name == name && location.kind == internal::LocationKind::kCluster;
      }
      if (!known) {
        return absl::InvalidArgumentError(
            absl::StrCat("a size was given for '", name, "', which is not a cluster of this flow"));
      }
    }
  }
  return sizes;
}

absl::StatusOr<std::unique_ptr<InProcessRunner>> InProcessRunner::create(const Flow& flow,
                                                                         RunOptions options) {
  if (absl::Status status = flow.validate(); !status.ok()) return status;
  auto sizes = location_sizes(flow, options.cluster_sizes);
  if (!sizes.ok()) return sizes.status();
  return std::unique_ptr<InProcessRunner>(
      new InProcessRunner(flow, std::move(options), *std::move(sizes)));
}

InProcessRunner::InProcessRunner(const Flow& flow, RunOptions options, std::vector<uint32_t> sizes)
    : flow_(flow) {
  if (options.clock == nullptr) {
    owned_clock_ = std::make_unique<SteadyClock>();
    clock_ = owned_clock_.get();
  } else {
    clock_ = options.clock;
  }
  flow.graph().freeze();
  for (const auto& location : flow.graph().locations()) {
    if (location.kind == internal::LocationKind::kExternal) continue;
    for (uint32_t m = 0; m < sizes[location.id]; ++m) {
      const InstanceId id{location.id, MemberId{m}};
      transports_.push_back(network_.endpoint(id));
      instances_.push_back(std::make_unique<internal::Instance>(
          flow.graph(), id, sizes, *clock_, options.seed, transports_.back().get()));
    }
  }
  for (auto& instance : instances_) instance->start();
}

InProcessRunner::~InProcessRunner() {
  stop();
  for (auto& instance : instances_) instance->stop();
}

internal::Instance& InProcessRunner::instance(InstanceId id) {
  for (auto& instance : instances_) {
    if (instance->core().self() == id) return *instance;
  }
  EDDY_CHECK(false, "no instance of location ", id.location, " member ", id.member.raw);
  __builtin_unreachable();
}

bool InProcessRunner::step() {
  EDDY_CHECK(threads_.empty(), "step() while the runner's threads are running");
  for (size_t i = 0; i < instances_.size(); ++i) {
    const size_t index = (next_step_ + i) % instances_.size();
    if (instances_[index]->has_work()) {
      instances_[index]->run_tick();
      next_step_ = index + 1;
      return true;
    }
  }
  return false;
}

uint64_t InProcessRunner::run_until_idle(uint64_t max_ticks) {
  uint64_t ticks = 0;
  while (ticks < max_ticks && step()) ++ticks;
  return ticks;
}

void InProcessRunner::advance(Duration d) {
  auto* manual = dynamic_cast<ManualClock*>(clock_);
  EDDY_CHECK(manual != nullptr, "advance() needs a runner built with a ManualClock");
  const Instant target = manual->now() + d;
  run_until_idle();
  while (true) {
    std::optional<Instant> next;
    for (auto& instance : instances_) {
      auto deadline = instance->next_deadline();
      if (deadline && (!next || *deadline < *next)) next = deadline;
    }
    if (!next || *next > target) break;
    if (*next > manual->now()) manual->set(*next);
    run_until_idle();
  }
  manual->set(target);
  run_until_idle();
}

void InProcessRunner::start() {
  if (!threads_.empty()) return;
  for (auto& instance : instances_) {
    threads_.push_back(std::make_unique<internal::InstanceThread>(*instance, *clock_));
    threads_.back()->start();
  }
}

void InProcessRunner::stop() {
  for (auto& thread : threads_) thread->stop();
  threads_.clear();
}

}  // namespace eddy

// Engine micro benchmarks, each eddy figure beside a hand-written baseline in the same binary.
//
//   build/bin/dataflow_ops_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only
//
// BM_PipelineEddy / BM_PipelineHandWritten   map -> filter -> fold over 1,000,000 ints, one tick
// BM_KeyedFoldEddy / BM_KeyedFoldFlatHashMap fold_keyed of 1,000,000 pairs over 100,000 keys
// BM_EmptyTick                               a tick of a 10-operator flow with one new element
// BM_BroadcastInProcess                      1,000,000 ints broadcast to 3 members, in process
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "dataflow/testing.h"

namespace eddy {
namespace {

constexpr int kElements = 1'000'000;
constexpr int kKeys = 100'000;

std::vector<int> make_ints() {
  std::vector<int> v(kElements);
  Rng rng(1);
  for (int& x : v) x = static_cast<int>(rng.uniform(1'000'000));
  return v;
}

std::vector<std::pair<int, int64_t>> make_pairs() {
  std::vector<std::pair<int, int64_t>> v(kElements);
  Rng rng(2);
  for (auto& [k, x] : v) {
    k = static_cast<int>(rng.uniform(kKeys));
    x = static_cast<int64_t>(rng.uniform(1000));
  }
  return v;
}

// The computation both pipeline benchmarks do.
inline int64_t triple(int x) { return int64_t{x} * 3; }
inline bool keep(int64_t y) { return y % 7 != 0; }

void BM_PipelineHandWritten(benchmark::State& state) {
  const std::vector<int> input = make_ints();
  for (auto _ : state) {
    int64_t sum = 0;
    for (int x : input) {
      const int64_t y = triple(x);
      if (keep(y)) sum += y;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kElements);
}
BENCHMARK(BM_PipelineHandWritten)->Unit(benchmark::kMillisecond);

void BM_PipelineEddy(benchmark::State& state) {
  const std::vector<int> input = make_ints();
  Flow flow;
  auto p = flow.process("p");
  auto tick = p.tick();
  auto [sender, ints] = p.source_channel<int>();
  int64_t result = 0;
  ints.map([](int x) { return triple(x); })
      .filter([](int64_t y) { return keep(y); })
      .batch(tick)
      .fold(int64_t{0}, [](int64_t& sum, int64_t y) { sum += y; })
      .all_ticks()
      .for_each([&result](int64_t sum) { result = sum; });
  testing::Harness h(flow);
  h.run();
  for (auto _ : state) {
    state.PauseTiming();
    sender.send_batch(input);  // a fresh copy per tick, outside the timing
    state.ResumeTiming();
    h.run();
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations() * kElements);
}
BENCHMARK(BM_PipelineEddy)->Unit(benchmark::kMillisecond);

void BM_KeyedFoldFlatHashMap(benchmark::State& state) {
  const auto input = make_pairs();
  for (auto _ : state) {
    absl::flat_hash_map<int, int64_t> table;
    for (const auto& [k, x] : input) table[k] += x;
    benchmark::DoNotOptimize(table.size());
  }
  state.SetItemsProcessed(state.iterations() * kElements);
}
BENCHMARK(BM_KeyedFoldFlatHashMap)->Unit(benchmark::kMillisecond);

void BM_KeyedFoldEddy(benchmark::State& state) {
  const auto input = make_pairs();
  Flow flow;
  auto p = flow.process("p");
  auto tick = p.tick();
  auto [sender, pairs] = p.source_channel<std::pair<int, int64_t>>();
  size_t keys = 0;
  pairs.batch(tick)
      .fold_keyed(int64_t{0}, [](int64_t& sum, int64_t x) { sum += x; })
      .key_count()
      .all_ticks()
      .for_each([&keys](size_t n) { keys = n; });
  testing::Harness h(flow);
  h.run();
  for (auto _ : state) {
    state.PauseTiming();
    sender.send_batch(input);
    state.ResumeTiming();
    h.run();
    benchmark::DoNotOptimize(keys);
  }
  state.SetItemsProcessed(state.iterations() * kElements);
}
BENCHMARK(BM_KeyedFoldEddy)->Unit(benchmark::kMillisecond);

void BM_EmptyTick(benchmark::State& state) {
  Flow flow;
  auto p = flow.process("p");
  auto tick = p.tick();
  auto [sender, ints] = p.source_channel<int>();  // 1
  int64_t result = 0;
  auto batch = ints.map([](int x) { return x + 1; })  // 2
                   .filter([](const int& x) { return x > 0; })  // 3
                   .map([](int x) { return int64_t{x}; })  // 4
                   .batch(tick);  // 5
  batch.fold(int64_t{0}, [](int64_t& s, int64_t x) { s += x; })  // 6
      .zip(batch.count())  // 7, 8
      .map([](std::pair<int64_t, size_t> x) { return x.first + int64_t(x.second); })  // 9
      .all_ticks()
      .for_each([&result](int64_t x) { result += x; });  // 10 (all_ticks is free)
  testing::Harness h(flow);
  h.run();
  for (auto _ : state) {
    sender.send(1);
    h.run();
  }
  benchmark::DoNotOptimize(result);
}
BENCHMARK(BM_EmptyTick);

void BM_BroadcastInProcess(benchmark::State& state) {
  const std::vector<int> input = make_ints();
  Flow flow;
  auto p = flow.process("p");
  auto workers = flow.cluster("workers");
  auto [sender, ints] = p.source_channel<int>();
  auto received = std::make_shared<std::atomic<int64_t>>(0);
  ints.broadcast(workers).batch(workers.tick()).count().all_ticks().for_each(
      [received](size_t n) { received->fetch_add(static_cast<int64_t>(n)); });
  testing::Harness h(flow, {{"workers", 3}});
  h.run();
  for (auto _ : state) {
    state.PauseTiming();
    sender.send_batch(input);
    state.ResumeTiming();
    h.run();
  }
  if (received->load() != int64_t{3} * kElements * state.iterations()) {
    state.SkipWithError("not every member received every element");
  }
  state.SetItemsProcessed(state.iterations() * kElements);
}
BENCHMARK(BM_BroadcastInProcess)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace eddy

BENCHMARK_MAIN();

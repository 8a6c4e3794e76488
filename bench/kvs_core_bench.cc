// KVSCore's ht_build beside the hand-written loop it replaces, in one binary.
//
//   build/bin/kvs_core_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only
//
// BM_KvsCoreHtBuild   ht_build (across_ticks + reduce_keyed with the lattice's merge) over one
//                     tick of 1,000,000 puts to 100,000 keys (LWW values, 3-byte payloads, keys
//                     as redis-benchmark names them)
// BM_FlatHashMapPut   the same puts merged into an absl::flat_hash_map by a plain loop
#include <benchmark/benchmark.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "dataflow/testing.h"
#include "kvs/core/kvs_core.h"
#include "kvs/core/value_model.h"

namespace eddy::kvs {
namespace {

constexpr int kPuts = 1'000'000;
constexpr int kKeys = 100'000;

using Value = LwwModel::Value;
using Put = std::pair<Key, Value>;

std::vector<Put> make_puts() {
  std::vector<Put> puts;
  puts.reserve(kPuts);
  Rng rng(3);
  for (int i = 0; i < kPuts; ++i) {
    const uint64_t key = rng.uniform(kKeys);
    const Version version{static_cast<uint32_t>(rng.uniform(3)), static_cast<uint64_t>(i) + 1};
    puts.emplace_back(absl::StrCat("key:", absl::Dec(key, absl::kZeroPad12)),
                      LwwModel::write(std::string("xxx"), version, nullptr));
  }
  return puts;
}

void BM_FlatHashMapPut(benchmark::State& state) {
  const std::vector<Put> input = make_puts();
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<Put> puts = input;
    absl::flat_hash_map<Key, Value> table;
    state.ResumeTiming();
    for (Put& put : puts) {
      auto [it, inserted] = table.try_emplace(std::move(put.first), std::move(put.second));
      if (!inserted) it->second.merge(put.second);  // try_emplace moved nothing
    }
    benchmark::DoNotOptimize(table.size());
    state.PauseTiming();
    table = {};  // freeing the table is not part of a put
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kPuts);
}
BENCHMARK(BM_FlatHashMapPut)->Unit(benchmark::kMillisecond);

void BM_KvsCoreHtBuild(benchmark::State& state) {
  const std::vector<Put> input = make_puts();
  for (auto _ : state) {
    state.PauseTiming();
    // A fresh table each iteration, as the loop above starts from an empty map.
    auto flow = std::make_unique<Flow>();
    auto p = flow->process("store");
    auto [sender, puts] = p.source_channel<Put>();
    size_t keys = 0;
    ht_build(puts.batch(p.tick())).key_count().all_ticks().for_each([&keys](size_t n) {
      keys = n;
    });
    auto h = std::make_unique<testing::Harness>(*flow);
    h->run();
    sender.send_batch(input);
    state.ResumeTiming();
    h->run();
    benchmark::DoNotOptimize(keys);
    state.PauseTiming();
    h.reset();
    flow.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kPuts);
}
BENCHMARK(BM_KvsCoreHtBuild)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace eddy::kvs

BENCHMARK_MAIN();

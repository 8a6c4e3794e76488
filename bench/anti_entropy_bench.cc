// What one anti-entropy round costs on the wire when two 100,000-key replicas differ in 10 keys,
// beside what resending the whole table would cost. Prints one table; sizes are the serialized
// message bodies (Cereal binary, as the TCP transport sends them, without frame headers).
//
//   build/bin/anti_entropy_bench [--buckets=1024]
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "dataflow/serde/codec.h"
#include "kvs/core/anti_entropy.h"

ABSL_FLAG(uint32_t, buckets, 1024, "buckets per table summary");

namespace eddy::kvs {
namespace {

using Value = LwwModel::Value;
using Table = eddy::internal::StableMap<Key, Value>;
using View = eddy::internal::KeyedTableView<Key, Value>;

constexpr int kKeys = 100'000;
constexpr int kDiffering = 10;

int run(uint32_t buckets) {
  Table a, b;
  for (int i = 0; i < kKeys; ++i) {
    const Key key = absl::StrCat("key:", absl::Dec(i, absl::kZeroPad12));
    Value value =
        LwwModel::write(std::string("xxx"), Version{0, static_cast<uint64_t>(i) + 1}, nullptr);
    a.emplace(key, value);
    b.emplace(key, std::move(value));
  }
  for (int i = 0; i < kDiffering; ++i) {  // b wrote 10 keys a never heard of
    b[absl::StrCat("key:", absl::Dec(i * 9973, absl::kZeroPad12))] =
        LwwModel::write(std::string("new"), Version{1, kKeys + 1u + i}, nullptr);
  }
  const TableView<Key, Value> view_a(View{&a}), view_b(View{&b});

  // One round between a and b: each sends its summary; each answers the other's.
  std::string summary_a, summary_b, repair_to_a, repair_to_b, whole;
  encode_value(internal::summarize<LwwModel>(view_a, buckets, {}, 0), &summary_a);
  encode_value(internal::summarize<LwwModel>(view_b, buckets, {}, 0), &summary_b);
  const Repair<LwwModel> to_a = internal::repair_for<LwwModel>(
      view_b, internal::summarize<LwwModel>(view_a, buckets, {}, 0), {});
  const Repair<LwwModel> to_b = internal::repair_for<LwwModel>(
      view_a, internal::summarize<LwwModel>(view_b, buckets, {}, 0), {});
  encode_value(to_a, &repair_to_a);
  encode_value(to_b, &repair_to_b);
  std::vector<Write<LwwModel>> all;
  view_b.for_each([&](const Key& k, const Value& v) { all.push_back({k, v, Version{}}); });
  encode_batch(all, &whole);

  const size_t round =
      summary_a.size() + summary_b.size() + repair_to_a.size() + repair_to_b.size();
  std::printf("two replicas of %d keys differing in %d keys, %u buckets\n\n", kKeys, kDiffering,
              buckets);
  std::printf("| message | entries | bytes |\n|---|---|---|\n");
  std::printf("| summary a -> b | - | %zu |\n", summary_a.size());
  std::printf("| summary b -> a | - | %zu |\n", summary_b.size());
  std::printf("| repair b -> a | %zu | %zu |\n", to_a.entries.size(), repair_to_a.size());
  std::printf("| repair a -> b | %zu | %zu |\n", to_b.entries.size(), repair_to_b.size());
  std::printf("| **one round, both ways** | | **%zu** |\n", round);
  std::printf("| the whole table, once | %zu | %zu |\n", all.size(), whole.size());
  std::printf("\nround / whole table: %.4f\n", static_cast<double>(round) / whole.size());
  return 0;
}

}  // namespace
}  // namespace eddy::kvs

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return eddy::kvs::run(absl::GetFlag(FLAGS_buckets));
}

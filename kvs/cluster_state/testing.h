// Test support for the cluster-state CRDTs: random values over small domains, a check of the
// lattice laws, and gtest printers.
//
// The domains are tiny (a few times, replicas, values, elements, dots) so that random inputs
// collide often: equal stamps, overlapping dots, removes of concurrently added elements.
// Every generator draws only from the std::mt19937_64 it is given (seeded by the test), so a
// seed replays the same values. For tests only; not thread safe.
#ifndef EDDY_KVS_CLUSTER_STATE_TESTING_H_
#define EDDY_KVS_CLUSTER_STATE_TESTING_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <ostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "kvs/cluster_state/crdt.h"

namespace eddy::testing {

// A uniform integer in [0, bound). REQUIRES: bound > 0.
inline uint64_t uniform(std::mt19937_64& rng, uint64_t bound) {
  return std::uniform_int_distribution<uint64_t>(0, bound - 1)(rng);
}

// One of "r0", "r1", "r2".
inline std::string random_replica(std::mt19937_64& rng) {
  return "r" + std::to_string(uniform(rng, 3));
}

// Times in [1, 4), logical in [0, 2), replicas r0..r2: never the bottom Stamp{}.
inline kvs::Stamp random_stamp(std::mt19937_64& rng) {
  return kvs::Stamp{static_cast<kvs::TimeMs>(1 + uniform(rng, 3)),
                    static_cast<uint32_t>(uniform(rng, 2)), random_replica(rng)};
}

// Unset one time in five, else a value in [0, 4) at a random stamp.
inline kvs::LwwRegister<int> random_register(std::mt19937_64& rng) {
  if (uniform(rng, 5) == 0) return kvs::LwwRegister<int>();
  return kvs::LwwRegister<int>(static_cast<int>(uniform(rng, 4)), random_stamp(rng));
}

// Elements "a".."c"; each dot (r0..r1, 1..3) of each element is absent, live or removed.
inline kvs::OrSet<std::string> random_or_set(std::mt19937_64& rng) {
  kvs::OrSet<std::string> set;
  for (const char* element : {"a", "b", "c"}) {
    for (const char* replica : {"r0", "r1"}) {
      for (uint64_t counter = 1; counter <= 3; ++counter) {
        uint64_t what = uniform(rng, 4);
        if (what == 0) continue;
        kvs::OrSet<std::string> one;
        one.add(element, kvs::Dot{replica, counter});
        if (what == 3) one.remove(element);
        set.merge(one);
      }
    }
  }
  return set;
}

// 0 to 3 puts or erases of keys "a".."c" at random stamps.
inline kvs::LwwMap<std::string, int> random_lww_map(std::mt19937_64& rng) {
  kvs::LwwMap<std::string, int> map;
  for (uint64_t n = uniform(rng, 4); n > 0; --n) {
    std::string key(1, static_cast<char>('a' + uniform(rng, 3)));
    kvs::LwwMap<std::string, int> one;
    if (uniform(rng, 3) == 0) {
      one.erase(key, random_stamp(rng));
    } else {
      one.put(key, static_cast<int>(uniform(rng, 3)), random_stamp(rng));
    }
    map.merge(one);
  }
  return map;
}

// A TaskProgress with the given fields (the rest empty), without -Wmissing-field-initializers.
inline kvs::TaskProgress progress(kvs::TaskStatus status, std::string node = "",
                                  kvs::TimeMs start = 0, kvs::TimeMs end = 0,
                                  std::string result_cid = "", std::string error = "") {
  kvs::TaskProgress p;
  p.status = status;
  p.assigned_node_id = std::move(node);
  p.start_time = start;
  p.end_time = end;
  p.result_cid = std::move(result_cid);
  p.error_message = std::move(error);
  return p;
}

// Checks, over `cases` random triples from `gen`, that `merge` (returning the join of its two
// arguments) is commutative, associative and idempotent, and that folding a random list with
// duplicates in two random orders gives the same result.
template <class T>
void expect_lattice_laws(std::mt19937_64& rng, const std::function<T(std::mt19937_64&)>& gen,
                         const std::function<T(T, const T&)>& merge, int cases) {
  for (int i = 0; i < cases; ++i) {
    T a = gen(rng), b = gen(rng), c = gen(rng);
    ASSERT_EQ(merge(a, b), merge(b, a)) << "commutativity, case " << i;
    ASSERT_EQ(merge(merge(a, b), c), merge(a, merge(b, c))) << "associativity, case " << i;
    ASSERT_EQ(merge(a, a), a) << "idempotence, case " << i;
    ASSERT_EQ(merge(merge(a, b), b), merge(a, b)) << "duplicate delivery, case " << i;
    ASSERT_EQ(merge(T(), a), a) << "bottom is the identity, case " << i;
    std::vector<T> values = {a, b, c, a, gen(rng), b};
    std::vector<T> shuffled = values;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    T x, y;
    for (const T& v : values) x = merge(x, v);
    for (const T& v : shuffled) y = merge(y, v);
    ASSERT_EQ(x, y) << "order of delivery, case " << i;
  }
}

}  // namespace eddy::testing

// gtest printers, found by argument-dependent lookup, so a failed EXPECT_EQ shows the values.
namespace eddy::kvs {

inline void PrintTo(const Stamp& stamp, std::ostream* os) {
  *os << "Stamp(" << stamp.time << "." << stamp.logical << "@" << stamp.replica << ")";
}

inline void PrintTo(const Dot& dot, std::ostream* os) { *os << dot.replica << ":" << dot.counter; }

template <class T>
void PrintTo(const LwwRegister<T>& reg, std::ostream* os) {
  if (!reg.is_set()) {
    *os << "LwwRegister(unset)";
    return;
  }
  *os << "LwwRegister(" << ::testing::PrintToString(reg.value()) << " at ";
  PrintTo(reg.stamp(), os);
  *os << ")";
}

template <class T>
void PrintTo(const OrSet<T>& set, std::ostream* os) {
  *os << "OrSet{";
  for (const auto& [element, tags] : set.tags()) {
    *os << ::testing::PrintToString(element) << ": live" << ::testing::PrintToString(tags.live)
        << " removed" << ::testing::PrintToString(tags.removed) << "; ";
  }
  *os << "}";
}

}  // namespace eddy::kvs

#endif  // EDDY_KVS_CLUSTER_STATE_TESTING_H_

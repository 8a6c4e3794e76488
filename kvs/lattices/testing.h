// Test support for the lattice types: random values over small domains, and gtest printers.
//
// The domains are deliberately tiny (a handful of timestamps, writers, replicas, counters and
// payloads) so that random inputs collide often: equal versions with different payloads, equal
// clocks, overlapping sets. Every generator draws only from the eddy::Rng it is given, so a
// seed replays the same values. For tests only; not thread safe (neither is Rng).
#ifndef EDDY_KVS_LATTICES_TESTING_H_
#define EDDY_KVS_LATTICES_TESTING_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <utility>

#include "dataflow/core/rng.h"
#include "kvs/lattices/causal.h"
#include "kvs/lattices/lww.h"
#include "kvs/lattices/map_union.h"
#include "kvs/lattices/max.h"
#include "kvs/lattices/set_union.h"
#include "kvs/lattices/vector_clock.h"

namespace eddy::testing {

// Arbitrary<T>::random(rng) returns a random T from a small domain. Specialized below for the
// payload types the tests use and for every lattice type.
template <class T>
struct Arbitrary;

template <>
struct Arbitrary<int> {
  static int random(Rng& rng) { return static_cast<int>(rng.uniform(3)); }
};

template <>
struct Arbitrary<std::string> {
  static std::string random(Rng& rng) {
    static const char* const kWords[] = {"", "x", "y", "xy"};
    return kWords[rng.uniform(4)];
  }
};

// Empty (a causal-mode delete) one time in four.
template <class T>
struct Arbitrary<std::optional<T>> {
  static std::optional<T> random(Rng& rng) {
    if (rng.uniform(4) == 0) return std::nullopt;
    return Arbitrary<T>::random(rng);
  }
};

// Timestamps in [0, 3), writers in [0, 2), a tombstone one time in four.
template <class V>
struct Arbitrary<kvs::Lww<V>> {
  static kvs::Lww<V> random(Rng& rng) {
    uint64_t timestamp = rng.uniform(3);
    uint64_t writer = rng.uniform(2);
    if (rng.uniform(4) == 0) return kvs::Lww<V>::tombstone(timestamp, writer);
    return kvs::Lww<V>::write(timestamp, writer, Arbitrary<V>::random(rng));
  }
};

// Replicas "a", "b", "c", each with a counter in [0, 3) (0 meaning absent).
template <>
struct Arbitrary<kvs::VectorClock> {
  static kvs::VectorClock random(Rng& rng) {
    kvs::VectorClock clock;
    for (const char* replica : {"a", "b", "c"}) {
      for (uint64_t n = rng.uniform(3); n > 0; --n) clock.increment(replica);
    }
    return clock;
  }
};

// The join of 0 to 3 random writes.
template <class V>
struct Arbitrary<kvs::Causal<V>> {
  static kvs::Causal<V> random(Rng& rng) {
    kvs::Causal<V> causal;
    for (uint64_t n = rng.uniform(4); n > 0; --n) {
      kvs::VectorClock clock = Arbitrary<kvs::VectorClock>::random(rng);
      causal.merge(kvs::Causal<V>::write(std::move(clock), Arbitrary<V>::random(rng)));
    }
    return causal;
  }
};

// Four random draws from T's domain: usually a partial, overlapping subset.
template <class T>
struct Arbitrary<kvs::SetUnion<T>> {
  static kvs::SetUnion<T> random(Rng& rng) {
    kvs::SetUnion<T> set;
    for (int i = 0; i < 4; ++i) set.insert(Arbitrary<T>::random(rng));
    return set;
  }
};

// The bottom one time in four.
template <class T>
struct Arbitrary<kvs::Max<T>> {
  static kvs::Max<T> random(Rng& rng) {
    if (rng.uniform(4) == 0) return kvs::Max<T>();
    return kvs::Max<T>(Arbitrary<T>::random(rng));
  }
};

// 0 to 2 entries with random keys and values.
template <class K, class L>
struct Arbitrary<kvs::MapUnion<K, L>> {
  static kvs::MapUnion<K, L> random(Rng& rng) {
    kvs::MapUnion<K, L> map;
    for (uint64_t n = rng.uniform(3); n > 0; --n) {
      K key = Arbitrary<K>::random(rng);
      map.merge_entry(key, Arbitrary<L>::random(rng));
    }
    return map;
  }
};

}  // namespace eddy::testing

// gtest printers, found by argument-dependent lookup, so a failed EXPECT_EQ shows the values.
namespace eddy::kvs {

inline void PrintTo(Causality causality, std::ostream* os) {
  switch (causality) {
    case Causality::kBefore:
      *os << "kBefore";
      return;
    case Causality::kAfter:
      *os << "kAfter";
      return;
    case Causality::kEqual:
      *os << "kEqual";
      return;
    case Causality::kConcurrent:
      *os << "kConcurrent";
      return;
  }
  *os << "Causality(" << static_cast<int>(causality) << ")";
}

inline void PrintTo(const VectorClock& clock, std::ostream* os) {
  *os << "{";
  const char* separator = "";
  for (const auto& [id, counter] : clock.entries()) {
    *os << separator << id << ":" << counter;
    separator = ", ";
  }
  *os << "}";
}

template <class V>
void PrintTo(const Lww<V>& lww, std::ostream* os) {
  *os << "Lww(t=" << lww.timestamp() << ", w=" << lww.writer() << ", ";
  if (lww.is_tombstone()) {
    *os << "tombstone)";
  } else {
    *os << ::testing::PrintToString(*lww.value()) << ")";
  }
}

template <class V>
void PrintTo(const Causal<V>& causal, std::ostream* os) {
  *os << "Causal[";
  const char* separator = "";
  for (const auto& sibling : causal.siblings()) {
    *os << separator << ::testing::PrintToString(sibling.clock) << "="
        << ::testing::PrintToString(sibling.value);
    separator = ", ";
  }
  *os << "]";
}

template <class T>
void PrintTo(const SetUnion<T>& set, std::ostream* os) {
  *os << "SetUnion" << ::testing::PrintToString(set.elements());
}

template <class T>
void PrintTo(const Max<T>& max, std::ostream* os) {
  *os << "Max(" << ::testing::PrintToString(max.value()) << ")";
}

template <class K, class L>
void PrintTo(const MapUnion<K, L>& map, std::ostream* os) {
  *os << "MapUnion" << ::testing::PrintToString(map.entries());
}

}  // namespace eddy::kvs

#endif  // EDDY_KVS_LATTICES_TESTING_H_

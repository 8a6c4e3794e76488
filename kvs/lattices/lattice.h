// Lattice: the concept every value type of the key-value store satisfies, and merged().
//
// A lattice value only ever grows: merge(other) moves it to the least upper bound of itself and
// other. Merge is associative, commutative and idempotent, so replicas that see the same updates
// in any order, any number of times, end equal. A default-constructed value is the bottom (the
// identity of merge). Lattice values are plain values: no threads, no ticks, no shared state;
// a value is not thread safe, copies are independent.
#ifndef EDDY_KVS_LATTICES_LATTICE_H_
#define EDDY_KVS_LATTICES_LATTICE_H_

#include <concepts>

#include "cereal/archives/binary.hpp"

namespace eddy::kvs {

// T is a lattice when:
//   T() is the bottom: merging it into any value changes nothing;
//   bool merge(const T& other) sets *this to the join of *this and other, and returns true iff
//     *this changed (exactly: the result is != the value before);
//   operator== says whether two values are the same lattice element;
//   serialize(Archive&) writes and reads it with Cereal (binary archives checked here).
template <class T>
concept Lattice = std::copyable<T> && std::default_initializable<T> &&
    std::equality_comparable<T> &&
    requires(T& value, const T& other, cereal::BinaryOutputArchive& out,
             cereal::BinaryInputArchive& in) {
  { value.merge(other) } -> std::same_as<bool>;
  value.serialize(out);
  value.serialize(in);
};

// Returns the join of a and b, leaving both unchanged.
template <Lattice L>
L merged(L a, const L& b) {
  a.merge(b);
  return a;
}

}  // namespace eddy::kvs

#endif  // EDDY_KVS_LATTICES_LATTICE_H_

// Test-only: replaces the global operator new of the test binary to record the largest single
// allocation, so tests can prove a parser never allocates what a peer merely claims. Linked
// into tests only. Thread safe (an atomic); counts every thread's allocations.
#ifndef EDDY_KVS_PROTOCOL_INTERNAL_TEST_ALLOCATIONS_H_
#define EDDY_KVS_PROTOCOL_INTERNAL_TEST_ALLOCATIONS_H_

#include <cstddef>

namespace eddy::kvs::internal {

// Records the largest operator-new allocation made while it is alive (not nestable).
class LargestAllocation {
 public:
  LargestAllocation();
  LargestAllocation(const LargestAllocation&) = delete;
  LargestAllocation& operator=(const LargestAllocation&) = delete;

  // Returns the size in bytes of the largest allocation since construction.
  size_t bytes() const;
};

}  // namespace eddy::kvs::internal

#endif  // EDDY_KVS_PROTOCOL_INTERNAL_TEST_ALLOCATIONS_H_

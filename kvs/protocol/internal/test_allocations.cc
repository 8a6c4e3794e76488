#include "kvs/protocol/internal/test_allocations.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

namespace {

std::atomic<size_t> largest{0};

}  // namespace

void* operator new(size_t n) {
  size_t seen = largest.load(std::memory_order_relaxed);
  while (n > seen && !largest.compare_exchange_weak(seen, n, std::memory_order_relaxed)) {
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  std::fprintf(stderr, "test operator new: out of memory allocating %zu bytes\n", n);
  std::abort();
}

void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace eddy::kvs::internal {

LargestAllocation::LargestAllocation() { largest.store(0, std::memory_order_relaxed); }

size_t LargestAllocation::bytes() const { return largest.load(std::memory_order_relaxed); }

}  // namespace eddy::kvs::internal

// What the fuzz targets share: a property check that libFuzzer reports as a crash, and the split
// point each target derives from its input's first byte.
//
// A failed EDDY_FUZZ_CHECK prints the property that broke and traps, so libFuzzer saves the input
// as crash-<sha1> and the stack shows the line. Single-threaded, like every fuzz target here.
#ifndef EDDY_FUZZ_FUZZ_CHECK_H_
#define EDDY_FUZZ_FUZZ_CHECK_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>

#define EDDY_FUZZ_CHECK(condition, what)                                                    \
  do {                                                                                      \
    if (!(condition)) {                                                                     \
      std::fprintf(stderr, "%s:%d: property broken: %s (%s)\n", __FILE__, __LINE__, (what), \
                   #condition);                                                             \
      __builtin_trap();                                                                     \
    }                                                                                       \
  } while (0)

namespace eddy::fuzz {

// Where to cut the input in two: a position in [0, size] chosen by its first byte, so the
// fuzzer explores every split of short inputs and a spread of splits of long ones.
inline size_t split_point(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  return static_cast<size_t>(data[0]) * (size + 1) / 256;
}

}  // namespace eddy::fuzz

#endif  // EDDY_FUZZ_FUZZ_CHECK_H_

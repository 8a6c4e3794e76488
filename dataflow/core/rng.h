// Rng: the only source of randomness inside eddy (a determinism seam).
//
// Every location instance gets its own Rng, seeded from the run's seed and the instance's
// identity, so a run replays bit for bit from its seed. Not thread safe: an Rng belongs to one
// location instance and is used on its thread.
#ifndef EDDY_DATAFLOW_CORE_RNG_H_
#define EDDY_DATAFLOW_CORE_RNG_H_

#include <cstdint>

namespace eddy {

class Rng {
 public:
  // A generator whose whole output is decided by `seed` (xoshiro256**, seeded by splitmix64).
  explicit Rng(uint64_t seed);

  // Returns the next 64 uniformly distributed bits.
  uint64_t next();
  // Returns a uniform integer in [0, bound). REQUIRES: bound > 0.
  uint64_t uniform(uint64_t bound);
  // Returns true with probability p (clamped to [0, 1]).
  bool chance(double p);
  // Returns a uniform double in [0, 1).
  double unit();

 private:
  uint64_t s_[4];
};

// splitmix64: a strong 64-bit mixing function, also used to derive per-instance seeds.
uint64_t mix64(uint64_t x);

}  // namespace eddy

#endif  // EDDY_DATAFLOW_CORE_RNG_H_

// Counter-based draws (docs/model.md §9.1): the C++ twin of src/util/counter-rng.ts. Only
// 32-bit integer operations, so both give the same numbers (test/util/counter-rng.test.ts).
#pragma once

#include <cmath>
#include <cstdint>

namespace mx {

inline uint32_t lowbias32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

inline uint32_t mixKey(uint32_t h, uint32_t w) { return lowbias32((h ^ w) + 0x9e3779b9u); }

constexpr uint32_t kKeyStart = 0x6a09e667u;
constexpr uint32_t kStreamReadNoise = 3;

// Irwin-Hall sum of 12 uniform bytes, centred: exact in a double.
inline double normalOf(uint32_t h) {
  int32_t s = 0;
  for (uint32_t d = 0; d < 3; d++) {
    const uint32_t u = mixKey(h, d);
    s += static_cast<int32_t>((u & 255) + ((u >> 8) & 255) + ((u >> 16) & 255) + (u >> 24));
  }
  return static_cast<double>(s - 1530) / 256.0;
}

// Read noise of one column (docs/model.md §9.3): floor(M/256 + sqrt(V/256)·z + 1/2), with V and M
// the column's sums of the per-cell variance and mean (units of 1/256 LSB² and 1/256 LSB).
// The volatile keeps the product and the sum separately rounded (no fused multiply-add),
// as in TypeScript.
inline int64_t columnNoise(int64_t V, int64_t M, uint32_t h) {
  if (V == 0 && M == 0) return 0;
  const double z = normalOf(h);
  const double a = static_cast<double>(M) / 256.0;
  const double s = std::sqrt(static_cast<double>(V) / 256.0);
  volatile double c = s * z;
  volatile double d = a + c;
  return static_cast<int64_t>(std::floor(d + 0.5));
}

}  // namespace mx

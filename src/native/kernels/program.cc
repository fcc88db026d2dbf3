// Programming outside MT-map (program.h): the fault draw and the cells' conductances.
#include "program.h"

#include "threads.h"

namespace mx {
namespace {

// pure-rand 8.x xoroshiro128plus (lib/esm/generator/xoroshiro128plus.js), its 32-bit halves
// and operations: the JavaScript `|0`, `<<`, `>>>` and `^` on int32 are these on uint32.
struct Xoroshiro128Plus {
  uint32_t s01, s00, s11, s10;
  explicit Xoroshiro128Plus(uint32_t seed) : s01(0xffffffffu), s00(~seed), s11(seed), s10(0) {}
  uint32_t next() {
    const uint32_t out = s00 + s10;
    const uint32_t a0 = s10 ^ s00, a1 = s11 ^ s01;
    const uint32_t p00 = s00, p01 = s01;
    s00 = (p00 << 24) ^ (p01 >> 8) ^ a0 ^ (a0 << 16);
    s01 = (p01 << 24) ^ (p00 >> 8) ^ a1 ^ ((a1 << 16) | (a0 >> 16));
    s10 = (a1 << 5) ^ (a0 >> 27);
    s11 = (a0 << 5) ^ (a1 >> 27);
    return out;
  }
};

constexpr uint8_t kSA0 = 1, kSA1 = 2;  // src/crossbar/faults.ts SA0, SA1

}  // namespace

void drawFaultCells(const std::vector<FaultDraw>& layers, double stuckBelow, double sa1Below, int threads) {
  // Largest layers first, one layer per block: a layer's draws are one sequence.
  std::vector<size_t> order(layers.size());
  for (size_t i = 0; i < order.size(); i++) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return layers[a].n > layers[b].n; });
  parallelBlocks(int64_t(order.size()), 1, threads, [&](int64_t b, int64_t e, int) {
    for (int64_t k = b; k < e; k++) {
      const FaultDraw& l = layers[order[size_t(k)]];
      Xoroshiro128Plus rng(l.seed);
      // A cell takes one draw, or two when stuck: branching on each (50 % at rate 0.5) costs a
      // misprediction per cell, so the draws are made ahead, each turned into two flags (below
      // the rate's threshold: bit 0; below the SA1 share's: bit 1), and the cells consume them
      // without branches (the same draws in the same order). For an integer u, u < x ⟺ u < ⌈x⌉.
      const uint64_t t0 = uint64_t(std::ceil(std::min(stuckBelow, 4294967296.0))), t1 = uint64_t(std::ceil(std::min(std::max(sa1Below, 0.0), 4294967296.0)));
      constexpr int kBuf = 4096;
      uint8_t flags[kBuf + 2];
      int have = 0, at = 0;
      uint8_t* const cells = l.cells;
      const int64_t n = l.n;
      for (int64_t i = 0; i < n; i++) {
        if (at + 2 > have) {
          const int keep = have - at;
          for (int k = 0; k < keep; k++) flags[k] = flags[at + k];
          for (have = keep; have < kBuf; have++) {
            const uint64_t u = rng.next();
            flags[have] = static_cast<uint8_t>((u < t0 ? 1 : 0) | (u < t1 ? 2 : 0));
          }
          at = 0;
        }
        const int stuck = flags[at] & 1;
        const int sa1 = flags[at + 1] >> 1;
        cells[i] = static_cast<uint8_t>(stuck * (kSA0 + sa1 * (kSA1 - kSA0)));
        at += 1 + stuck;
      }
    }
  });
}

void cellConductances(const uint8_t* levels, const uint8_t* faults, int64_t n, const int32_t* levelG, int levelCount, int32_t gMin, int32_t gMax, int32_t* G, int threads) {
  // Every level indexes levelG (checked by the caller); a table of 256 by level, then one load per cell.
  int32_t byLevel[256];
  for (int v = 0; v < 256; v++) byLevel[v] = v < levelCount ? levelG[v] : 0;
  parallelFor(n, threads, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) {
      const uint8_t f = faults[i];
      G[i] = f == kSA1 ? gMax : f == kSA0 ? gMin : byLevel[levels[i]];
    }
  });
}

}  // namespace mx

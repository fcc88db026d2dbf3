// Programming a crossbar for a new fault map, outside MT-map: the fault draw (src/crossbar/faults.ts
// drawFaults) and the cells' conductances (src/crossbar/reference.ts cellConductances), the same
// values as the TypeScript versions (test/native/program.test.ts), layers spread over threads.
#pragma once

#include "common.h"

namespace mx {

// One layer's draw: for each cell i in order, u = next(); if u < stuckBelow, the cell is SA1 (2)
// when next() < sa1Below, else SA0 (1). The generator is pure-rand's xoroshiro128plus seeded with
// `seed` (src/util/rng.ts Rng: seed = mixSeed(user seed, layer index)), 32 bits per draw.
struct FaultDraw {
  uint8_t* cells;
  int64_t n;
  uint32_t seed;
};
void drawFaultCells(const std::vector<FaultDraw>& layers, double stuckBelow, double sa1Below, int threads);

// G[i] = faults[i] == SA1 ? gMax : faults[i] == SA0 ? gMin : levelG[levels[i]].
void cellConductances(const uint8_t* levels, const uint8_t* faults, int64_t n, const int32_t* levelG, int levelCount, int32_t gMin, int32_t gMax, int32_t* G, int threads);

}  // namespace mx

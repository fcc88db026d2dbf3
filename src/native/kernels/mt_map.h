// MT-map's programming of one layer (src/mitigation/mt.ts mtMapPlan, offset.ts, pairs.ts,
// stuck.ts): the re-encoding of every weight around its stuck cells, the coordinate descent on
// each row tile's eᵀ·Cov·e and the mean output error per column, spread over threads by output
// column. Bit for bit the TypeScript version's numbers (same operations in the same order, no
// floating-point contraction); test/mitigation/mt-native.test.ts compares them.
#pragma once

#include "common.h"

namespace mx {

// What both schemes read: the layer's layout (src/crossbar/layout.ts Layout, one part), its
// integer weights [o·R + r], fault codes per physical cell, the row map, E[x_r], Var(x_r) and,
// when present, the rows' covariances per row tile (RowActivity.covariance).
struct MtLayer {
  int R, C, rows, cols, S, cellBits, weightBits, outputsPerTile, Wc, rowTiles, colTiles, physCols;
  bool offset;
  const int32_t* qWeight;
  const uint8_t* cells;
  const int32_t* rowMap;
  const double* mean;
  const double* variance;
  const double* covariance;  // null: no descent
};

// Offset scheme, first stage: the cost and energy of every (row tile rt, output o, zero point
// zeros[zi], polarity inv) column with each weight re-encoded alone, at
// costs[(((rt·C + o)·2 + zi)·2 + inv)·2 + {0: cost, 1: energy}] (mt.ts mtMapOffset `column`).
void mtOffsetCosts(const MtLayer& L, const int32_t zeros[2], double* costs, int threads);

// Offset scheme, second stage, for the chosen zero[rt·colTiles + ct] and inverted[rt·C + o]:
// stored[o·R + r], refStored[r·colTiles + ct] and meanError[o] = Σ_r E[x_r]·e_r after the descent.
void mtOffsetMap(const MtLayer& L, const int32_t* zero, const uint8_t* inverted, int32_t* stored, int32_t* refStored, double* meanError, int threads);

// Both stages in one call, the stuck masks and best references built once: the costs, then
// choose() (which fills zero and inverted from them; false: stop, outputs incomplete), then the map.
bool mtOffsetPlan(const MtLayer& L, const int32_t zeros[2], double* costs, const std::function<bool()>& choose, const int32_t* zero, const uint8_t* inverted, int32_t* stored, int32_t* refStored,
                  double* meanError, int threads);

// Differential pairs: pairPos / pairNeg [o·R + r] (bestPair, then the descent) and meanError[o].
// Returns false (outputs incomplete) when a pair search met an unreachable reading (`bad` names it).
bool mtPairsMap(const MtLayer& L, int32_t* pairPos, int32_t* pairNeg, double* meanError, int threads, std::string& bad);

// MT's row covariances (src/mitigation/row-activity.ts rowActivity): for each patch p of
// `patches`, M[t·n² + i·n + j] += x[p·rows + t·n + i] · x[p·rows + t·n + j] for every row tile t
// and i ≤ j (the upper triangle; rowActivity mirrors it). Integer products summed in doubles
// below 2⁵³: exact in any order, so the tiles are spread over threads.
void tileMoments(const int32_t* x, int rows, const int32_t* patches, int count, int n, double* M, int threads);

}  // namespace mx

// A prepared crossbar layer (Plan) and what runLayer reports (RunStats).
#pragma once

#include "vec.h"

namespace mx {

// ---------------------------------------------------------------------------------------
// A programmed crossbar layer (src/engine/fast.ts packLayer) and what is derived from it.
//
// Cells are given as "conductance planes": bit masks M_u over the rows of a read group, so
// that a column current is I = gMin*n + sum_u w_u * popcount(inputBits & M_u) (n = active
// rows). For a linear device the planes are the level bits (w_u = dG * 2^u); for a
// nonlinear one plane u marks the cells at level u + 1 (w_u = G(u+1) - gMin).
//
// Three ways to compute a layer, all giving the integers of docs/model.md §4-5 exactly:
//   - GEMM (linear device, lossless ADC, no current histogram): the layer is exactly linear
//     in its inputs (proof at gemmPlan below), an integer matrix product;
//   - bit-sliced (linear 1-bit cells, fixed ADC; single-ended units or differential pairs):
//     the GEMM minus a correction computed every read, lane by lane;
//   - general: every read, column by column (any device, scheme, ADC, with a histogram).
struct Plan {
  int64_t R, C, bits, rowTiles, G, PR, tileRows, W, J, U, physRows, nUnits;
  bool linear, differential, lossless;
  int64_t m, maxCode, gMin, dG, step;
  std::vector<int32_t> p2l, unitPos, unitNeg, tStart, tUnit, tCoef;
  std::vector<uint64_t> masks;
  std::vector<double> planeWeight;
  std::vector<int64_t> F;
  // F terms of the decomposed paths (buildGemm, buildBitsliced): Fg[n] is what the GEMM adds
  // per read with n active rows and unit coefficient, Fbs[n] the constant the bit-sliced
  // correction adds to a unit's count. Single-ended units: both F. Differential units (fixed
  // ADC): Fg[n] = h for n > 0 (h = 2^(m-1), 0 for m = 0), Fbs[n] = (h - n) mod 2^m.
  std::vector<int64_t> Fg, Fbs;
  // Differential clamping reads (bit-sliced): per n, the clamp bounds of u = t >> m.
  std::vector<int64_t> diffHi, diffLo;
  std::vector<int64_t> cAll;  // differential: sum of the coefficients of the terms of (rt, o)
  // Per physical row: sum over all physical columns of the cell level (linear devices).
  std::vector<int64_t> rowLevelSum;
  // physToLogical is the identity on [0, R) (and -1 beyond): the plain row map.
  bool identityRows = true;
  // Read noise (docs/model.md §9.3; general path only): per physical cell, row-major, the variance
  // (1/256 LSB^2) and mean (1/256 LSB) of one read; draws keyed by (noiseSeed, layer, rt, g, k, p, j).
  bool noise = false;
  uint32_t layer = 0, noiseSeed = 0;
  std::vector<int64_t> noiseV, noiseM;
  // Per-cell conductances (cells.cc; docs/model.md §9.6): when `cells`, the layer has no bit planes
  // and runLayer reads cellG [physRows][Jp] (LSB, rows padded with zeros to Jp, a multiple of 16)
  // and the read noise as noiseVp / noiseMp with the same layout.
  bool cells = false, noiseHasMean = false;
  int64_t Jp = 0;
  std::vector<int32_t> cellG;
  std::vector<int64_t> noiseVp, noiseMp;
  // When every read's sums fit 32 bits (max |cell value| * PR < 2^31): noiseV32 / noiseM32 instead.
  bool noise32 = false;
  std::vector<int32_t> noiseV32, noiseM32;
  // Chunked per-cell path (cells.cc prepareCellsChunked): units renumbered chunk by chunk.
  bool cellsChunked = false;
  std::vector<int32_t> chunkUnitStart, chunkUnitPos, chunkUnitNeg, tUnitChunked;

  // ---- bit-sliced paths
  bool lanesOk = false;     // lanes and row vectors built (buildLanes)
  bool bsOk = false;        // fixed-ADC correction tables built (buildBitsliced)
  int64_t nch = 0;          // lane chunks of 512 units
  int B = 0, NT = 0, NL = 0, NA = 0;
  int64_t maxL = 0;         // bound of one sweep's correction sum_k 2^k corr_k
  int64_t heavyN = 0;       // reads with at least this many active rows may clamp
  bool bsFlushPerTile = false;
  std::vector<int64_t> rowLS;         // per logical row: rowLevelSum of its physical row (0 if unmapped)
  std::vector<int32_t> slotOfUnit;    // where bsTranspose puts unit u's value
  // Terms as gathers, 16 outputs a block: [variant][block][slot][16] slots and coefficients
  // (variant = row tile when the terms differ per tile, else 0); padding has coefficient 0.
  bool termsInt32 = false;
  int64_t termVariants = 0, termBlocks = 0, termSlots = 0;
  std::vector<int32_t> termIdx, termCoef;
  std::vector<uint8_t> termKind;      // [variant][block][slot]: 0 consecutive, 1 two values, 2 gather
  std::vector<int32_t> termAlt;       // kind 1: the second value's position
  std::vector<uint16_t> termAltMask;  // kind 1: the lanes that read it
  // [rowTiles][rowsV][nch]: bit l = cell of unit 512*ch + l. Single-ended: rowsV = tileRows + 1
  // (row tileRows: zeros). Differential: rowsV = 2*tileRows + 1, row i the G+ cell, row
  // tileRows + i the complement of the G- cell (so a unit's count over both is V+ + n - V-).
  std::vector<Blk> rowVec;
  int64_t rowsV = 0;
  int64_t listMul = 1;      // row-vector entries per active row: 1, or 2 for differential units

  // ---- GEMM path
  bool gemmOk = false;
  bool amx = false;         // kind 3: AMX tiles (kq a multiple of 16)
  bool hiPass = false;      // kind 3: some weights outside [-64, 63] (wPackedHi holds their high part)
  int gemmKind = 0;         // 0 int64 scalar, 1 VNNI u8 x s8 (+ sparse residual), 2 VNNI s16 x s16, 3 AMX u8 x s8 (two passes)
  int64_t nob = 0, kq = 0;  // 32-output blocks; k-quads (kind 1) or k-pairs (kind 2)
  std::vector<int32_t> weff;             // [C][R] effective integer weights
  std::vector<int64_t> rowW;             // per logical row: gMin*J + dG*rowLevelSum (energy figure)
  std::vector<int64_t> cSE;              // [rowTiles][C]: sum of single-ended coefficients
  bool anyC = false;
  struct Resid {
    int32_t o, r, d;
  };
  std::vector<Resid> resid;              // kind 1: weff - clamp(weff, -128, 127), nonzero entries
#if defined(MX_AVX512)
  std::vector<Blk> wPacked;              // [2*nob][kq] zmm of 16 outputs x (4 or 2) rows
  std::vector<Blk> wPackedHi;            // kind 3: the high parts floor((w + 64) / 128)
#endif

  int64_t levelAt(int64_t pr, int64_t j) const {
    const int64_t rt = pr / tileRows, i = pr % tileRows, g = i / PR, bit = i - g * PR, w = bit >> 6;
    int64_t lev = 0;
    for (int64_t u = 0; u < U; u++) {
      const uint64_t b = (masks[(((rt * G + g) * U + u) * W + w) * J + j] >> (bit & 63)) & 1;
      if (b) lev = linear ? lev + (int64_t(1) << u) : u + 1;
    }
    return lev;
  }
};

// Per run: the energy figure and the reads with an active row.
struct RunStats {
  double currentSum = 0;
  int64_t activeReads = 0;
};

// prepareLayer(args) → an opaque plan for runLayer (args: src/native/addon.ts CrossbarLayerArgs).
Napi::Value PrepareLayer(const Napi::CallbackInfo& info);

}  // namespace mx

// The per-cell path (cells.h): a layer whose cells hold arbitrary integer conductances
// (programming schemes, variation, drift, IR drop; docs/model.md §9-10) and, optionally, read
// noise. Every read, column by column, as the general path, but a column current is the sum of
// the active rows' conductances taken whole (int32 vector adds over the listed rows) instead of
// popcounts over 13 or more bit planes, the read noise of a read's columns is drawn 16 columns at
// a time (the counter-based generator of counter_rng.h in vector lanes: the same integers), and
// the ADC divides by a reciprocal with an exact integer correction instead of an integer division.
#include "cells.h"

#include "counter_rng.h"
#include "threads.h"

namespace mx {

namespace {

#if defined(MX_AVX512)
inline __m512i lowbias32v(__m512i x) {
  x = _mm512_xor_si512(x, _mm512_srli_epi32(x, 16));
  x = _mm512_mullo_epi32(x, _mm512_set1_epi32(0x7feb352d));
  x = _mm512_xor_si512(x, _mm512_srli_epi32(x, 15));
  x = _mm512_mullo_epi32(x, _mm512_set1_epi32(static_cast<int32_t>(0x846ca68bu)));
  x = _mm512_xor_si512(x, _mm512_srli_epi32(x, 16));
  return x;
}
inline __m512i mixKeyV(__m512i h, __m512i w) { return lowbias32v(_mm512_add_epi32(_mm512_xor_si512(h, w), _mm512_set1_epi32(static_cast<int32_t>(0x9e3779b9u)))); }
#endif

// I[j] = sum over the listed rows (offsets into G, in elements) of G[off + j], j in [0, Jp).
inline void sumRows32(const int32_t* G, const int64_t* off, int64_t n, int64_t Jp, int32_t* I) {
#if defined(MX_AVX512)
  int64_t j = 0;
  for (; j + 64 <= Jp; j += 64) {
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    for (int64_t t = 0; t < n; t++) {
      const int32_t* g = G + off[t] + j;
      a0 = _mm512_add_epi32(a0, _mm512_loadu_si512(g));
      a1 = _mm512_add_epi32(a1, _mm512_loadu_si512(g + 16));
      a2 = _mm512_add_epi32(a2, _mm512_loadu_si512(g + 32));
      a3 = _mm512_add_epi32(a3, _mm512_loadu_si512(g + 48));
    }
    _mm512_storeu_si512(I + j, a0);
    _mm512_storeu_si512(I + j + 16, a1);
    _mm512_storeu_si512(I + j + 32, a2);
    _mm512_storeu_si512(I + j + 48, a3);
  }
  for (; j < Jp; j += 16) {
    __m512i a = _mm512_setzero_si512();
    for (int64_t t = 0; t < n; t++) a = _mm512_add_epi32(a, _mm512_loadu_si512(G + off[t] + j));
    _mm512_storeu_si512(I + j, a);
  }
#else
  std::fill(I, I + Jp, 0);
  for (int64_t t = 0; t < n; t++) {
    const int32_t* g = G + off[t];
    for (int64_t j = 0; j < Jp; j++) I[j] += g[j];
  }
#endif
}

// S[j] = sum over the listed rows of A[off + j] (64-bit), j in [0, Jp).
inline void sumRows64(const int64_t* A, const int64_t* off, int64_t n, int64_t Jp, int64_t* S) {
#if defined(MX_AVX512)
  int64_t j = 0;
  for (; j + 32 <= Jp; j += 32) {
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    for (int64_t t = 0; t < n; t++) {
      const int64_t* g = A + off[t] + j;
      a0 = _mm512_add_epi64(a0, _mm512_loadu_si512(g));
      a1 = _mm512_add_epi64(a1, _mm512_loadu_si512(g + 8));
      a2 = _mm512_add_epi64(a2, _mm512_loadu_si512(g + 16));
      a3 = _mm512_add_epi64(a3, _mm512_loadu_si512(g + 24));
    }
    _mm512_storeu_si512(S + j, a0);
    _mm512_storeu_si512(S + j + 8, a1);
    _mm512_storeu_si512(S + j + 16, a2);
    _mm512_storeu_si512(S + j + 24, a3);
  }
  for (; j < Jp; j += 8) {
    __m512i a = _mm512_setzero_si512();
    for (int64_t t = 0; t < n; t++) a = _mm512_add_epi64(a, _mm512_loadu_si512(A + off[t] + j));
    _mm512_storeu_si512(S + j, a);
  }
#else
  std::fill(S, S + Jp, 0);
  for (int64_t t = 0; t < n; t++) {
    const int64_t* g = A + off[t];
    for (int64_t j = 0; j < Jp; j++) S[j] += g[j];
  }
#endif
}

}  // namespace

namespace {

#if defined(MX_AVX512)
// 8 lanes of V[j..j+8) as doubles (exact: |V| < 2^53).
inline __m512d toDouble8(const int64_t* V) { return _mm512_cvtepi64_pd(_mm512_loadu_si512(V)); }
inline __m512d toDouble8(const int32_t* V) { return _mm512_cvtepi32_pd(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(V))); }
#endif

// out[i] = columnNoise(V[i], M[i], mixKey(key, j0 + i)), i in [0, n).
template <typename T>
void noiseRow(const T* V, const T* M, uint32_t key, int64_t j0, int64_t n, int64_t* out) {
  int64_t j = 0;
#if defined(MX_AVX512) && defined(__AVX512DQ__)
  const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i keyV = _mm512_set1_epi32(static_cast<int32_t>(key));
  const __m512i m8 = _mm512_set1_epi32(0x00ff00ff);
  const __m512d inv256 = _mm512_set1_pd(1.0 / 256.0), half = _mm512_set1_pd(0.5);
  for (; j + 16 <= n; j += 16) {
    // normalOf(mixKey(key, j)): the sum of the 12 bytes of mixKey(h, d), d = 0, 1, 2, minus 1530.
    const __m512i h = mixKeyV(keyV, _mm512_add_epi32(_mm512_set1_epi32(static_cast<int32_t>(j0 + j)), iota));
    __m512i pairs = _mm512_setzero_si512();  // two 16-bit byte sums per lane (each at most 6 * 255)
    for (int d = 0; d < 3; d++) {
      const __m512i u = mixKeyV(h, _mm512_set1_epi32(d));
      pairs = _mm512_add_epi32(pairs, _mm512_and_si512(u, m8));
      pairs = _mm512_add_epi32(pairs, _mm512_and_si512(_mm512_srli_epi32(u, 8), m8));
    }
    const __m512i s = _mm512_sub_epi32(_mm512_add_epi32(_mm512_and_si512(pairs, _mm512_set1_epi32(0xffff)), _mm512_srli_epi32(pairs, 16)), _mm512_set1_epi32(1530));
    for (int q = 0; q < 2; q++) {
      // z, V/256, M/256 are exact (a power-of-two scale); sqrt, the product and the sum are
      // correctly rounded, and the empty asm keeps the product from fusing into the sum.
      const __m512d z = _mm512_mul_pd(_mm512_cvtepi32_pd(q ? _mm512_extracti64x4_epi64(s, 1) : _mm512_castsi512_si256(s)), inv256);
      const __m512d v = _mm512_mul_pd(toDouble8(V + j + 8 * q), inv256);
      const __m512d a = _mm512_mul_pd(toDouble8(M + j + 8 * q), inv256);
      __m512d c = _mm512_mul_pd(_mm512_sqrt_pd(v), z);
      __asm__("" : "+v"(c));
      __m512d dd = _mm512_add_pd(a, c);
      __asm__("" : "+v"(dd));
      const __m512d f = _mm512_roundscale_pd(_mm512_add_pd(dd, half), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
      _mm512_storeu_si512(out + j + 8 * q, _mm512_cvtpd_epi64(f));
    }
  }
#endif
  for (; j < n; j++) out[j] = columnNoise(V[j], M[j], mixKey(key, static_cast<uint32_t>(j0 + j)));
}

}  // namespace

void columnNoiseRow(const int64_t* V, const int64_t* M, uint32_t key, int64_t n, int64_t* out) { noiseRow(V, M, key, 0, n, out); }
void columnNoiseRow32(const int32_t* V, const int32_t* M, uint32_t key, int64_t n, int64_t* out) { noiseRow(V, M, key, 0, n, out); }

// Per-cell path: as runGeneral (general.cc), with column currents I_j = sum over the active rows of
// the cell conductance (LSB), plus the read noise; a unit's code is clamp(floor((2I + step) / (2 step))).
void runCells(const Plan& pl, const int32_t* x, int64_t P, double* acc, int threads, double* hist, int64_t histBins, RunStats& out) {
  const int64_t R = pl.R, C = pl.C, bits = pl.bits, rowTiles = pl.rowTiles, groups = pl.G, PR = pl.PR, tileRows = pl.tileRows;
  const int64_t W = pl.W, J = pl.J, Jp = pl.Jp, m = pl.m, nUnits = pl.nUnits, dG = pl.dG, step = pl.step;
  const bool differential = pl.differential, wantHist = hist != nullptr, noise = pl.noise, noiseMean = pl.noiseHasMean;
  const int64_t clampHi = pl.maxCode < 0 ? INT64_MAX : pl.maxCode;
  const int64_t clampLo = pl.maxCode < 0 ? INT64_MIN : (differential ? -pl.maxCode : 0);
  const int64_t mulM = int64_t(1) << m;
  const int64_t d2 = 2 * step;
  const double inv = 1.0 / static_cast<double>(d2);
  const int32_t* physToLogical = pl.p2l.data();
  const int32_t* G = pl.cellG.data();
  const int64_t *NVc = pl.noiseVp.data(), *NMc = pl.noiseMp.data();
  const int32_t *NV32 = pl.noiseV32.data(), *NM32 = pl.noiseM32.data();
  const bool noise32 = pl.noise32;
  const int32_t *unitPos = pl.unitPos.data(), *unitNeg = pl.unitNeg.data();
  const int32_t *tStart = pl.tStart.data(), *tUnit = pl.tUnit.data(), *tCoef = pl.tCoef.data();
  const int nThreads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, P)));
  std::mutex histMutex;
  std::vector<double> currentSums(nThreads, 0.0);
  std::vector<int64_t> activeReads(nThreads, 0);
  std::atomic<int64_t> nextPatch{0};
  Pool::get().run(nThreads, [&](int tid) {
    std::vector<int32_t> I(Jp);
    std::vector<int64_t> Itot(Jp), unitAcc(nUnits), nv(noise && !noise32 ? Jp : 0), nm(noise && !noise32 ? Jp : 0), nz(noise ? Jp : 0);
    std::vector<int32_t> nv32(noise32 ? Jp : 0), nm32(noise32 ? Jp : 0);
    std::vector<int64_t> rows(bits * PR);  // active rows of each input bit, as element offsets of their cells
    std::vector<uint64_t> in(bits * W);
    std::vector<double> T(C);
    std::vector<double> localHist(wantHist ? histBins : 0);
    int64_t nRows[32];
    double currentSum = 0;
    int64_t active = 0;
    for (int64_t p; (p = nextPatch.fetch_add(1)) < P;) {
      const int32_t* xp = x + p * R;
      std::fill(T.begin(), T.end(), 0.0);
      for (int64_t rt = 0; rt < rowTiles; rt++) {
        std::fill(unitAcc.begin(), unitAcc.end(), 0);
        for (int64_t g = 0; g < groups; g++) {
          std::fill(in.begin(), in.end(), 0);
          const int64_t rowBase = rt * tileRows + g * PR;
          const int64_t rowsHere = std::min(PR, tileRows - g * PR);
          for (int64_t i = 0; i < rowsHere; i++) {
            const int32_t r = physToLogical[rowBase + i];
            if (r < 0) continue;
            uint32_t v = static_cast<uint32_t>(xp[r]);
            while (v) {
              const int k = __builtin_ctz(v);
              v &= v - 1;
              if (k < bits) in[k * W + (i >> 6)] |= uint64_t(1) << (i & 63);
            }
          }
          for (int64_t k = 0; k < bits; k++) {
            int64_t n = 0;
            for (int64_t w = 0; w < W; w++) {
              uint64_t bw = in[k * W + w];
              while (bw) {
                const int b = __builtin_ctzll(bw);
                bw &= bw - 1;
                rows[k * PR + n++] = (rowBase + w * 64 + b) * Jp;
              }
            }
            nRows[k] = n;
          }
          for (int64_t k = 0; k < bits; k++) {
            const int64_t n = nRows[k];
            if (n == 0) continue;  // a read with no active row reads I = 0: code 0, nothing to add
            active++;
            const int64_t* off = rows.data() + k * PR;
            sumRows32(G, off, n, Jp, I.data());
            if (noise) {
              uint32_t key = kKeyStart;
              for (uint32_t word : {pl.noiseSeed, kStreamReadNoise, pl.layer, static_cast<uint32_t>(rt), static_cast<uint32_t>(g), static_cast<uint32_t>(k), static_cast<uint32_t>(p)}) key = mixKey(key, word);
              if (noise32) {
                // The sums fit 32 bits (checked at prepareLayer): half the memory traffic.
                sumRows32(NV32, off, n, Jp, nv32.data());
                if (noiseMean) sumRows32(NM32, off, n, Jp, nm32.data());
                else std::fill(nm32.begin(), nm32.end(), 0);
                columnNoiseRow32(nv32.data(), nm32.data(), key, J, nz.data());
              } else {
                sumRows64(NVc, off, n, Jp, nv.data());
                if (noiseMean) sumRows64(NMc, off, n, Jp, nm.data());
                else std::fill(nm.begin(), nm.end(), 0);
                columnNoiseRow(nv.data(), nm.data(), key, J, nz.data());
              }
              for (int64_t j = 0; j < J; j++) Itot[j] = static_cast<int64_t>(I[j]) + nz[j];
            } else {
              for (int64_t j = 0; j < J; j++) Itot[j] = I[j];
            }
            int64_t sumI = 0;
            for (int64_t j = 0; j < J; j++) sumI += Itot[j];
            currentSum += static_cast<double>(sumI);
            const int64_t weight = mulM << k;
            const int64_t* It = Itot.data();
            int64_t u = 0;
#if defined(MX_AVX512) && defined(__AVX512DQ__)
            if (!wantHist) {
              const __m512i stepV = _mm512_set1_epi64(step), d2V = _mm512_set1_epi64(d2), one = _mm512_set1_epi64(1);
              const __m512i hiV = _mm512_set1_epi64(clampHi), loV = _mm512_set1_epi64(clampLo);
              const __m512d invV = _mm512_set1_pd(inv);
              const __m128i shift = _mm_cvtsi64_si128(m + k);
              for (; u + 8 <= nUnits; u += 8) {
                __m512i cur = _mm512_i32gather_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(unitPos + u)), It, 8);
                if (differential) cur = _mm512_sub_epi64(cur, _mm512_i32gather_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(unitNeg + u)), It, 8));
                const __m512i a = _mm512_add_epi64(_mm512_add_epi64(cur, cur), stepV);
                __m512i q = _mm512_cvtpd_epi64(_mm512_roundscale_pd(_mm512_mul_pd(_mm512_cvtepi64_pd(a), invV), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC));
                const __m512i rem = _mm512_sub_epi64(a, _mm512_mullo_epi64(q, d2V));
                q = _mm512_mask_add_epi64(q, _mm512_cmpge_epi64_mask(rem, d2V), q, one);
                q = _mm512_mask_sub_epi64(q, _mm512_cmplt_epi64_mask(rem, _mm512_setzero_si512()), q, one);
                q = _mm512_max_epi64(_mm512_min_epi64(q, hiV), loV);
                __m512i* ua = reinterpret_cast<__m512i*>(unitAcc.data() + u);
                _mm512_storeu_si512(ua, _mm512_add_epi64(_mm512_loadu_si512(ua), _mm512_sll_epi64(q, shift)));
              }
            }
#endif
            for (; u < nUnits; u++) {
              const int64_t cur = differential ? It[unitPos[u]] - It[unitNeg[u]] : It[unitPos[u]];
              // floor(a / d2) by a reciprocal: off by at most one (|a| < 2^40), then corrected exactly.
              const int64_t a = 2 * cur + step;
              int64_t q = static_cast<int64_t>(std::floor(static_cast<double>(a) * inv));
              const int64_t rem = a - q * d2;
              q += (rem >= d2) - (rem < 0);
              q = q > clampHi ? clampHi : (q < clampLo ? clampLo : q);
              unitAcc[u] += q * weight;
              if (wantHist) {
                const int64_t bin = (cur < 0 ? -cur : cur) / dG;
                localHist[bin < histBins ? bin : histBins - 1] += 1;
              }
            }
          }
        }
        addTerms(tStart, tCoef, rt, C, [&](int32_t e) { return unitAcc[tUnit[e]]; }, T.data());
      }
      for (int64_t o = 0; o < C; o++) acc[o * P + p] += T[o];
    }
    currentSums[tid] = currentSum;
    activeReads[tid] = active;
    if (wantHist) {
      std::lock_guard<std::mutex> lock(histMutex);
      for (int64_t i = 0; i < histBins; i++) hist[i] += localHist[i];
    }
  });
  for (int t = 0; t < nThreads; t++) {
    out.currentSum += currentSums[t];
    out.activeReads += activeReads[t];
  }
}

// ---------------------------------------------------------------------------------------
// The chunked per-cell path: the same integers as runCells, computed 64 columns at a time so that
// the conductances (and read-noise tables) of a read group's rows over those columns stay in the
// L1 cache while every read of a block of patches uses them, and the units of those columns are
// converted at once (units renumbered so that a chunk's units are consecutive).

namespace {

constexpr int64_t kChunk = 64;
constexpr int64_t kBlock = 8;  // patches per block

// Itot[i] = sum over the listed rows of G[off + j0 + i] (+ read noise), i in [0, 64).
template <int NoiseKind>
inline void chunkCurrents(const Plan& pl, const int64_t* off, int64_t n, int64_t j0, uint32_t key, int64_t* Itot) {
  alignas(64) int32_t I[kChunk];
  alignas(64) int32_t V32[kChunk], M32[kChunk];
  alignas(64) int64_t V64[kChunk], M64[kChunk], nz[kChunk];
  const int32_t* G = pl.cellG.data() + j0;
#if defined(MX_AVX512)
  {
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    for (int64_t t = 0; t < n; t++) {
      const int32_t* g = G + off[t];
      a0 = _mm512_add_epi32(a0, _mm512_loadu_si512(g));
      a1 = _mm512_add_epi32(a1, _mm512_loadu_si512(g + 16));
      a2 = _mm512_add_epi32(a2, _mm512_loadu_si512(g + 32));
      a3 = _mm512_add_epi32(a3, _mm512_loadu_si512(g + 48));
    }
    _mm512_store_si512(I, a0);
    _mm512_store_si512(I + 16, a1);
    _mm512_store_si512(I + 32, a2);
    _mm512_store_si512(I + 48, a3);
  }
#else
  std::fill(I, I + kChunk, 0);
  for (int64_t t = 0; t < n; t++)
    for (int64_t i = 0; i < kChunk; i++) I[i] += G[off[t] + i];
#endif
  if constexpr (NoiseKind == 0) {
    for (int64_t i = 0; i < kChunk; i++) Itot[i] = I[i];
    return;
  } else if constexpr (NoiseKind == 1) {
    sumRows32(pl.noiseV32.data() + j0, off, n, kChunk, V32);
    if (pl.noiseHasMean) sumRows32(pl.noiseM32.data() + j0, off, n, kChunk, M32);
    else std::fill(M32, M32 + kChunk, 0);
    noiseRow(V32, M32, key, j0, kChunk, nz);
  } else {
    sumRows64(pl.noiseVp.data() + j0, off, n, kChunk, V64);
    if (pl.noiseHasMean) sumRows64(pl.noiseMp.data() + j0, off, n, kChunk, M64);
    else std::fill(M64, M64 + kChunk, 0);
    noiseRow(V64, M64, key, j0, kChunk, nz);
  }
  for (int64_t i = 0; i < kChunk; i++) Itot[i] = static_cast<int64_t>(I[i]) + nz[i];
}

template <int NoiseKind>
void runCellsChunked(const Plan& pl, const int32_t* x, int64_t P, double* acc, int threads, double* hist, int64_t histBins, RunStats& out) {
  const int64_t R = pl.R, C = pl.C, bits = pl.bits, rowTiles = pl.rowTiles, groups = pl.G, PR = pl.PR, tileRows = pl.tileRows;
  const int64_t W = pl.W, Jp = pl.Jp, m = pl.m, nUnits = pl.nUnits, dG = pl.dG, step = pl.step;
  const int64_t nChunks = Jp / kChunk;
  const bool differential = pl.differential, wantHist = hist != nullptr;
  const int64_t clampHi = pl.maxCode < 0 ? INT64_MAX : pl.maxCode;
  const int64_t clampLo = pl.maxCode < 0 ? INT64_MIN : (differential ? -pl.maxCode : 0);
  const int64_t d2 = 2 * step;
  const double inv = 1.0 / static_cast<double>(d2);
  const int32_t* physToLogical = pl.p2l.data();
  const int32_t *cuStart = pl.chunkUnitStart.data(), *cuPos = pl.chunkUnitPos.data(), *cuNeg = pl.chunkUnitNeg.data();
  const int32_t *tStart = pl.tStart.data(), *tUnit = pl.tUnitChunked.data(), *tCoef = pl.tCoef.data();
  const int64_t blocks = (P + kBlock - 1) / kBlock;
  const int nThreads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, blocks)));
  std::mutex histMutex;
  std::vector<double> currentSums(nThreads, 0.0);
  std::vector<int64_t> activeReads(nThreads, 0);
  std::atomic<int64_t> nextBlock{0};
  // Single-ended units without a histogram: a unit's code is a function of its column's current
  // alone, so every column of a chunk is converted (contiguous lanes, no gather) and accumulated
  // per column; the terms then read the column of each unit.
  const bool perColumn = !differential && !wantHist;
  const int64_t accLen = perColumn ? Jp : nUnits;
  const int32_t* unitPos = pl.unitPos.data();
  Pool::get().run(nThreads, [&](int tid) {
    std::vector<int64_t> unitAcc(kBlock * accLen);
    std::vector<int64_t> rows(kBlock * bits * PR);  // active rows of (patch, input bit), as element offsets of their cells
    std::vector<int64_t> nRows(kBlock * bits);
    std::vector<uint32_t> keys(kBlock * bits);
    std::vector<uint64_t> in(bits * W);
    std::vector<double> T(kBlock * C);
    std::vector<double> localHist(wantHist ? histBins : 0);
    alignas(64) int64_t Itot[kChunk];
    double currentSum = 0;
    int64_t active = 0;
    for (int64_t blk; (blk = nextBlock.fetch_add(1)) < blocks;) {
      const int64_t p0 = blk * kBlock, B = std::min(kBlock, P - p0);
      std::fill(T.begin(), T.end(), 0.0);
      for (int64_t rt = 0; rt < rowTiles; rt++) {
        std::fill(unitAcc.begin(), unitAcc.end(), 0);
        for (int64_t g = 0; g < groups; g++) {
          const int64_t rowBase = rt * tileRows + g * PR;
          const int64_t rowsHere = std::min(PR, tileRows - g * PR);
          for (int64_t b = 0; b < B; b++) {
            const int32_t* xp = x + (p0 + b) * R;
            std::fill(in.begin(), in.end(), 0);
            for (int64_t i = 0; i < rowsHere; i++) {
              const int32_t r = physToLogical[rowBase + i];
              if (r < 0) continue;
              uint32_t v = static_cast<uint32_t>(xp[r]);
              while (v) {
                const int k = __builtin_ctz(v);
                v &= v - 1;
                if (k < bits) in[k * W + (i >> 6)] |= uint64_t(1) << (i & 63);
              }
            }
            for (int64_t k = 0; k < bits; k++) {
              int64_t n = 0;
              int64_t* rl = rows.data() + (b * bits + k) * PR;
              for (int64_t w = 0; w < W; w++) {
                uint64_t bw = in[k * W + w];
                while (bw) {
                  const int bit = __builtin_ctzll(bw);
                  bw &= bw - 1;
                  rl[n++] = (rowBase + w * 64 + bit) * Jp;
                }
              }
              nRows[b * bits + k] = n;
              if (n) active++;
              if constexpr (NoiseKind != 0) {
                uint32_t key = kKeyStart;
                for (uint32_t word : {pl.noiseSeed, kStreamReadNoise, pl.layer, static_cast<uint32_t>(rt), static_cast<uint32_t>(g), static_cast<uint32_t>(k), static_cast<uint32_t>(p0 + b)}) key = mixKey(key, word);
                keys[b * bits + k] = key;
              }
            }
          }
          for (int64_t c = 0; c < nChunks; c++) {
            const int64_t j0 = c * kChunk, us = cuStart[c], ue = cuStart[c + 1];
            for (int64_t b = 0; b < B; b++) {
              int64_t* ua = unitAcc.data() + b * accLen;
              for (int64_t k = 0; k < bits; k++) {
                const int64_t n = nRows[b * bits + k];
                if (n == 0) continue;  // a read with no active row reads I = 0: code 0, nothing to add
                chunkCurrents<NoiseKind>(pl, rows.data() + (b * bits + k) * PR, n, j0, keys[b * bits + k], Itot);
                int64_t sumI = 0;
                for (int64_t i = 0; i < kChunk; i++) sumI += Itot[i];
                currentSum += static_cast<double>(sumI);
                const int64_t shift = m + k;
                int64_t u = us;
                if (perColumn) {
                  int64_t* ca = ua + j0;
                  int64_t i = 0;
#if defined(MX_AVX512) && defined(__AVX512DQ__)
                  const __m512i stepV = _mm512_set1_epi64(step), d2V = _mm512_set1_epi64(d2), one = _mm512_set1_epi64(1);
                  const __m512i hiV = _mm512_set1_epi64(clampHi), loV = _mm512_set1_epi64(clampLo);
                  const __m512d invV = _mm512_set1_pd(inv);
                  const __m128i sh = _mm_cvtsi64_si128(shift);
                  for (; i < kChunk; i += 8) {
                    const __m512i cur = _mm512_load_si512(Itot + i);
                    const __m512i a = _mm512_add_epi64(_mm512_add_epi64(cur, cur), stepV);
                    __m512i q = _mm512_cvtpd_epi64(_mm512_roundscale_pd(_mm512_mul_pd(_mm512_cvtepi64_pd(a), invV), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC));
                    const __m512i rem = _mm512_sub_epi64(a, _mm512_mullo_epi64(q, d2V));
                    q = _mm512_mask_add_epi64(q, _mm512_cmpge_epi64_mask(rem, d2V), q, one);
                    q = _mm512_mask_sub_epi64(q, _mm512_cmplt_epi64_mask(rem, _mm512_setzero_si512()), q, one);
                    q = _mm512_max_epi64(_mm512_min_epi64(q, hiV), loV);
                    _mm512_storeu_si512(ca + i, _mm512_add_epi64(_mm512_loadu_si512(ca + i), _mm512_sll_epi64(q, sh)));
                  }
#endif
                  for (; i < kChunk; i++) {
                    const int64_t a = 2 * Itot[i] + step;
                    int64_t q = static_cast<int64_t>(std::floor(static_cast<double>(a) * inv));
                    const int64_t rem = a - q * d2;
                    q += (rem >= d2) - (rem < 0);
                    q = q > clampHi ? clampHi : (q < clampLo ? clampLo : q);
                    ca[i] += q * (int64_t(1) << shift);
                  }
                  continue;
                }
#if defined(MX_AVX512) && defined(__AVX512DQ__)
                if (!wantHist) {
                  const __m512i stepV = _mm512_set1_epi64(step), d2V = _mm512_set1_epi64(d2), one = _mm512_set1_epi64(1);
                  const __m512i hiV = _mm512_set1_epi64(clampHi), loV = _mm512_set1_epi64(clampLo);
                  const __m512d invV = _mm512_set1_pd(inv);
                  const __m128i sh = _mm_cvtsi64_si128(shift);
                  for (; u < ue; u += 8) {
                    const __mmask8 mk = ue - u >= 8 ? __mmask8(0xFF) : __mmask8((1u << (ue - u)) - 1);
                    __m512i cur = _mm512_mask_i32gather_epi64(_mm512_setzero_si512(), mk, _mm256_maskz_loadu_epi32(mk, cuPos + u), Itot, 8);
                    if (differential) cur = _mm512_sub_epi64(cur, _mm512_mask_i32gather_epi64(_mm512_setzero_si512(), mk, _mm256_maskz_loadu_epi32(mk, cuNeg + u), Itot, 8));
                    const __m512i a = _mm512_add_epi64(_mm512_add_epi64(cur, cur), stepV);
                    __m512i q = _mm512_cvtpd_epi64(_mm512_roundscale_pd(_mm512_mul_pd(_mm512_cvtepi64_pd(a), invV), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC));
                    const __m512i rem = _mm512_sub_epi64(a, _mm512_mullo_epi64(q, d2V));
                    q = _mm512_mask_add_epi64(q, _mm512_cmpge_epi64_mask(rem, d2V), q, one);
                    q = _mm512_mask_sub_epi64(q, _mm512_cmplt_epi64_mask(rem, _mm512_setzero_si512()), q, one);
                    q = _mm512_max_epi64(_mm512_min_epi64(q, hiV), loV);
                    _mm512_mask_storeu_epi64(ua + u, mk, _mm512_add_epi64(_mm512_maskz_loadu_epi64(mk, ua + u), _mm512_sll_epi64(q, sh)));
                  }
                }
#endif
                for (; u < ue; u++) {
                  const int64_t cur = differential ? Itot[cuPos[u]] - Itot[cuNeg[u]] : Itot[cuPos[u]];
                  const int64_t a = 2 * cur + step;
                  int64_t q = static_cast<int64_t>(std::floor(static_cast<double>(a) * inv));
                  const int64_t rem = a - q * d2;
                  q += (rem >= d2) - (rem < 0);
                  q = q > clampHi ? clampHi : (q < clampLo ? clampLo : q);
                  ua[u] += q * (int64_t(1) << shift);
                  if (wantHist) {
                    const int64_t bin = (cur < 0 ? -cur : cur) / dG;
                    localHist[bin < histBins ? bin : histBins - 1] += 1;
                  }
                }
              }
            }
          }
        }
        for (int64_t b = 0; b < B; b++) {
          const int64_t* ua = unitAcc.data() + b * accLen;
          double* Tb = T.data() + b * C;
          if (perColumn) addTerms(tStart, tCoef, rt, C, [&](int32_t e) { return ua[unitPos[pl.tUnit[e]]]; }, Tb);
          else addTerms(tStart, tCoef, rt, C, [&](int32_t e) { return ua[tUnit[e]]; }, Tb);
        }
      }
      for (int64_t b = 0; b < B; b++)
        for (int64_t o = 0; o < C; o++) acc[o * P + p0 + b] += T[b * C + o];
    }
    currentSums[tid] = currentSum;
    activeReads[tid] = active;
    if (wantHist) {
      std::lock_guard<std::mutex> lock(histMutex);
      for (int64_t i = 0; i < histBins; i++) hist[i] += localHist[i];
    }
  });
  for (int t = 0; t < nThreads; t++) {
    out.currentSum += currentSums[t];
    out.activeReads += activeReads[t];
  }
}

}  // namespace

void prepareCellsChunked(Plan& p) {
  // Units in chunk order, each with its columns inside one chunk of 64 (else the plain runCells).
  p.Jp = (p.J + kChunk - 1) / kChunk * kChunk;
  const int64_t nChunks = p.Jp / kChunk;
  std::vector<int32_t> chunkOf(p.nUnits);
  for (int64_t u = 0; u < p.nUnits; u++) {
    const int32_t c = p.unitPos[u] / kChunk;
    if (p.differential && p.unitNeg[u] / kChunk != c) return;
    chunkOf[u] = c;
  }
  p.chunkUnitStart.assign(nChunks + 1, 0);
  for (int64_t u = 0; u < p.nUnits; u++) p.chunkUnitStart[chunkOf[u] + 1]++;
  for (int64_t c = 0; c < nChunks; c++) p.chunkUnitStart[c + 1] += p.chunkUnitStart[c];
  std::vector<int32_t> next(p.chunkUnitStart.begin(), p.chunkUnitStart.end() - 1), newIndex(p.nUnits);
  p.chunkUnitPos.assign(p.nUnits, 0);
  p.chunkUnitNeg.assign(p.nUnits, 0);
  for (int64_t u = 0; u < p.nUnits; u++) {
    const int32_t c = chunkOf[u], v = next[c]++;
    newIndex[u] = v;
    p.chunkUnitPos[v] = p.unitPos[u] - c * int32_t(kChunk);
    p.chunkUnitNeg[v] = p.differential ? p.unitNeg[u] - c * int32_t(kChunk) : 0;
  }
  p.tUnitChunked.resize(p.tUnit.size());
  for (size_t e = 0; e < p.tUnit.size(); e++) p.tUnitChunked[e] = newIndex[p.tUnit[e]];
  p.cellsChunked = true;
}

void runCellsAny(const Plan& pl, const int32_t* x, int64_t P, double* acc, int threads, double* hist, int64_t histBins, RunStats& out) {
  if (!pl.cellsChunked) runCells(pl, x, P, acc, threads, hist, histBins, out);
  else if (!pl.noise) runCellsChunked<0>(pl, x, P, acc, threads, hist, histBins, out);
  else if (pl.noise32) runCellsChunked<1>(pl, x, P, acc, threads, hist, histBins, out);
  else runCellsChunked<2>(pl, x, P, acc, threads, hist, histBins, out);
}

}  // namespace mx

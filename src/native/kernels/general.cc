// The general path (general.h).
#include "general.h"

#include "counter_rng.h"
#include "threads.h"

namespace mx {

// ---------------------------------------------------------------------------------------
// General path: every read, column by column (docs/model.md §4-5).
//   V[j] = (I_j - gMin*n) / dG (linear) or I_j - gMin*n (general device)
//   single-ended unit: code = clamp(rdiv(I, step)), for a linear device (F[n] + V) >> m with
//                      F[n] = floor((2*gMin*n + dG*2^m) / (2*dG)) (src/engine/fast.ts)
//   differential unit: d = V+ - V-, linear code = (2d + 2^m) >> (m+1), clamped to ±maxCode
void runGeneral(const Plan& pl, const int32_t* x, int64_t P, double* acc, int threads, double* hist, int64_t histBins, RunStats& out) {
  const int64_t R = pl.R, C = pl.C, bits = pl.bits, rowTiles = pl.rowTiles, groups = pl.G, PR = pl.PR, tileRows = pl.tileRows;
  const int64_t W = pl.W, J = pl.J, U = pl.U, m = pl.m, nUnits = pl.nUnits, gMin = pl.gMin, dG = pl.dG, step = pl.step;
  const bool linear = pl.linear, differential = pl.differential, wantHist = hist != nullptr;
  const int64_t clampHi = pl.maxCode < 0 ? INT64_MAX : pl.maxCode;
  const int64_t clampLo = pl.maxCode < 0 ? INT64_MIN : (differential ? -pl.maxCode : 0);
  const int64_t mulM = int64_t(1) << m;
  const int32_t* physToLogical = pl.p2l.data();
  const uint64_t* masks = pl.masks.data();
  const int32_t *unitPos = pl.unitPos.data(), *unitNeg = pl.unitNeg.data();
  const int32_t *tStart = pl.tStart.data(), *tUnit = pl.tUnit.data(), *tCoef = pl.tCoef.data();
  // Linear 1-bit cells, single-ended units, up to 128 rows per read: a column is two popcounts.
  const bool hot = linear && U == 1 && W <= 2 && !differential && !wantHist && !pl.noise;
  const int nThreads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, P)));
  std::mutex histMutex;
  std::vector<double> currentSums(nThreads, 0.0);
  std::vector<int64_t> activeReads(nThreads, 0);
  std::atomic<int64_t> nextPatch{0};
  Pool::get().run(nThreads, [&](int tid) {
    std::vector<int64_t> colAcc(J), V(J), unitAcc(nUnits), noiseV(pl.noise ? J : 0), noiseM(pl.noise ? J : 0);
    std::vector<uint64_t> in(bits * W);
    std::vector<double> T(C);
    std::vector<double> localHist(wantHist ? histBins : 0);
    int64_t activeK[32], activeN[32];
    double currentSum = 0;
    int64_t active = 0;
    for (int64_t p; (p = nextPatch.fetch_add(1)) < P;) {
      const int32_t* xp = x + p * R;
      std::fill(T.begin(), T.end(), 0.0);
      for (int64_t rt = 0; rt < rowTiles; rt++) {
        if (hot) std::fill(colAcc.begin(), colAcc.end(), 0);
        else std::fill(unitAcc.begin(), unitAcc.end(), 0);
        for (int64_t g = 0; g < groups; g++) {
          // Bit planes of this group's inputs, bit i of word w = physical row g*PR + 64w + i.
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
          // Active bit planes (a plane with no active row reads I = 0: code 0, nothing to add).
          int nk = 0;
          for (int64_t k = 0; k < bits; k++) {
            int64_t n = 0;
            for (int64_t w = 0; w < W; w++) n += __builtin_popcountll(in[k * W + w]);
            if (n == 0) continue;
            activeK[nk] = k;
            activeN[nk] = n;
            nk++;
          }
          active += nk;
          const uint64_t* gm = masks + ((rt * groups + g) * U) * W * J;
          for (int t = 0; t < nk; t++) {
            const int64_t k = activeK[t], n = activeN[t];
            const uint64_t* b = in.data() + k * W;
            if (hot) {
              const uint64_t c0 = b[0], c1 = W == 2 ? b[1] : 0;
              const uint64_t* m0 = gm;
              const uint64_t* m1 = W == 2 ? gm + J : gm;
              const int64_t f = pl.F[n];
              int64_t* ca = colAcc.data();
              int64_t sumV = 0;
#pragma omp simd reduction(+ : sumV)
              for (int64_t j = 0; j < J; j++) {
                const int64_t v = __builtin_popcountll(m0[j] & c0) + __builtin_popcountll(m1[j] & c1);
                sumV += v;
                int64_t code = (f + v) >> m;
                code = code > clampHi ? clampHi : code;
                ca[j] += (code << m) << k;
              }
              currentSum += static_cast<double>(gMin) * n * J + static_cast<double>(dG) * sumV;
              continue;
            }
            std::fill(V.begin(), V.end(), 0);
            for (int64_t u = 0; u < U; u++) {
              const int64_t scale = linear ? (int64_t(1) << u) : static_cast<int64_t>(pl.planeWeight[u]);
              const uint64_t* mu = gm + u * W * J;
              for (int64_t w = 0; w < W; w++) {
                const uint64_t bw = b[w];
                if (!bw) continue;
                const uint64_t* mw = mu + w * J;
                int64_t* Vp = V.data();
#pragma omp simd
                for (int64_t j = 0; j < J; j++) Vp[j] += scale * __builtin_popcountll(mw[j] & bw);
              }
            }
            if (pl.noise) {
              // Read noise (docs/model.md §9.3): per column, the per-cell variance and mean summed
              // over the active rows, then one counter-based normal deviate per (read, column).
              std::fill(noiseV.begin(), noiseV.end(), 0);
              std::fill(noiseM.begin(), noiseM.end(), 0);
              for (int64_t w = 0; w < W; w++) {
                uint64_t bw = b[w];
                while (bw) {
                  const int bit = __builtin_ctzll(bw);
                  bw &= bw - 1;
                  const int64_t cell0 = (rowBase + w * 64 + bit) * J;
                  const int64_t* nv = pl.noiseV.data() + cell0;
                  const int64_t* nm = pl.noiseM.data() + cell0;
                  for (int64_t j = 0; j < J; j++) {
                    noiseV[j] += nv[j];
                    noiseM[j] += nm[j];
                  }
                }
              }
              uint32_t key = kKeyStart;
              for (uint32_t word : {pl.noiseSeed, kStreamReadNoise, pl.layer, static_cast<uint32_t>(rt), static_cast<uint32_t>(g), static_cast<uint32_t>(k), static_cast<uint32_t>(p)}) key = mixKey(key, word);
              for (int64_t j = 0; j < J; j++) V[j] += columnNoise(noiseV[j], noiseM[j], mixKey(key, static_cast<uint32_t>(j)));
            }
            int64_t sumV = 0;
            for (int64_t j = 0; j < J; j++) sumV += V[j];
            currentSum += static_cast<double>(gMin) * n * J + static_cast<double>(linear ? dG : 1) * sumV;
            const int64_t f = linear ? pl.F[n] : 0;
            for (int64_t u = 0; u < nUnits; u++) {
              const int64_t pos = unitPos[u], neg = unitNeg[u];
              int64_t code;
              int64_t current;  // unit current in LSB (for the histogram)
              if (differential) {
                const int64_t d = V[pos] - V[neg];
                current = linear ? dG * d : d;
                code = linear ? ((2 * d + mulM) >> (m + 1)) : floorDiv(2 * d + step, 2 * step);
              } else {
                current = gMin * n + (linear ? dG * V[pos] : V[pos]);
                code = linear ? ((f + V[pos]) >> m) : floorDiv(2 * current + step, 2 * step);
              }
              code = code > clampHi ? clampHi : (code < clampLo ? clampLo : code);
              unitAcc[u] += code * mulM * (int64_t(1) << k);
              if (wantHist) {
                int64_t bin = (current < 0 ? -current : current) / dG;
                localHist[bin < histBins ? bin : histBins - 1] += 1;
              }
            }
          }
        }
        if (hot) addTerms(tStart, tCoef, rt, C, [&](int32_t e) { return colAcc[unitPos[tUnit[e]]]; }, T.data());
        else addTerms(tStart, tCoef, rt, C, [&](int32_t e) { return unitAcc[tUnit[e]]; }, T.data());
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

}  // namespace mx

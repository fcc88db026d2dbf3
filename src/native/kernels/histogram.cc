// Current histograms (histogram.h).
#include "histogram.h"

#include "bitplanes.h"
#include "gemm.h"
#include "threads.h"

namespace mx {

namespace {

// Current histogram of a lossless layer with 1-bit cells and single-ended units (ADC
// calibration): a unit reads I = gMin*n + dG*v, so its bin floor(I / dG) is v + floor(gMin*n / dG)
// (v an integer). v comes from the bit-sliced count of the active rows, transposed to integers.
void histPatch(const Plan& p, const int32_t* xp, BsScratch& s, double* h, int64_t bins, int64_t& active) {
  const int64_t rowsV = p.rowsV;
  s.cur = 0;
  if (p.identityRows) bsPatchBits(p, xp, s, 0);
  for (int64_t rt = 0; rt < p.rowTiles; rt++) {
    const char* tileBase = reinterpret_cast<const char*>(p.rowVec.data() + rt * rowsV * p.nch);
    for (int64_t g = 0; g < p.G; g++) {
      bsGroupBits(p, xp, s, rt, g);
      for (int64_t k = 0; k < p.bits; k++) {
        int64_t n = 0;
        for (int64_t w = 0; w < p.W; w++) n += __builtin_popcountll(s.gb[k * p.W + w]);
        if (!n) continue;
        active++;
        bsListRows(p, s, g, k);
        const int64_t fh = (p.gMin * n) / p.dG;
        for (int64_t ch = 0; ch < p.nch; ch++) {
          V cp[32];
          const int ncp = bsCount(tileBase + ch * sizeof(V), s.offs.data() + k * listStride(p), s.nPad[k] >> 3, cp);
          alignas(64) Blk planes[32];
          for (int i = 0; i < ncp; i++) vstore(planes + i, cp[i]);
          int32_t* lane = s.lane.data();
          bsTranspose(reinterpret_cast<const V*>(planes), ncp, lane);
          const int64_t valid = std::min<int64_t>(LANES, p.nUnits - ch * LANES);
          for (int64_t q = 0; q < valid; q++) {
            const int64_t bin = lane[q] + fh;
            h[bin < bins ? bin : bins - 1] += 1;
          }
        }
      }
    }
  }
}

}  // namespace

void runHist(const Plan& p, const int32_t* x, int64_t P, double* acc, int threads, double* hist, int64_t bins, RunStats& out) {
  runGemm(p, x, P, acc, threads, out);
  const int nThreads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, P)));
  std::vector<std::vector<double>> hs(nThreads, std::vector<double>(bins, 0.0));
  std::vector<int64_t> act(nThreads, 0);
  std::vector<std::unique_ptr<BsScratch>> scratch(nThreads);
  parallelBlocks(P, 8, nThreads, [&](int64_t pb, int64_t pe, int tid) {
    if (!scratch[tid]) scratch[tid] = std::make_unique<BsScratch>(p, 1);
    for (int64_t q = pb; q < pe; q++) histPatch(p, x + q * p.R, *scratch[tid], hs[tid].data(), bins, act[tid]);
  });
  for (int t = 0; t < nThreads; t++) {
    for (int64_t i = 0; i < bins; i++) hist[i] += hs[t][i];
    out.activeReads += act[t];
  }
}

}  // namespace mx

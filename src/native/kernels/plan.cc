// Preparing a layer (plan.h): copies the tables and builds what each path needs.
#include "plan.h"

#include "bitsliced.h"
#include "cells.h"
#include "gemm.h"

namespace mx {

namespace {
void planFinalizer(Napi::Env, Plan* p) { delete p; }
}  // namespace

// prepareLayer(args) → an opaque plan for runLayer (args: src/native/addon.ts CrossbarLayerArgs).
Napi::Value PrepareLayer(const Napi::CallbackInfo& info) {
  Napi::Object a = info[0].As<Napi::Object>();
  auto pl = std::make_unique<Plan>();
  pl->R = num(a, "R");
  pl->C = num(a, "C");
  pl->bits = num(a, "activationBits");
  pl->rowTiles = num(a, "rowTiles");
  pl->G = num(a, "groups");
  pl->PR = num(a, "parallelRead");
  pl->tileRows = num(a, "tileRows");
  pl->W = num(a, "words");
  pl->J = num(a, "physCols");
  pl->U = num(a, "planes");
  pl->physRows = pl->rowTiles * pl->tileRows;
  pl->p2l = copyOf<int32_t>(a.Get("physToLogical"));
  pl->masks = copyOf<uint64_t>(a.Get("masks"));
  pl->planeWeight = copyOf<double>(a.Get("planeWeight"));
  pl->linear = flag(a, "linear");
  pl->m = num(a, "m");
  pl->maxCode = num(a, "maxCode");
  pl->lossless = pl->maxCode < 0;
  {
    std::vector<double> F = copyOf<double>(a.Get("F"));
    pl->F.assign(F.begin(), F.end());
  }
  pl->gMin = num(a, "gMin");
  pl->dG = num(a, "dG");
  pl->step = num(a, "step");
  pl->nUnits = num(a, "units");
  pl->unitPos = copyOf<int32_t>(a.Get("unitPos"));
  pl->unitNeg = copyOf<int32_t>(a.Get("unitNeg"));
  pl->differential = flag(a, "differential");
  pl->tStart = copyOf<int32_t>(a.Get("termsStart"));
  pl->tUnit = copyOf<int32_t>(a.Get("termsUnit"));
  pl->tCoef = copyOf<int32_t>(a.Get("termsCoef"));
  pl->layer = static_cast<uint32_t>(num(a, "layer"));
  pl->noiseSeed = static_cast<uint32_t>(num(a, "noiseSeed"));
  const Napi::Value cellsArg = a.Get("cells");
  if (cellsArg.IsTypedArray()) {
    // Per-cell path (cells.cc): conductances (and read noise) per cell, rows padded to Jp.
    pl->cells = true;
    prepareCellsChunked(*pl);  // sets Jp
    const int32_t* g = data<int32_t>(cellsArg);
    pl->cellG.assign(pl->physRows * pl->Jp, 0);
    for (int64_t r = 0; r < pl->physRows; r++) std::copy(g + r * pl->J, g + (r + 1) * pl->J, pl->cellG.begin() + r * pl->Jp);
  }
  if (a.Get("noiseVariance").IsTypedArray()) {
    const double* v = data<double>(a.Get("noiseVariance"));
    const double* m = data<double>(a.Get("noiseMean"));
    const int64_t cellsN = pl->physRows * pl->J;
    if (pl->cells) {
      double big = 0;
      for (int64_t c = 0; c < cellsN; c++) {
        big = std::max(big, std::max(std::fabs(v[c]), std::fabs(m[c])));
        if (m[c] != 0) pl->noiseHasMean = true;
      }
      pl->noise32 = big * static_cast<double>(pl->PR) < 2147483648.0;
      if (pl->noise32) {
        pl->noiseV32.assign(pl->physRows * pl->Jp, 0);
        pl->noiseM32.assign(pl->physRows * pl->Jp, 0);
      } else {
        pl->noiseVp.assign(pl->physRows * pl->Jp, 0);
        pl->noiseMp.assign(pl->physRows * pl->Jp, 0);
      }
      for (int64_t r = 0; r < pl->physRows; r++)
        for (int64_t j = 0; j < pl->J; j++) {
          const int64_t c = r * pl->J + j, d = r * pl->Jp + j;
          if (pl->noise32) {
            pl->noiseV32[d] = static_cast<int32_t>(v[c]);
            pl->noiseM32[d] = static_cast<int32_t>(m[c]);
          } else {
            pl->noiseVp[d] = static_cast<int64_t>(v[c]);
            pl->noiseMp[d] = static_cast<int64_t>(m[c]);
          }
        }
    } else {
      pl->noiseV.assign(v, v + cellsN);
      pl->noiseM.assign(m, m + cellsN);
    }
    pl->noise = true;
  }
  Plan& p = *pl;
  {
    const int64_t h = p.m >= 1 ? int64_t(1) << (p.m - 1) : 0, mod = int64_t(1) << p.m;
    p.Fg.assign(p.PR + 1, 0);
    p.Fbs.assign(p.PR + 1, 0);
    for (int64_t n = 0; n <= p.PR; n++) {
      if (!p.differential) {
        p.Fg[n] = p.Fbs[n] = p.F[n];
        continue;
      }
      p.Fg[n] = !p.lossless && n > 0 ? h : 0;
      p.Fbs[n] = ((h - n) % mod + mod) % mod;
    }
  }
  for (int64_t pr = 0; pr < p.physRows; pr++) {
    const int32_t want = pr < p.R ? static_cast<int32_t>(pr) : -1;
    if (p.p2l[pr] != want) p.identityRows = false;
  }
  if (p.linear && !p.noise && !p.cells) {
    // Levels of every cell (faults included), row-major: the tables both fast paths derive from.
    std::vector<uint8_t> lev(p.physRows * p.J);
    p.rowLevelSum.assign(p.physRows, 0);
    for (int64_t rt = 0; rt < p.rowTiles; rt++)
      for (int64_t g = 0; g < p.G; g++)
        for (int64_t u = 0; u < p.U; u++)
          for (int64_t w = 0; w < p.W; w++) {
            const uint64_t* mw = p.masks.data() + (((rt * p.G + g) * p.U + u) * p.W + w) * p.J;
            for (int64_t j = 0; j < p.J; j++) {
              uint64_t bitsSet = mw[j];
              while (bitsSet) {
                const int b = __builtin_ctzll(bitsSet);
                bitsSet &= bitsSet - 1;
                const int64_t i = g * p.PR + w * 64 + b;
                if (i >= p.tileRows) continue;
                lev[(rt * p.tileRows + i) * p.J + j] += static_cast<uint8_t>(1u << u);
              }
            }
          }
    for (int64_t pr = 0; pr < p.physRows; pr++) {
      int64_t s = 0;
      for (int64_t j = 0; j < p.J; j++) s += lev[pr * p.J + j];
      p.rowLevelSum[pr] = s;
    }
    buildGemm(p, lev);
    buildLanes(p, lev);
    if (!p.lossless) buildBitsliced(p);
  }
  return Napi::External<Plan>::New(info.Env(), pl.release(), planFinalizer);
}

}  // namespace mx

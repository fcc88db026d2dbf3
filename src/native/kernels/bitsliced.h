// The bit-sliced path of runLayer: linear 1-bit cells with a fixed ADC, the GEMM minus a
// correction computed lane by lane on bit planes.
#pragma once

#include "plan.h"

namespace mx {

// Lanes and row vectors (sets p.lanesOk when the layer has them; also used by histograms).
void buildLanes(Plan& p, const std::vector<uint8_t>& lev);
// Fixed-ADC correction tables (sets p.bsOk when the path applies).
void buildBitsliced(Plan& pl);
// The GEMM, then the correction.
void runDecomposed(const Plan& p, const int32_t* x, int64_t P, double* acc, int threads, RunStats& out);

}  // namespace mx

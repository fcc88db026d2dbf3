// Current histograms of lossless layers with 1-bit single-ended cells (ADC calibration).
#pragma once

#include "plan.h"

namespace mx {

// The GEMM path, plus every unit current of the active reads added to hist (bins in ΔG).
void runHist(const Plan& p, const int32_t* x, int64_t P, double* acc, int threads, double* hist, int64_t bins, RunStats& out);

}  // namespace mx

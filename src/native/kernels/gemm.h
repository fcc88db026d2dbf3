// The GEMM path of runLayer: a linear device with a lossless ADC is an integer matrix product.
#pragma once

#include "plan.h"

namespace mx {

// Effective integer weights and packed tiles of a linear layer (sets p.gemmOk when it applies).
void buildGemm(Plan& p, const std::vector<uint8_t>& lev);
// acc += the exact product (with the F term); out.currentSum += the energy figure.
void runGemm(const Plan& p, const int32_t* x, int64_t P, double* acc, int threads, RunStats& out);

}  // namespace mx

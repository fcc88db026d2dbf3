// The general path of runLayer: every read, column by column (any device, scheme, ADC).
#pragma once

#include "plan.h"

namespace mx {

void runGeneral(const Plan& pl, const int32_t* x, int64_t P, double* acc, int threads, double* hist, int64_t histBins, RunStats& out);

}  // namespace mx

// Tensor kernels of the float and integer inference paths (src/nn/ops.ts, src/nn/quant.ts twins).
#pragma once

#include "common.h"

namespace mx {

// gemmF32(W, X, R, P, O, out, threads): out[o*P + p] += sum_r W[o*R + r] * X[p*R + r] (float32).
Napi::Value GemmF32(const Napi::CallbackInfo& info);
// gemmI32(W, X, R, P, O, out, threads, narrow): the same product in integers.
Napi::Value GemmI32(const Napi::CallbackInfo& info);
// im2colI32(...): patch-major im2col of an int32 CHW tensor.
Napi::Value Im2colI32(const Napi::CallbackInfo& info);
// maxPoolI32(...): max pooling of an int32 CHW tensor.
Napi::Value MaxPoolI32(const Napi::CallbackInfo& info);
// maxPoolF32(...): the same on a float32 tensor; accToF32(acc, relu, y): float.ts toFloat32.
Napi::Value MaxPoolF32(const Napi::CallbackInfo& info);
Napi::Value AccToF32(const Napi::CallbackInfo& info);
// biasRequant(acc, qBias, C, P, multiplier, shift, maxCode, y|null): bias, then requantization.
Napi::Value BiasRequant(const Napi::CallbackInfo& info);

}  // namespace mx

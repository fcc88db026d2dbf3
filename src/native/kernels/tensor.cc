// Tensor kernels (tensor.h).
#include "tensor.h"

#include "blocked_gemm.h"
#include "threads.h"

namespace mx {

// ---------------------------------------------------------------------------------------
// Float and integer GEMMs of the float / integer inference paths.

// out[o*P + p] += sum_r W[o*R + r] * X[p*R + r]   (float32 products, float32 accumulation)
Napi::Value GemmF32(const Napi::CallbackInfo& info) {
  const float* W = data<float>(info[0]);
  const float* X = data<float>(info[1]);
  const int64_t R = info[2].As<Napi::Number>().Int64Value();
  const int64_t P = info[3].As<Napi::Number>().Int64Value();
  const int64_t O = info[4].As<Napi::Number>().Int64Value();
  double* out = data<double>(info[5]);
  const int threads = info[6].As<Napi::Number>().Int32Value();
  if (gemmF32BlockedFits(R, P)) {
    // The same floats, 4 outputs x 4 patches per block (blocked_gemm.cc); threads share patches.
    parallelFor((P + 3) / 4, threads, [&](int64_t b, int64_t e) { gemmF32Blocked(W, X, R, P, O, out, 4 * b, std::min(P, 4 * e)); });
    return info.Env().Undefined();
  }
  auto body = [&](int64_t b, int64_t e, bool overP) {
    for (int64_t i = b; i < e; i++) {
      int64_t p0 = overP ? i : 0, p1 = overP ? i + 1 : P;
      int64_t o0 = overP ? 0 : i, o1 = overP ? O : i + 1;
      for (int64_t p = p0; p < p1; p++) {
        const float* x = X + p * R;
        for (int64_t o = o0; o < o1; o++) {
          const float* w = W + o * R;
          // 16 independent lanes (vectorizes without reassociating one sum), then a tail.
          float lane[16] = {0};
          int64_t r = 0;
          for (; r + 16 <= R; r += 16)
            for (int l = 0; l < 16; l++) lane[l] += w[r + l] * x[r + l];
          float s = 0;
          for (; r < R; r++) s += w[r] * x[r];
          for (int l = 0; l < 16; l++) s += lane[l];
          out[o * P + p] += s;
        }
      }
    }
  };
  if (P >= 2 * threads) parallelFor(P, threads, [&](int64_t b, int64_t e) { body(b, e, true); });
  else parallelFor(O, threads, [&](int64_t b, int64_t e) { body(b, e, false); });
  return info.Env().Undefined();
}

// out[o*P + p] += sum_r W[o*R + r] * X[p*R + r]   (exact integers; int64 accumulation)
Napi::Value GemmI32(const Napi::CallbackInfo& info) {
  const int32_t* W = data<int32_t>(info[0]);
  const int32_t* X = data<int32_t>(info[1]);
  const int64_t R = info[2].As<Napi::Number>().Int64Value();
  const int64_t P = info[3].As<Napi::Number>().Int64Value();
  const int64_t O = info[4].As<Napi::Number>().Int64Value();
  double* out = data<double>(info[5]);
  const int threads = info[6].As<Napi::Number>().Int32Value();
  // 32-bit accumulation is exact when the caller says so (|sum| < 2^31 guaranteed).
  const bool narrow = info[7].As<Napi::Boolean>().Value();
  if (P >= 4) {
    // 8-bit operands (the integer path's weights and activation codes): byte dot products
    // (blocked_gemm.cc), exact; anything wider keeps the int64 loop below.
    PackedI8 wp, xp;
    if (packWeightsI8(W, R, O, wp) && packActivationsU8(X, R, 0, P, xp)) {
      parallelFor((P + 3) / 4, threads, [&](int64_t b, int64_t e) { gemmI8Blocked(wp, xp, 0, P, O, out, 4 * b, std::min(P, 4 * e)); });
      return info.Env().Undefined();
    }
  }
  auto dot = [&](const int32_t* w, const int32_t* x) -> int64_t {
    if (narrow) {
      int32_t s = 0;
#pragma omp simd reduction(+ : s)
      for (int64_t r = 0; r < R; r++) s += w[r] * x[r];
      return s;
    }
    int64_t s = 0;
#pragma omp simd reduction(+ : s)
    for (int64_t r = 0; r < R; r++) s += static_cast<int64_t>(w[r]) * x[r];
    return s;
  };
  if (P >= 2 * threads) {
    parallelFor(P, threads, [&](int64_t b, int64_t e) {
      for (int64_t p = b; p < e; p++)
        for (int64_t o = 0; o < O; o++) out[o * P + p] += static_cast<double>(dot(W + o * R, X + p * R));
    });
  } else {
    parallelFor(O, threads, [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; o++)
        for (int64_t p = 0; p < P; p++) out[o * P + p] += static_cast<double>(dot(W + o * R, X + p * R));
    });
  }
  return info.Env().Undefined();
}

// ---------------------------------------------------------------------------------------
// Glue of the integer path: im2col, max pooling, bias + requantization.

// im2col of patches [pb, pe); KW > 0: the kernel width known at compile time.
template <int KW>
void im2colPatches(const int32_t* x, int64_t C, int64_t H, int64_t Wd, int64_t kH, int64_t kWrt, int64_t sH, int64_t sW, int64_t padT, int64_t padL,
                   int64_t outW, int32_t* out, const int32_t* pad, int64_t pb, int64_t pe) {
  const int64_t kW = KW > 0 ? KW : kWrt;
  const int64_t R = C * kH * kW;
  for (int64_t p = pb; p < pe; p++) {
    const int64_t oy = p / outW, ox = p % outW;
    const int64_t ix0 = ox * sW - padL, iy0 = oy * sH - padT;
    int32_t* o = out + p * R;
    if (ix0 >= 0 && ix0 + kW <= Wd && iy0 >= 0 && iy0 + kH <= H) {
      // Interior patch: kH runs of kW contiguous values per channel.
      const int32_t* src = x + iy0 * Wd + ix0;
      for (int64_t c = 0; c < C; c++, src += H * Wd)
        for (int64_t ky = 0; ky < kH; ky++, o += kW) std::memcpy(o, src + ky * Wd, sizeof(int32_t) * kW);
      continue;
    }
    for (int64_t c = 0; c < C; c++) {
      const int32_t pv = pad ? pad[c] : 0;
      for (int64_t ky = 0; ky < kH; ky++, o += kW) {
        const int64_t iy = iy0 + ky;
        if (iy < 0 || iy >= H) {
          for (int64_t kx = 0; kx < kW; kx++) o[kx] = pv;
          continue;
        }
        const int32_t* src = x + (c * H + iy) * Wd;
        for (int64_t kx = 0; kx < kW; kx++) {
          const int64_t ix = ix0 + kx;
          o[kx] = ix >= 0 && ix < Wd ? src[ix] : pv;
        }
      }
    }
  }
}

// im2colI32(x, C, H, W, kH, kW, sH, sW, padTop, padLeft, outH, outW, out, padValue|null, threads):
// out[p*R + r] = x[c][oy*sH - padTop + ky][ox*sW - padLeft + kx] (padValue[c] outside),
// r = (c*kH + ky)*kW + kx, p = oy*outW + ox.
Napi::Value Im2colI32(const Napi::CallbackInfo& info) {
  const int32_t* x = data<int32_t>(info[0]);
  const int64_t C = info[1].As<Napi::Number>().Int64Value(), H = info[2].As<Napi::Number>().Int64Value(), Wd = info[3].As<Napi::Number>().Int64Value();
  const int64_t kH = info[4].As<Napi::Number>().Int64Value(), kW = info[5].As<Napi::Number>().Int64Value();
  const int64_t sH = info[6].As<Napi::Number>().Int64Value(), sW = info[7].As<Napi::Number>().Int64Value();
  const int64_t padT = info[8].As<Napi::Number>().Int64Value(), padL = info[9].As<Napi::Number>().Int64Value();
  const int64_t outH = info[10].As<Napi::Number>().Int64Value(), outW = info[11].As<Napi::Number>().Int64Value();
  int32_t* out = data<int32_t>(info[12]);
  const int32_t* pad = info[13].IsTypedArray() ? data<int32_t>(info[13]) : nullptr;
  const int threads = info[14].As<Napi::Number>().Int32Value();
  const int64_t R = C * kH * kW, P = outH * outW;
  auto body = [&](int64_t pb, int64_t pe) {
    if (kW == 3) im2colPatches<3>(x, C, H, Wd, kH, kW, sH, sW, padT, padL, outW, out, pad, pb, pe);
    else im2colPatches<0>(x, C, H, Wd, kH, kW, sH, sW, padT, padL, outW, out, pad, pb, pe);
  };
  parallelFor(P, P * R >= (1 << 18) ? threads : 1, body);
  return info.Env().Undefined();
}

// maxPoolI32(x, C, H, W, kH, kW, sH, sW, y): CHW max pooling without padding.
Napi::Value MaxPoolI32(const Napi::CallbackInfo& info) {
  const int32_t* x = data<int32_t>(info[0]);
  const int64_t C = info[1].As<Napi::Number>().Int64Value(), H = info[2].As<Napi::Number>().Int64Value(), Wd = info[3].As<Napi::Number>().Int64Value();
  const int64_t kH = info[4].As<Napi::Number>().Int64Value(), kW = info[5].As<Napi::Number>().Int64Value();
  const int64_t sH = info[6].As<Napi::Number>().Int64Value(), sW = info[7].As<Napi::Number>().Int64Value();
  int32_t* y = data<int32_t>(info[8]);
  const int64_t oh = (H - kH) / sH + 1, ow = (Wd - kW) / sW + 1;
  int64_t o = 0;
  for (int64_t c = 0; c < C; c++)
    for (int64_t oy = 0; oy < oh; oy++)
      for (int64_t ox = 0; ox < ow; ox++) {
        int32_t m = INT32_MIN;
        for (int64_t ky = 0; ky < kH; ky++) {
          const int32_t* row = x + (c * H + oy * sH + ky) * Wd + ox * sW;
          for (int64_t kx = 0; kx < kW; kx++) m = std::max(m, row[kx]);
        }
        y[o++] = m;
      }
  return info.Env().Undefined();
}

// maxPoolF32(x, C, H, W, kH, kW, sH, sW, y): the float twin, as ops.ts maxPool compares
// (m = -Infinity; m = v where v > m: the first of equal values, NaN never taken).
Napi::Value MaxPoolF32(const Napi::CallbackInfo& info) {
  const float* x = data<float>(info[0]);
  const int64_t C = info[1].As<Napi::Number>().Int64Value(), H = info[2].As<Napi::Number>().Int64Value(), Wd = info[3].As<Napi::Number>().Int64Value();
  const int64_t kH = info[4].As<Napi::Number>().Int64Value(), kW = info[5].As<Napi::Number>().Int64Value();
  const int64_t sH = info[6].As<Napi::Number>().Int64Value(), sW = info[7].As<Napi::Number>().Int64Value();
  float* y = data<float>(info[8]);
  const int64_t oh = (H - kH) / sH + 1, ow = (Wd - kW) / sW + 1;
  int64_t o = 0;
  for (int64_t c = 0; c < C; c++)
    for (int64_t oy = 0; oy < oh; oy++)
      for (int64_t ox = 0; ox < ow; ox++) {
        float m = -INFINITY;
        for (int64_t ky = 0; ky < kH; ky++) {
          const float* row = x + (c * H + oy * sH + ky) * Wd + ox * sW;
          for (int64_t kx = 0; kx < kW; kx++)
            if (row[kx] > m) m = row[kx];
        }
        y[o++] = m;
      }
  return info.Env().Undefined();
}

// accToF32(acc, relu, y): y[i] = relu && acc[i] < 0 ? 0 : float(acc[i]) (float.ts toFloat32:
// the comparison on the double, then the store rounds to float32 to nearest even).
Napi::Value AccToF32(const Napi::CallbackInfo& info) {
  const Napi::TypedArray a = info[0].As<Napi::TypedArray>();
  const double* acc = data<double>(info[0]);
  const bool relu = info[1].As<Napi::Boolean>().Value();
  float* y = data<float>(info[2]);
  const int64_t n = static_cast<int64_t>(a.ElementLength());
  for (int64_t i = 0; i < n; i++) {
    const double v = acc[i];
    y[i] = relu && v < 0 ? 0.0f : static_cast<float>(v);
  }
  return info.Env().Undefined();
}

// The requantization of forwardInt in doubles, operation by operation as JavaScript does it:
// v = floor((a*mul + half) / div), clamped to [0, maxCode]. The vector code uses the same IEEE
// operations (explicit-rounding intrinsics, so nothing is fused into a multiply-add); div is a
// power of two, so dividing by it and multiplying by 1/div give the same double.
__attribute__((noinline, optimize("fp-contract=off"))) double requantDouble(double a, double mul, double half, double div) {
  volatile double t = a * mul;
  volatile double u = t + half;
  return std::floor(u / div);
}

// biasRequant(acc, qBias, C, P, multiplier, shift, maxCode, y|null):
// acc[o*P + p] += qBias[o]; y = clamp(floor((acc*multiplier + 2^(shift-1)) / 2^shift), 0, maxCode).
Napi::Value BiasRequant(const Napi::CallbackInfo& info) {
  double* acc = data<double>(info[0]);
  const double* bias = data<double>(info[1]);
  const int64_t C = info[2].As<Napi::Number>().Int64Value(), P = info[3].As<Napi::Number>().Int64Value();
  const double mul = info[4].As<Napi::Number>().DoubleValue();
  const int64_t shift = info[5].As<Napi::Number>().Int64Value();
  const double maxCode = info[6].As<Napi::Number>().DoubleValue();
  int32_t* y = info[7].IsTypedArray() ? data<int32_t>(info[7]) : nullptr;
  const double half = std::ldexp(1.0, static_cast<int>(shift - 1)), div = std::ldexp(1.0, static_cast<int>(shift));
  for (int64_t o = 0; o < C; o++) {
    const double b = bias[o];
    double* a = acc + o * P;
    int32_t* yo = y ? y + o * P : nullptr;
    int64_t p = 0;
#if defined(MX_AVX512)
    const __m512d vb = _mm512_set1_pd(b), vm = _mm512_set1_pd(mul), vh = _mm512_set1_pd(half), vd = _mm512_set1_pd(div);
    const __m512d lo = _mm512_setzero_pd(), hi = _mm512_set1_pd(maxCode);
    constexpr int RN = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
    for (; p + 8 <= P; p += 8) {
      const __m512d v = _mm512_add_round_pd(_mm512_loadu_pd(a + p), vb, RN);
      _mm512_storeu_pd(a + p, v);
      if (!yo) continue;
      const __m512d t = _mm512_div_round_pd(_mm512_add_round_pd(_mm512_mul_round_pd(v, vm, RN), vh, RN), vd, RN);
      __m512d q = _mm512_roundscale_pd(t, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
      q = _mm512_min_pd(_mm512_max_pd(q, lo), hi);  // v < 0 ? 0 : v > maxCode ? maxCode : v
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(yo + p), _mm512_cvtpd_epi32(q));
    }
#endif
    for (; p < P; p++) {
      a[p] += b;
      if (!yo) continue;
      const double v = requantDouble(a[p], mul, half, div);
      yo[p] = static_cast<int32_t>(v < 0 ? 0 : v > maxCode ? maxCode : v);
    }
  }
  return info.Env().Undefined();
}

}  // namespace mx

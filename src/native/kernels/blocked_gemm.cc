// Register-blocked GEMMs of the float32 and 8-bit integer inference paths (see blocked_gemm.h).
//
// Why blocked: the per-dot loop of tensor.cc loads one weight and one activation vector per
// multiply-add, so it runs at the speed of the loads. A block of 4 outputs x 4 patches keeps
// 16 accumulators in registers and does 16 multiply-adds per 8 loads (docs/engine.md, "Speed").
// Tests: test/native/blocked-gemm.test.ts (float32: the per-dot loop bit for bit; bytes: exact).
#include "blocked_gemm.h"

#include <algorithm>
#include <climits>
#include <cstring>

#if !defined(MEMXBAR_PORTABLE) && defined(__AVX512F__) && defined(__AVX512BW__)
#define MXB_AVX512 1
#include <immintrin.h>
#endif
#if defined(MXB_AVX512) && defined(__AVX512VNNI__)
#define MXB_VNNI 1
#endif

namespace mx {

bool gemmF32BlockedFits(int64_t R, int64_t P) {
#if defined(MXB_AVX512)
  return R >= 16 && R % 16 == 0 && P >= 4;
#else
  (void)R;
  (void)P;
  return false;
#endif
}

#if defined(MXB_AVX512)
namespace {
// t[i] = lane l of a[i] for 16 registers: returns, in b[l], lane l of every a[i] (b[l][i]).
inline void transpose16(__m512 a[16], __m512 b[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(a[i], a[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(a[i], a[i + 1]);
  }
  __m512 u[16];
  for (int i = 0; i < 16; i += 4) {
    u[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
    u[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
    u[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    u[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  // Now u[4k + j] holds, per 128-bit lane q, element j of rows 4k..4k+3 at column 4q + j... as
  // [a[4k][4q+j'], a[4k+1][..], a[4k+2][..], a[4k+3][..]] for j' = j. Gather the 128-bit lanes.
  __m512 v[16];
  for (int j = 0; j < 4; j++) {
    v[j] = _mm512_shuffle_f32x4(u[j], u[4 + j], 0x88);       // q = 0, 2 of rows 0-3 and 4-7
    v[4 + j] = _mm512_shuffle_f32x4(u[j], u[4 + j], 0xDD);   // q = 1, 3
    v[8 + j] = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0x88);
    v[12 + j] = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0xDD);
  }
  for (int j = 0; j < 4; j++) {
    b[j] = _mm512_shuffle_f32x4(v[j], v[8 + j], 0x88);        // column j (q = 0)
    b[8 + j] = _mm512_shuffle_f32x4(v[j], v[8 + j], 0xDD);    // column 8 + j (q = 2)
    b[4 + j] = _mm512_shuffle_f32x4(v[4 + j], v[12 + j], 0x88);   // column 4 + j (q = 1)
    b[12 + j] = _mm512_shuffle_f32x4(v[4 + j], v[12 + j], 0xDD);  // column 12 + j (q = 3)
  }
}
}  // namespace
#endif

#if defined(MXB_AVX512)
namespace {
// The loop over blocks: the smaller operand (this thread's patches, or all the weights) is the
// one swept in the inner loop, so it stays in cache while the larger one streams through once.
template <typename F>
void forBlocks(int64_t O, int64_t pb, int64_t pe, bool patchesOuter, F block) {
  if (patchesOuter) {
    for (int64_t p0 = pb; p0 < pe; p0 += 4)
      for (int64_t o0 = 0; o0 < O; o0 += 4) block(o0, p0);
  } else {
    for (int64_t o0 = 0; o0 < O; o0 += 4)
      for (int64_t p0 = pb; p0 < pe; p0 += 4) block(o0, p0);
  }
}
}  // namespace
#endif

void gemmF32Blocked(const float* W, const float* X, int64_t R, int64_t P, int64_t O, double* out, int64_t pb, int64_t pe) {
#if defined(MXB_AVX512)
  forBlocks(O, pb, pe, O >= pe - pb, [&](int64_t o0, int64_t p0) {
      const int64_t np = std::min<int64_t>(4, pe - p0);
      const float* x[4];
      for (int j = 0; j < 4; j++) x[j] = X + (p0 + std::min<int64_t>(j, np - 1)) * R;
      const int64_t no = std::min<int64_t>(4, O - o0);
      const float* w[4];
      for (int i = 0; i < 4; i++) w[i] = W + (o0 + std::min<int64_t>(i, no - 1)) * R;
      __m512 acc[16];
      for (int k = 0; k < 16; k++) acc[k] = _mm512_setzero_ps();
      for (int64_t r = 0; r < R; r += 16) {
        const __m512 w0 = _mm512_loadu_ps(w[0] + r), w1 = _mm512_loadu_ps(w[1] + r), w2 = _mm512_loadu_ps(w[2] + r), w3 = _mm512_loadu_ps(w[3] + r);
        for (int j = 0; j < 4; j++) {
          const __m512 xv = _mm512_loadu_ps(x[j] + r);
          acc[0 * 4 + j] = _mm512_fmadd_ps(w0, xv, acc[0 * 4 + j]);
          acc[1 * 4 + j] = _mm512_fmadd_ps(w1, xv, acc[1 * 4 + j]);
          acc[2 * 4 + j] = _mm512_fmadd_ps(w2, xv, acc[2 * 4 + j]);
          acc[3 * 4 + j] = _mm512_fmadd_ps(w3, xv, acc[3 * 4 + j]);
        }
      }
      // s = 0, then s += lane 0, ..., lane 15: lane-wise on the transposed accumulators.
      __m512 col[16];
      transpose16(acc, col);
      __m512 s = _mm512_setzero_ps();
      for (int l = 0; l < 16; l++) s = _mm512_add_ps(s, col[l]);
      alignas(64) float sv[16];
      _mm512_store_ps(sv, s);
      for (int i = 0; i < no; i++)
        for (int j = 0; j < np; j++) out[(o0 + i) * P + p0 + j] += static_cast<double>(sv[i * 4 + j]);
  });
#else
  (void)W, (void)X, (void)R, (void)P, (void)O, (void)out, (void)pb, (void)pe;
#endif
}

bool gemmI8Available() {
#if defined(MXB_VNNI)
  return true;
#else
  return false;
#endif
}

namespace {
constexpr int64_t kI8Align = 64;
// |a x w| <= 255 * 128 per product: R products stay inside int32 while R * 32640 < 2^31.
bool i8RowsFit(int64_t R) { return R > 0 && R * 32640 < INT32_MAX; }
}  // namespace

bool packWeightsI8(const int32_t* W, int64_t R, int64_t O, PackedI8& out) {
  if (!gemmI8Available() || !i8RowsFit(R)) return false;
  out.rows = R;
  out.stride = (R + kI8Align - 1) / kI8Align * kI8Align;
  out.data.assign(static_cast<size_t>(out.stride * O), 0);
  for (int64_t o = 0; o < O; o++) {
    const int32_t* w = W + o * R;
    int8_t* d = out.data.data() + o * out.stride;
    int32_t lo = 0, hi = 0;
    for (int64_t r = 0; r < R; r++) {
      lo = std::min(lo, w[r]);
      hi = std::max(hi, w[r]);
      d[r] = static_cast<int8_t>(w[r]);
    }
    if (lo < -128 || hi > 127) return false;
  }
  return true;
}

bool packActivationsU8(const int32_t* X, int64_t R, int64_t pb, int64_t pe, PackedI8& out) {
  if (!gemmI8Available() || !i8RowsFit(R)) return false;
  out.rows = R;
  out.stride = (R + kI8Align - 1) / kI8Align * kI8Align;
  out.data.assign(static_cast<size_t>(out.stride * (pe - pb)), 0);
  uint32_t any = 0;  // OR of every value: a bit above 7 (or a sign bit) means it does not fit
  for (int64_t p = pb; p < pe; p++) {
    const int32_t* x = X + p * R;
    uint8_t* d = reinterpret_cast<uint8_t*>(out.data.data() + (p - pb) * out.stride);
    for (int64_t r = 0; r < R; r++) {
      any |= static_cast<uint32_t>(x[r]);
      d[r] = static_cast<uint8_t>(x[r]);
    }
  }
  return (any & ~0xFFu) == 0;
}

void gemmI8Blocked(const PackedI8& Wp, const PackedI8& Xp, int64_t xFirst, int64_t P, int64_t O, double* out, int64_t pb, int64_t pe) {
#if defined(MXB_VNNI)
  const int64_t S = Wp.stride;
  const int8_t* W = Wp.data.data();
  const int8_t* X = Xp.data.data();
  forBlocks(O, pb, pe, O >= pe - pb, [&](int64_t o0, int64_t p0) {
      const int64_t np = std::min<int64_t>(4, pe - p0);
      const int8_t* x[4];
      for (int j = 0; j < 4; j++) x[j] = X + (p0 - xFirst + std::min<int64_t>(j, np - 1)) * S;
      const int64_t no = std::min<int64_t>(4, O - o0);
      const int8_t* w[4];
      for (int i = 0; i < 4; i++) w[i] = W + (o0 + std::min<int64_t>(i, no - 1)) * S;
      __m512i acc[16];
      for (int k = 0; k < 16; k++) acc[k] = _mm512_setzero_si512();
      for (int64_t r = 0; r < S; r += 64) {
        const __m512i w0 = _mm512_loadu_si512(w[0] + r), w1 = _mm512_loadu_si512(w[1] + r), w2 = _mm512_loadu_si512(w[2] + r), w3 = _mm512_loadu_si512(w[3] + r);
        for (int j = 0; j < 4; j++) {
          const __m512i xv = _mm512_loadu_si512(x[j] + r);  // unsigned bytes first, signed second
          acc[0 * 4 + j] = _mm512_dpbusd_epi32(acc[0 * 4 + j], xv, w0);
          acc[1 * 4 + j] = _mm512_dpbusd_epi32(acc[1 * 4 + j], xv, w1);
          acc[2 * 4 + j] = _mm512_dpbusd_epi32(acc[2 * 4 + j], xv, w2);
          acc[3 * 4 + j] = _mm512_dpbusd_epi32(acc[3 * 4 + j], xv, w3);
        }
      }
      for (int i = 0; i < no; i++)
        for (int j = 0; j < np; j++) out[(o0 + i) * P + p0 + j] += static_cast<double>(_mm512_reduce_add_epi32(acc[i * 4 + j]));
  });
#else
  (void)Wp, (void)Xp, (void)xFirst, (void)P, (void)O, (void)out, (void)pb, (void)pe;
#endif
}

}  // namespace mx

// memxbar native kernels: the hot loops of the fast engine and of the float / integer
// inference paths. Built at install time by node-gyp for the machine it runs on
// (-march=native). Every kernel here has a readable TypeScript twin it is tested against:
//   gemmF32 / gemmI32          ↔ src/nn/ops.ts gemm
//   im2colI32 / maxPoolI32     ↔ src/nn/ops.ts im2col / maxPool
//   biasRequant                ↔ the requantization loop of src/nn/quant.ts forwardInt
//   prepareLayer / runLayer    ↔ src/crossbar/reference.ts crossbarMatmul (docs/model.md)
// Kernels only read and write the typed arrays they are given; a prepared layer (a
// LayerPlan) is immutable once built and may be run from several threads.
//
// AVX-512 code (VPOPCNTDQ, VNNI, GFNI, ternary logic) and AMX tiles are used when the
// compiler targets them (-march=native on a machine that has them; AMX also needs the Linux
// kernel's permission, asked at run time); every such block has a portable twin that
// computes the same integers. Define MEMXBAR_PORTABLE to force the portable code;
// setFeatures({amx: false}) switches AMX off at run time (tests run both).
// Tests: test/engine/fast*.test.ts (against the reference model), native-glue.test.ts.
#include <napi.h>

#include "gemm_blocked.h"

#include <algorithm>
#include <atomic>
#include <climits>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#if !defined(MEMXBAR_PORTABLE) && defined(__AVX512F__) && defined(__AVX512BW__)
#define MX_AVX512 1
#include <immintrin.h>
#endif
#if defined(MX_AVX512) && defined(__AVX512VNNI__)
#define MX_VNNI 1
#endif
#if defined(MX_VNNI) && defined(__AMX_TILE__) && defined(__AMX_INT8__) && defined(__linux__)
#define MX_AMX 1
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace {

template <typename T>
T* data(const Napi::Value& v) {
  auto a = v.As<Napi::TypedArray>();
  return reinterpret_cast<T*>(static_cast<uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset());
}

template <typename T>
std::vector<T> copyOf(const Napi::Value& v) {
  auto a = v.As<Napi::TypedArray>();
  const T* p = data<T>(v);
  return std::vector<T>(p, p + a.ElementLength());
}

int64_t num(const Napi::Object& o, const char* key) { return o.Get(key).As<Napi::Number>().Int64Value(); }
bool flag(const Napi::Object& o, const char* key) { return o.Get(key).As<Napi::Boolean>().Value(); }

// Number of bits needed to write v >= 0 (bitlen(0) = 0).
inline int bitlen(uint64_t v) { return v ? 64 - __builtin_clzll(v) : 0; }

// floor(a / b) for b > 0 (C++ division truncates toward zero).
inline int64_t floorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

// AMX tiles: used when the CPU and the kernel allow them (Linux asks each process to request
// the tile state) and not switched off (setFeatures, for tests of the other paths).
std::atomic<bool> amxWanted{true};
bool amxAvailable() {
#if defined(MX_AMX)
  static const bool ok = [] {
    const long ARCH_REQ_XCOMP_PERM = 0x1023, XFEATURE_XTILEDATA = 18;
    return syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
  }();
  return ok;
#else
  return false;
#endif
}
bool useAmx() { return amxWanted.load() && amxAvailable(); }

// ---------------------------------------------------------------------------------------
// A persistent thread pool: kernels run many short parallel regions (one per layer), so
// threads are created once and woken per region instead of being spawned every call.
class Pool {
 public:
  static Pool& get() {
    static Pool* pool = new Pool();  // never destroyed: its threads live as long as the process
    return *pool;
  }
  // Run body(t) for t = 0..n-1 (t = 0 on the calling thread); returns when all are done.
  void run(int n, const std::function<void(int)>& body) {
    if (n <= 1) {
      body(0);
      return;
    }
    std::lock_guard<std::mutex> call(callMutex_);  // one region at a time (several JS threads may call)
    {
      std::lock_guard<std::mutex> lk(mutex_);
      while (static_cast<int>(threads_.size()) < n - 1) {
        const int id = static_cast<int>(threads_.size()) + 1;
        threads_.emplace_back([this, id] { loop(id); });
      }
      job_ = &body;
      jobN_ = n;
      remaining_ = n - 1;
      generation_++;
    }
    wake_.notify_all();
    body(0);
    std::unique_lock<std::mutex> lk(mutex_);
    done_.wait(lk, [&] { return remaining_ == 0; });
    job_ = nullptr;
  }

 private:
  void loop(int id) {
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lk(mutex_);
    for (;;) {
      wake_.wait(lk, [&] { return generation_ != seen; });
      seen = generation_;
      if (id >= jobN_) continue;
      const std::function<void(int)>* f = job_;
      lk.unlock();
      (*f)(id);
      lk.lock();
      if (--remaining_ == 0) done_.notify_one();
    }
  }
  std::mutex callMutex_, mutex_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> threads_;
  const std::function<void(int)>* job_ = nullptr;
  int jobN_ = 0, remaining_ = 0;
  uint64_t generation_ = 0;
};

// Run f(begin, end, tid) over [0, n) in blocks of `grain` handed out to `threads` threads as
// they become free (on a shared machine a thread that gets less of a core does less of the
// work). Results must not depend on which thread runs a block.
template <typename F>
void parallelBlocks(int64_t n, int64_t grain, int threads, F f) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  const int64_t blocks = (n + grain - 1) / grain;
  threads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, blocks)));
  if (threads == 1) {
    for (int64_t b = 0; b < blocks; b++) f(b * grain, std::min(n, (b + 1) * grain), 0);
    return;
  }
  std::atomic<int64_t> next{0};
  Pool::get().run(threads, [&](int tid) {
    for (;;) {
      const int64_t b = next.fetch_add(1);
      if (b >= blocks) break;
      f(b * grain, std::min(n, (b + 1) * grain), tid);
    }
  });
}

// Run f(begin, end) over [0, n) on `threads` threads (dynamic blocks, about 8 per thread).
template <typename F>
void parallelFor(int64_t n, int threads, F f) {
  const int64_t grain = std::max<int64_t>(1, n / (8 * std::max(1, threads)));
  parallelBlocks(n, grain, threads, [&](int64_t b, int64_t e, int) { f(b, e); });
}

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
  if (memxbar::gemmF32BlockedFits(R, P)) {
    // The same floats, 4 outputs x 4 patches per block (gemm_blocked.cc); threads share patches.
    parallelFor((P + 3) / 4, threads, [&](int64_t b, int64_t e) { memxbar::gemmF32Blocked(W, X, R, P, O, out, 4 * b, std::min(P, 4 * e)); });
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
    // (gemm_blocked.cc), exact; anything wider keeps the int64 loop below.
    memxbar::PackedI8 wp, xp;
    if (memxbar::packWeightsI8(W, R, O, wp) && memxbar::packActivationsU8(X, R, 0, P, xp)) {
      parallelFor((P + 3) / 4, threads, [&](int64_t b, int64_t e) { memxbar::gemmI8Blocked(wp, xp, 0, P, O, out, 4 * b, std::min(P, 4 * e)); });
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

// ---------------------------------------------------------------------------------------
// Bit-sliced vectors: 512 one-bit lanes, used by the crossbar kernel below.
#if defined(MX_AVX512)
typedef __m512i V;
inline V vzero() { return _mm512_setzero_si512(); }
inline V vones() { return _mm512_set1_epi64(-1); }
inline V vload(const void* p) { return _mm512_load_si512(p); }
inline void vstore(void* p, V v) { _mm512_store_si512(p, v); }
inline V vxor3(V a, V b, V c) { return _mm512_ternarylogic_epi64(a, b, c, 0x96); }
inline V vmaj(V a, V b, V c) { return _mm512_ternarylogic_epi64(a, b, c, 0xE8); }
inline V vxor(V a, V b) { return _mm512_xor_si512(a, b); }
inline V vand(V a, V b) { return _mm512_and_si512(a, b); }
inline V vor(V a, V b) { return _mm512_or_si512(a, b); }
inline V vsplat(uint64_t w) { return _mm512_set1_epi64(static_cast<int64_t>(w)); }
#else
struct alignas(64) V {
  uint64_t w[8];
};
inline V vzero() { return V{}; }
inline V vones() {
  V r;
  for (int i = 0; i < 8; i++) r.w[i] = ~uint64_t(0);
  return r;
}
inline V vload(const void* p) {
  V r;
  std::memcpy(&r, p, sizeof(V));
  return r;
}
inline void vstore(void* p, V v) { std::memcpy(p, &v, sizeof(V)); }
inline V vsplat(uint64_t w) {
  V r;
  for (int i = 0; i < 8; i++) r.w[i] = w;
  return r;
}
#define MX_V_OP(name, expr)              \
  inline V name(V a, V b) {              \
    V r;                                 \
    for (int i = 0; i < 8; i++) {        \
      const uint64_t x = a.w[i], y = b.w[i]; \
      r.w[i] = (expr);                   \
    }                                    \
    return r;                            \
  }
MX_V_OP(vxor, x ^ y)
MX_V_OP(vand, x & y)
MX_V_OP(vor, x | y)
inline V vxor3(V a, V b, V c) {
  V r;
  for (int i = 0; i < 8; i++) r.w[i] = a.w[i] ^ b.w[i] ^ c.w[i];
  return r;
}
inline V vmaj(V a, V b, V c) {
  V r;
  for (int i = 0; i < 8; i++) r.w[i] = (a.w[i] & b.w[i]) | (c.w[i] & (a.w[i] | b.w[i]));
  return r;
}
#endif
constexpr int LANES = 512;
// Storage of 512-bit vectors (std::vector of __m512i would drop its alignment attribute).
struct alignas(64) Blk {
  uint64_t w[8];
};
static_assert(sizeof(Blk) == 64 && sizeof(V) == 64, "512-bit vectors");

// ---------------------------------------------------------------------------------------
// A programmed crossbar layer (src/engine/fast.ts packLayer) and what is derived from it.
//
// Cells are given as "conductance planes": bit masks M_u over the rows of a read group, so
// that a column current is I = gMin*n + sum_u w_u * popcount(inputBits & M_u) (n = active
// rows). For a linear device the planes are the level bits (w_u = dG * 2^u); for a
// nonlinear one plane u marks the cells at level u + 1 (w_u = G(u+1) - gMin).
//
// Three ways to compute a layer, all giving the integers of docs/model.md §4-5 exactly:
//   - GEMM (linear device, lossless ADC, no current histogram): the layer is exactly linear
//     in its inputs (proof at gemmPlan below), an integer matrix product;
//   - bit-sliced (linear 1-bit cells, fixed ADC; single-ended units or differential pairs):
//     the GEMM minus a correction computed every read, lane by lane;
//   - general: every read, column by column (any device, scheme, ADC, with a histogram).
struct Plan {
  int64_t R, C, bits, rowTiles, G, PR, tileRows, W, J, U, physRows, nUnits;
  bool linear, differential, lossless;
  int64_t m, maxCode, gMin, dG, step;
  std::vector<int32_t> p2l, unitPos, unitNeg, tStart, tUnit, tCoef;
  std::vector<uint64_t> masks;
  std::vector<double> planeWeight;
  std::vector<int64_t> F;
  // F terms of the decomposed paths (buildGemm, buildBitsliced): Fg[n] is what the GEMM adds
  // per read with n active rows and unit coefficient, Fbs[n] the constant the bit-sliced
  // correction adds to a unit's count. Single-ended units: both F. Differential units (fixed
  // ADC): Fg[n] = h for n > 0 (h = 2^(m-1), 0 for m = 0), Fbs[n] = (h - n) mod 2^m.
  std::vector<int64_t> Fg, Fbs;
  // Differential clamping reads (bit-sliced): per n, the clamp bounds of u = t >> m.
  std::vector<int64_t> diffHi, diffLo;
  std::vector<int64_t> cAll;  // differential: sum of the coefficients of the terms of (rt, o)
  // Per physical row: sum over all physical columns of the cell level (linear devices).
  std::vector<int64_t> rowLevelSum;
  // physToLogical is the identity on [0, R) (and -1 beyond): the plain row map.
  bool identityRows = true;

  // ---- bit-sliced paths
  bool lanesOk = false;     // lanes and row vectors built (buildLanes)
  bool bsOk = false;        // fixed-ADC correction tables built (buildBitsliced)
  int64_t nch = 0;          // lane chunks of 512 units
  int B = 0, NT = 0, NL = 0, NA = 0;
  int64_t maxL = 0;         // bound of one sweep's correction sum_k 2^k corr_k
  int64_t heavyN = 0;       // reads with at least this many active rows may clamp
  bool bsFlushPerTile = false;
  std::vector<int64_t> rowLS;         // per logical row: rowLevelSum of its physical row (0 if unmapped)
  std::vector<int32_t> slotOfUnit;    // where bsTranspose puts unit u's value
  // Terms as gathers, 16 outputs a block: [variant][block][slot][16] slots and coefficients
  // (variant = row tile when the terms differ per tile, else 0); padding has coefficient 0.
  bool termsInt32 = false;
  int64_t termVariants = 0, termBlocks = 0, termSlots = 0;
  std::vector<int32_t> termIdx, termCoef;
  std::vector<uint8_t> termKind;      // [variant][block][slot]: 0 consecutive, 1 two values, 2 gather
  std::vector<int32_t> termAlt;       // kind 1: the second value's position
  std::vector<uint16_t> termAltMask;  // kind 1: the lanes that read it
  // [rowTiles][rowsV][nch]: bit l = cell of unit 512*ch + l. Single-ended: rowsV = tileRows + 1
  // (row tileRows: zeros). Differential: rowsV = 2*tileRows + 1, row i the G+ cell, row
  // tileRows + i the complement of the G- cell (so a unit's count over both is V+ + n - V-).
  std::vector<Blk> rowVec;
  int64_t rowsV = 0;
  int64_t listMul = 1;      // row-vector entries per active row: 1, or 2 for differential units

  // ---- GEMM path
  bool gemmOk = false;
  bool amx = false;         // kind 3: AMX tiles (kq a multiple of 16)
  bool hiPass = false;      // kind 3: some weights outside [-64, 63] (wPackedHi holds their high part)
  int gemmKind = 0;         // 0 int64 scalar, 1 VNNI u8 x s8 (+ sparse residual), 2 VNNI s16 x s16, 3 AMX u8 x s8 (two passes)
  int64_t nob = 0, kq = 0;  // 32-output blocks; k-quads (kind 1) or k-pairs (kind 2)
  std::vector<int32_t> weff;             // [C][R] effective integer weights
  std::vector<int64_t> rowW;             // per logical row: gMin*J + dG*rowLevelSum (energy figure)
  std::vector<int64_t> cSE;              // [rowTiles][C]: sum of single-ended coefficients
  bool anyC = false;
  struct Resid {
    int32_t o, r, d;
  };
  std::vector<Resid> resid;              // kind 1: weff - clamp(weff, -128, 127), nonzero entries
#if defined(MX_AVX512)
  std::vector<Blk> wPacked;              // [2*nob][kq] zmm of 16 outputs x (4 or 2) rows
  std::vector<Blk> wPackedHi;            // kind 3: the high parts floor((w + 64) / 128)
#endif

  int64_t levelAt(int64_t pr, int64_t j) const {
    const int64_t rt = pr / tileRows, i = pr % tileRows, g = i / PR, bit = i - g * PR, w = bit >> 6;
    int64_t lev = 0;
    for (int64_t u = 0; u < U; u++) {
      const uint64_t b = (masks[(((rt * G + g) * U + u) * W + w) * J + j] >> (bit & 63)) & 1;
      if (b) lev = linear ? lev + (int64_t(1) << u) : u + 1;
    }
    return lev;
  }
};

void buildLanes(Plan& pl, const std::vector<uint8_t>& lev);
void buildBitsliced(Plan& pl);
void buildGemm(Plan& pl, const std::vector<uint8_t>& lev);

void planFinalizer(Napi::Env, Plan* p) { delete p; }

// prepareLayer(args) → an opaque plan for runLayer (args: src/engine/native.ts CrossbarLayerArgs).
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
  if (p.linear) {
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

// ---------------------------------------------------------------------------------------
// General path: every read, column by column (docs/model.md §4-5).
//   V[j] = (I_j - gMin*n) / dG (linear) or I_j - gMin*n (general device)
//   single-ended unit: code = clamp(rdiv(I, step)), for a linear device (F[n] + V) >> m with
//                      F[n] = floor((2*gMin*n + dG*2^m) / (2*dG)) (src/engine/fast.ts)
//   differential unit: d = V+ - V-, linear code = (2d + 2^m) >> (m+1), clamped to ±maxCode
struct RunStats {
  double currentSum = 0;
  int64_t activeReads = 0;
};

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
  const bool hot = linear && U == 1 && W <= 2 && !differential && !wantHist;
  const int nThreads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, P)));
  std::mutex histMutex;
  std::vector<double> currentSums(nThreads, 0.0);
  std::vector<int64_t> activeReads(nThreads, 0);
  std::atomic<int64_t> nextPatch{0};
  Pool::get().run(nThreads, [&](int tid) {
    std::vector<int64_t> colAcc(J), V(J), unitAcc(nUnits);
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
        for (int64_t o = 0; o < C; o++) {
          const int64_t t = rt * C + o;
          int64_t s = 0;
          if (hot) {
            for (int32_t e = tStart[t]; e < tStart[t + 1]; e++) s += static_cast<int64_t>(tCoef[e]) * colAcc[unitPos[tUnit[e]]];
          } else {
            for (int32_t e = tStart[t]; e < tStart[t + 1]; e++) s += static_cast<int64_t>(tCoef[e]) * unitAcc[tUnit[e]];
          }
          T[o] += static_cast<double>(s);
        }
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

// ---------------------------------------------------------------------------------------
// GEMM path: linear device, lossless ADC. The layer is then exactly linear (docs/model.md §5):
//
// For a read (rt, g, k) with n active rows, a single-ended unit reads I = gMin*n + dG*V with
// V = sum over the active rows of the cell level ℓ (faults included: SA1 is level 2^cb - 1,
// SA0 level 0), so its code is rdiv(I, dG) = floor((2*gMin*n + dG + 2*dG*V) / (2*dG))
// = V + F[n] (V is an integer; F[n] = rdiv(gMin*n, dG)). A differential unit reads
// I+ - I- = dG*(V+ - V-): its code is exactly V+ - V- (gMin cancels). So
//   T[o] = sum_{rt,g,k} 2^k sum_{terms e of (rt, o)} coef_e * (V_e + [e single-ended] F[n])
// and, since sum_g sum_k 2^k [bit k of x_r] = x_r,
//   mvm[o] = sum_r Weff[o][r] * x_r + sum_rt cSE[rt][o] * sum_g sum_k 2^k F[n_{rt,g,k}]
// with Weff[o][r] = sum_{terms e of (tile of r, o)} coef_e * (ℓ(row r, pos_e) - ℓ(row r, neg_e))
// (no neg term for single-ended units) and cSE[rt][o] = sum of the single-ended coefficients.
// The energy figure is linear too: sum over reads of sum_j I_j
//   = sum_r popcount(x_r) * (gMin*J + dG * sum_j ℓ(row r, j)).

void buildGemm(Plan& p, const std::vector<uint8_t>& lev) {
  if (p.bits > 16) return;
  const int64_t R = p.R, C = p.C;
  p.weff.assign(C * R, 0);
  p.cSE.assign(p.rowTiles * C, 0);
  p.rowW.assign(R, 0);
  for (int64_t pr = 0; pr < p.physRows; pr++) {
    const int32_t r = p.p2l[pr];
    if (r < 0) continue;
    const int64_t rt = pr / p.tileRows;
    const uint8_t* lr = lev.data() + pr * p.J;
    p.rowW[r] = p.gMin * p.J + p.dG * p.rowLevelSum[pr];
    for (int64_t o = 0; o < C; o++) {
      int64_t w = 0;
      const int64_t t = rt * C + o;
      for (int32_t e = p.tStart[t]; e < p.tStart[t + 1]; e++) {
        const int32_t u = p.tUnit[e];
        const int64_t l = lr[p.unitPos[u]] - (p.unitNeg[u] >= 0 ? lr[p.unitNeg[u]] : 0);
        w += static_cast<int64_t>(p.tCoef[e]) * l;
      }
      if (w > INT32_MAX || w < INT32_MIN) return;  // not representable: general path
      p.weff[o * R + r] = static_cast<int32_t>(w);
    }
  }
  // The F term's coefficient: single-ended units always; differential units when Fg is nonzero.
  bool fgAny = false;
  for (int64_t v : p.Fg) fgAny = fgAny || v != 0;
  for (int64_t t = 0; t < p.rowTiles * C; t++)
    for (int32_t e = p.tStart[t]; e < p.tStart[t + 1]; e++)
      if (p.unitNeg[p.tUnit[e]] < 0 || (p.differential && fgAny)) p.cSE[t] += p.tCoef[e];
  for (int64_t t = 0; t < p.rowTiles * C; t++)
    if (p.cSE[t] != 0) p.anyC = true;
  p.gemmOk = true;
  p.gemmKind = 0;
#if defined(MX_VNNI)
  const int64_t maxX = (int64_t(1) << p.bits) - 1;
  int64_t maxW = 0, outside = 0;
  for (int32_t w : p.weff) {
    maxW = std::max<int64_t>(maxW, std::llabs(w));
    if (w < -128 || w > 127) outside++;
  }
  p.nob = (C + 31) / 32;
  if (useAmx() && p.bits <= 8 && maxW < (1 << 14)) {
    // AMX (u8 inputs x s8 weights), two passes: Weff = lo + 128*hi with lo in [-64, 63].
    int64_t maxHi = 0;
    for (int32_t w : p.weff) maxHi = std::max<int64_t>(maxHi, std::llabs(floorDiv(w + 64, 128)));
    if (R * maxX * (64 + 128 * maxHi) < (int64_t(1) << 31)) {
      p.gemmKind = 3;
      p.amx = true;
      p.hiPass = maxHi > 0;
      p.kq = (R + 63) / 64 * 16;  // whole tiles of 64 inputs
      p.wPacked.assign(2 * p.nob * p.kq, Blk{});
      if (p.hiPass) p.wPackedHi.assign(2 * p.nob * p.kq, Blk{});
      for (int64_t o = 0; o < C; o++)
        for (int64_t r = 0; r < R; r++) {
          const int32_t w = p.weff[o * R + r];
          const int32_t hi = static_cast<int32_t>(floorDiv(w + 64, 128));
          const int64_t at = (o / 16) * p.kq + r / 4, byte = (o % 16) * 4 + (r % 4);
          reinterpret_cast<int8_t*>(&p.wPacked[at])[byte] = static_cast<int8_t>(w - 128 * hi);
          if (p.hiPass) reinterpret_cast<int8_t*>(&p.wPackedHi[at])[byte] = static_cast<int8_t>(hi);
        }
      return;
    }
  }
  if (p.bits <= 8 && R * maxX * 128 < (int64_t(1) << 31) && outside * 16 <= R * C) {
    // u8 inputs x s8 weights (vpdpbusd), weights clamped to s8 and the rest added sparsely.
    p.gemmKind = 1;
    p.kq = (R + 3) / 4;
    p.wPacked.assign(2 * p.nob * p.kq, Blk{});
    for (int64_t o = 0; o < C; o++)
      for (int64_t r = 0; r < R; r++) {
        const int32_t w = p.weff[o * R + r];
        const int32_t lo = std::max(-128, std::min(127, w));
        int8_t* z = reinterpret_cast<int8_t*>(&p.wPacked[(o / 16) * p.kq + r / 4]);
        z[(o % 16) * 4 + (r % 4)] = static_cast<int8_t>(lo);
        if (w != lo) p.resid.push_back({static_cast<int32_t>(o), static_cast<int32_t>(r), w - lo});
      }
  } else if (p.bits <= 15 && maxW <= 32767 && R * maxX * maxW < (int64_t(1) << 31)) {
    // s16 inputs x s16 weights (vpdpwssd).
    p.gemmKind = 2;
    p.kq = (R + 1) / 2;
    p.wPacked.assign(2 * p.nob * p.kq, Blk{});
    for (int64_t o = 0; o < C; o++)
      for (int64_t r = 0; r < R; r++) {
        int16_t* z = reinterpret_cast<int16_t*>(&p.wPacked[(o / 16) * p.kq + r / 2]);
        z[(o % 16) * 2 + (r % 2)] = static_cast<int16_t>(p.weff[o * R + r]);
      }
  }
#endif
}

#if defined(MX_VNNI)
// NP patches x 32 outputs: res[i][l] = sum over k-quads (kind 1) / k-pairs (kind 2).
template <int NP, int KIND>
inline void gemmTile(const uint8_t* X, int64_t xStride, const __m512i* W0, const __m512i* W1, int64_t kq, int32_t* res) {
  __m512i a0[NP], a1[NP];
  for (int i = 0; i < NP; i++) a0[i] = a1[i] = _mm512_setzero_si512();
  for (int64_t q = 0; q < kq; q++) {
    const __m512i w0 = _mm512_load_si512(W0 + q), w1 = _mm512_load_si512(W1 + q);
    for (int i = 0; i < NP; i++) {
      int32_t xv;
      std::memcpy(&xv, X + i * xStride + 4 * q, 4);
      const __m512i xb = _mm512_set1_epi32(xv);
      if (KIND == 1) {
        a0[i] = _mm512_dpbusd_epi32(a0[i], xb, w0);
        a1[i] = _mm512_dpbusd_epi32(a1[i], xb, w1);
      } else {
        a0[i] = _mm512_dpwssd_epi32(a0[i], xb, w0);
        a1[i] = _mm512_dpwssd_epi32(a1[i], xb, w1);
      }
    }
  }
  for (int i = 0; i < NP; i++) {
    _mm512_storeu_si512(res + i * 32, a0[i]);
    _mm512_storeu_si512(res + i * 32 + 16, a1[i]);
  }
}

template <int KIND>
void gemmTileN(int np, const uint8_t* X, int64_t xStride, const __m512i* W0, const __m512i* W1, int64_t kq, int32_t* res) {
  switch (np) {
    case 1: return gemmTile<1, KIND>(X, xStride, W0, W1, kq, res);
    case 2: return gemmTile<2, KIND>(X, xStride, W0, W1, kq, res);
    case 3: return gemmTile<3, KIND>(X, xStride, W0, W1, kq, res);
    case 4: return gemmTile<4, KIND>(X, xStride, W0, W1, kq, res);
    case 5: return gemmTile<5, KIND>(X, xStride, W0, W1, kq, res);
    case 6: return gemmTile<6, KIND>(X, xStride, W0, W1, kq, res);
    case 7: return gemmTile<7, KIND>(X, xStride, W0, W1, kq, res);
    default: return gemmTile<8, KIND>(X, xStride, W0, W1, kq, res);
  }
}
#endif

// Patches [pb, pe) of the GEMM path, output blocks [ob0, ob1) (32 outputs each).
// With stats, adds the per-row popcount sums of these patches to rowCnt.
#if defined(MX_AMX)
struct TileConfig {
  uint8_t palette, startRow;
  uint8_t reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
};

// Adds the int32 tile t (16 patches x 16 outputs, row-major) to acc[o][q0 + pFirst + i].
inline void amxWrite(const Plan& p, const int32_t* tile, int64_t np, int64_t pFirst, int64_t oFirst, int64_t q0, int64_t P, double* acc) {
  if (pFirst >= np) return;
  const int64_t nValid = std::min<int64_t>(16, np - pFirst);
  const __mmask16 valid = static_cast<__mmask16>(nValid >= 16 ? 0xFFFF : (1u << nValid) - 1);
  const __mmask8 lo = static_cast<__mmask8>(valid), hi = static_cast<__mmask8>(valid >> 8);
  const __m512i rowIdx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi32(16));
  for (int o = 0; o < 16; o++) {
    const int64_t oo = oFirst + o;
    if (oo >= p.C) break;
    const __m512i col = _mm512_i32gather_epi32(_mm512_add_epi32(rowIdx, _mm512_set1_epi32(o)), tile, 4);
    double* dst = acc + oo * P + q0 + pFirst;
    _mm512_mask_storeu_pd(dst, lo, _mm512_add_pd(_mm512_maskz_loadu_pd(lo, dst), _mm512_cvtepi32_pd(_mm512_castsi512_si256(col))));
    _mm512_mask_storeu_pd(dst + 8, hi, _mm512_add_pd(_mm512_maskz_loadu_pd(hi, dst + 8), _mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(col, 1))));
  }
}

// AMX: acc[o][q0 + i] += sum_k x_i[k] * Weff[o][k] for the np packed patches in xb (u8 rows
// of xStride bytes, zero rows up to a multiple of 32) and outputs [32*ob0, 32*ob1). B tiles
// are the VNNI layout of wPacked (row q = inputs 4q..4q+3 of 16 outputs), A tiles 16 patches
// x 64 inputs. Without high parts: results of 32 patches x 32 outputs in tiles 0-3; with
// them: 16 patches x 32 outputs, low parts in tiles 0-1, high parts in 2-3, Weff = lo + 128 hi.
void amxGemm(const Plan& p, const uint8_t* xb, int64_t xStride, int64_t np, int64_t q0, int64_t P, int64_t ob0, int64_t ob1, double* acc) {
  TileConfig cfg{};
  cfg.palette = 1;
  for (int t = 0; t < 8; t++) {
    cfg.rows[t] = 16;
    cfg.colsb[t] = 64;
  }
  _tile_loadconfig(&cfg);
  const int64_t kb = p.kq / 16;
  const uint8_t* wp = reinterpret_cast<const uint8_t*>(p.wPacked.data());
  alignas(64) int32_t cbuf[4][256];
  if (!p.hiPass) {
    for (int64_t pb = 0; pb < np; pb += 32) {
      for (int64_t ob = 2 * ob0; ob < 2 * ob1; ob += 2) {
        _tile_zero(0);
        _tile_zero(1);
        _tile_zero(2);
        _tile_zero(3);
        const uint8_t* a0 = xb + pb * xStride;
        const uint8_t* a1 = a0 + 16 * xStride;
        const uint8_t* b0 = wp + ob * p.kq * 64;
        const uint8_t* b1 = b0 + p.kq * 64;
        for (int64_t k = 0; k < kb; k++) {
          _tile_loadd(4, a0 + 64 * k, xStride);
          _tile_loadd(5, a1 + 64 * k, xStride);
          _tile_loadd(6, b0 + 1024 * k, 64);
          _tile_loadd(7, b1 + 1024 * k, 64);
          _tile_dpbusd(0, 4, 6);
          _tile_dpbusd(1, 4, 7);
          _tile_dpbusd(2, 5, 6);
          _tile_dpbusd(3, 5, 7);
        }
        _tile_stored(0, cbuf[0], 64);
        _tile_stored(1, cbuf[1], 64);
        _tile_stored(2, cbuf[2], 64);
        _tile_stored(3, cbuf[3], 64);
        for (int t = 0; t < 4; t++) amxWrite(p, cbuf[t], np, pb + 16 * (t >> 1), (ob + (t & 1)) * 16, q0, P, acc);
      }
    }
  } else {
    const uint8_t* wh = reinterpret_cast<const uint8_t*>(p.wPackedHi.data());
    for (int64_t pb = 0; pb < np; pb += 16) {
      for (int64_t ob = 2 * ob0; ob < 2 * ob1; ob += 2) {
        _tile_zero(0);
        _tile_zero(1);
        _tile_zero(2);
        _tile_zero(3);
        const uint8_t* a0 = xb + pb * xStride;
        const uint8_t* b0 = wp + ob * p.kq * 64;
        const uint8_t* b1 = b0 + p.kq * 64;
        const uint8_t* h0 = wh + ob * p.kq * 64;
        const uint8_t* h1 = h0 + p.kq * 64;
        for (int64_t k = 0; k < kb; k++) {
          _tile_loadd(4, a0 + 64 * k, xStride);
          _tile_loadd(5, b0 + 1024 * k, 64);
          _tile_loadd(6, b1 + 1024 * k, 64);
          _tile_loadd(7, h0 + 1024 * k, 64);
          _tile_dpbusd(0, 4, 5);
          _tile_dpbusd(1, 4, 6);
          _tile_dpbusd(2, 4, 7);
          _tile_loadd(5, h1 + 1024 * k, 64);
          _tile_dpbusd(3, 4, 5);
        }
        _tile_stored(0, cbuf[0], 64);
        _tile_stored(1, cbuf[1], 64);
        _tile_stored(2, cbuf[2], 64);
        _tile_stored(3, cbuf[3], 64);
        for (int t = 0; t < 2; t++) {
          for (int i = 0; i < 256; i += 16) {
            const __m512i l = _mm512_load_si512(cbuf[t] + i), h = _mm512_load_si512(cbuf[t + 2] + i);
            _mm512_store_si512(cbuf[t] + i, _mm512_add_epi32(l, _mm512_slli_epi32(h, 7)));
          }
          amxWrite(p, cbuf[t], np, pb, (ob + t) * 16, q0, P, acc);
        }
      }
    }
  }
  _tile_release();
}
#endif


// Patches [pb, pe) of the GEMM path, output blocks [ob0, ob1) (32 outputs each).
// With rowCnt, adds per row the number of reads it is active in (popcount of its input).
void gemmPatches(const Plan& p, const int32_t* x, int64_t P, int64_t pb, int64_t pe, int64_t ob0, int64_t ob1, double* acc, int64_t* rowCnt, bool corr) {
  const int64_t R = p.R, C = p.C;
  const uint32_t amask = static_cast<uint32_t>((int64_t(1) << p.bits) - 1);
  // Per row, the number of reads it is active in (32-bit while counting, one pass with packing).
  thread_local std::vector<int32_t> cnt;
  if (rowCnt) cnt.assign(R + 16, 0);
  const bool packs = p.gemmKind >= 1 && p.gemmKind <= 3;
#if !defined(MX_VNNI)
  const bool countHere = rowCnt != nullptr;
#else
  const bool countHere = rowCnt != nullptr && !packs;
#endif
  if (countHere) {
    for (int64_t q = pb; q < pe; q++) {
      const int32_t* xp = x + q * R;
      for (int64_t r = 0; r < R; r++) cnt[r] += __builtin_popcount(static_cast<uint32_t>(xp[r]) & amask);
    }
  }
  (void)packs;
  if (corr && p.anyC) {
    // sum_rt cSE[rt][o] * sum_g sum_k 2^k F[n_{rt,g,k}]
    std::vector<int64_t> Q(p.rowTiles);
    for (int64_t q = pb; q < pe; q++) {
      const int32_t* xp = x + q * R;
      for (int64_t rt = 0; rt < p.rowTiles; rt++) {
        int64_t sum = 0;
        for (int64_t g = 0; g < p.G; g++) {
          int64_t n[16] = {0};
          const int64_t rowBase = rt * p.tileRows + g * p.PR, rowsHere = std::min(p.PR, p.tileRows - g * p.PR);
          for (int64_t i = 0; i < rowsHere; i++) {
            const int32_t r = p.p2l[rowBase + i];
            if (r < 0) continue;
            uint32_t v = static_cast<uint32_t>(xp[r]) & amask;
            while (v) {
              n[__builtin_ctz(v)]++;
              v &= v - 1;
            }
          }
          for (int64_t k = 0; k < p.bits; k++) sum += p.Fg[n[k]] << k;
        }
        Q[rt] = sum;
      }
      for (int64_t o = ob0 * 32; o < std::min(C, ob1 * 32); o++) {
        int64_t s = 0;
        for (int64_t rt = 0; rt < p.rowTiles; rt++) s += p.cSE[rt * C + o] * Q[rt];
        acc[o * P + q] += static_cast<double>(s);
      }
    }
  }
#if defined(MX_VNNI)
  if (packs) {
    const int64_t per = p.gemmKind == 2 ? 2 : 4;  // rows per 32-bit lane
    const int64_t xStride = p.kq * 4;             // bytes per packed patch
    const int64_t block = p.gemmKind == 3 ? pe - pb : 8;  // patches packed at once
    thread_local std::vector<uint8_t> xbuf;
    const size_t need = static_cast<size_t>(((block + 31) / 32 * 32) * xStride + 64);
    if (xbuf.size() < need) xbuf.resize(need);
    int32_t res[8 * 32];
    for (int64_t q0 = pb; q0 < pe; q0 += block) {
      const int64_t np = std::min<int64_t>(block, pe - q0);
      // Pack np patches: u8 (kind 1) or s16 (kind 2), zero padded to whole k-quads / k-pairs
      // (and, for AMX, zero rows up to a multiple of 32 patches).
      for (int64_t i = 0; i < np; i++) {
        const int32_t* xp = x + (q0 + i) * R;
        uint8_t* dst = xbuf.data() + i * xStride;
        const __m512i mk = _mm512_set1_epi32(static_cast<int32_t>(amask));
        int64_t r = 0;
        for (; r + 16 <= R; r += 16) {
          const __m512i v = _mm512_and_si512(_mm512_loadu_si512(xp + r), mk);
          if (per == 4) _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + r), _mm512_cvtepi32_epi8(v));
          else _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + 2 * r), _mm512_cvtepi32_epi16(v));
#if defined(__AVX512VPOPCNTDQ__)
          if (rowCnt) _mm512_storeu_si512(cnt.data() + r, _mm512_add_epi32(_mm512_loadu_si512(cnt.data() + r), _mm512_popcnt_epi32(v)));
#else
          if (rowCnt)
            for (int l = 0; l < 16; l++) cnt[r + l] += __builtin_popcount(static_cast<uint32_t>(xp[r + l]) & amask);
#endif
        }
        for (; r < R; r++) {
          const uint32_t v = static_cast<uint32_t>(xp[r]) & amask;
          if (rowCnt) cnt[r] += __builtin_popcount(v);
          if (per == 4) dst[r] = static_cast<uint8_t>(v);
          else {
            const int16_t h = static_cast<int16_t>(v);
            std::memcpy(dst + 2 * r, &h, 2);
          }
        }
        std::memset(dst + R * (per == 4 ? 1 : 2), 0, xStride - R * (per == 4 ? 1 : 2));
      }
#if defined(MX_AMX)
      if (p.gemmKind == 3) {
        std::memset(xbuf.data() + np * xStride, 0, ((np + 31) / 32 * 32 - np) * xStride);
        amxGemm(p, xbuf.data(), xStride, np, q0, P, ob0, ob1, acc);
        continue;
      }
#endif
      for (int64_t ob = ob0; ob < ob1 && p.gemmKind != 3; ob++) {
        const __m512i* W0 = reinterpret_cast<const __m512i*>(p.wPacked.data() + (2 * ob) * p.kq);
        const __m512i* W1 = W0 + p.kq;
        if (p.gemmKind == 1) gemmTileN<1>(static_cast<int>(np), xbuf.data(), xStride, W0, W1, p.kq, res);
        else gemmTileN<2>(static_cast<int>(np), xbuf.data(), xStride, W0, W1, p.kq, res);
        const int64_t oEnd = std::min<int64_t>(32, C - ob * 32);
        for (int64_t i = 0; i < np; i++)
          for (int64_t l = 0; l < oEnd; l++) acc[(ob * 32 + l) * P + q0 + i] += static_cast<double>(res[i * 32 + l]);
      }
      if (p.gemmKind == 1) {
        // Weights outside s8, the part beyond the clamp: sparse.
        for (const Plan::Resid& e : p.resid) {
          if (e.o < ob0 * 32 || e.o >= ob1 * 32) continue;
          double* dst = acc + e.o * P + q0;
          const int32_t* xr = x + q0 * R + e.r;
          for (int64_t i = 0; i < np; i++) dst[i] += static_cast<double>(static_cast<int64_t>(e.d) * (static_cast<uint32_t>(xr[i * R]) & amask));
        }
      }
    }
    if (rowCnt)
      for (int64_t r = 0; r < R; r++) rowCnt[r] += cnt[r];
    return;
  }
#endif
  if (rowCnt)
    for (int64_t r = 0; r < R; r++) rowCnt[r] += cnt[r];
  // Portable: exact int64 dot products.
  for (int64_t q = pb; q < pe; q++) {
    const int32_t* xp = x + q * R;
    for (int64_t o = ob0 * 32; o < std::min(C, ob1 * 32); o++) {
      const int32_t* w = p.weff.data() + o * R;
      int64_t s = 0;
#pragma omp simd reduction(+ : s)
      for (int64_t r = 0; r < R; r++) s += static_cast<int64_t>(w[r]) * static_cast<int64_t>(static_cast<uint32_t>(xp[r]) & amask);
      acc[o * P + q] += static_cast<double>(s);
    }
  }
}

void runGemm(const Plan& p, const int32_t* x, int64_t P, double* acc, int threads, RunStats& out) {
  const int64_t nob = (p.C + 31) / 32;
  std::vector<int64_t> rowCnt;
  int nThreads;
  if (P >= 4 * threads || nob == 1) {
    nThreads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, P)));
    std::vector<std::vector<int64_t>> cnt(nThreads, std::vector<int64_t>(p.R, 0));
    parallelBlocks(P, 64, nThreads, [&](int64_t pb, int64_t pe, int tid) { gemmPatches(p, x, P, pb, pe, 0, nob, acc, cnt[tid].data(), true); });
    rowCnt.assign(p.R, 0);
    for (auto& c : cnt)
      for (int64_t r = 0; r < p.R; r++) rowCnt[r] += c[r];
  } else {
    // Few patches: output blocks split over threads (the first block also counts the rows).
    nThreads = static_cast<int>(std::min<int64_t>(threads, nob));
    rowCnt.assign(p.R, 0);
    parallelBlocks(nob, 1, nThreads, [&](int64_t b, int64_t e, int) { gemmPatches(p, x, P, 0, P, b, e, acc, b == 0 ? rowCnt.data() : nullptr, true); });
  }
  int64_t cs = 0;
  for (int64_t r = 0; r < p.R; r++) cs += rowCnt[r] * p.rowW[r];
  out.currentSum += static_cast<double>(cs);
}

// ---------------------------------------------------------------------------------------
// Fixed-ADC path for a linear device with 1-bit cells and single-ended units: the exact
// linear part (the GEMM above) minus a correction computed lane by lane on bit planes.
//
// A read (patch p, row tile rt, group g, input bit k) with n active rows gives unit u (one
// column) the current I = gMin*n + dG*v_u, v_u = number of active rows whose cell is at level
// 1 (faults included). The fixed ADC (docs/model.md §5) converts it to
//   code = min(rdiv(I, dG*2^m), maxCode),  rdiv(I, dG*2^m) = floor((2*gMin*n + dG*2^m + 2*dG*v) / (2*dG*2^m))
//        = floor((F[n] + v) / 2^m)   with F[n] = floor((2*gMin*n + dG*2^m) / (2*dG))
// (floor(floor(a/b)/c) = floor(a/(b*c)) for integers, b, c > 0: write the numerator as
// 2*dG*(F[n] + v) + r with 0 <= r < 2*dG). With t = F[n] + v the numerator is
//   num = 2^m * min(t >> m, maxCode) = t - corr,   corr = (t mod 2^m) + 2^m * max(0, (t >> m) - maxCode),
// hence (D = 1)
//   mvm[o] = sum_reads 2^k sum_{terms e of (rt, o)} coef_e * (F[n] + v_e)  -  sum_e coef_e * Corr[unit_e],
//   Corr[u] = sum_reads 2^k corr_u.
// The first sum is the lossless product: Weff*x + the F term (proof at buildGemm). A read can
// clamp only if n + F[n] >= (maxCode + 1)*2^m ("heavy", since v <= n); otherwise corr = t mod 2^m
// needs only the low m bits of v: nothing for m = 0, the parity of the active rows (an XOR)
// for m = 1. Corr is computed on bit planes ("bit-sliced" integers: one lane per unit, 512 lanes
// a vector, plane i = bit i of every lane):
//   - heavy reads: v by a carry-save adder tree (Harley-Seal, 8 rows a block), t = v + F[n] by
//     a ripple adder with a constant, corr = (t mod 2^m) + 2^m * ((t >> m) - maxCode if t >> m >
//     maxCode);
//   - other reads: (v + F[n]) mod 2^m from the low m planes of v;
//
// Differential units (1-bit cells): the unit reads d = V+ - V- (gMin cancels) and converts
// code = clamp(floor((d + h) / 2^m), -maxCode, maxCode), h = 2^(m-1) (0 for m = 0); so
//   num = 2^m code = (d + h) - corr,  corr = ((d + h) mod 2^m) + 2^m (q - code), q = floor((d + h) / 2^m).
// The GEMM gives sum 2^k coef (d + h) over the active reads (Weff holds V+ - V-, the F term
// Fg[n] = h). The count v = V+ + (n - V-) runs over the G+ row vectors and the complemented
// G- row vectors of the active rows (2n entries), t = v + Fbs[n] with Fbs[n] = (h - n) mod 2^m,
// so that t = d + h + K_n 2^m (K_n >= 0): t mod 2^m = (d + h) mod 2^m and u = t >> m = q + K_n.
// Light reads (no clamp possible for this n) need t mod 2^m as above. Heavy reads clamp at
// Hi = K_n + maxCode and, when K_n > maxCode, at Lo = K_n - maxCode:
//   q - code = max(0, u - Hi) - max(0, Lo - u) = max(0, u - Hi) + min(u, Lo) - Lo,
// computed on bit planes as the non-negative corr + 2^m Lo; the constant 2^(m+k) Lo times the
// sum of the output's coefficients is added back per patch (Plan::cAll).
//   - L = sum_k 2^k corr_k per sweep (rt, g) (for the light reads, k ascending: L < 2^(m+k)
//     before adding corr_k 2^k < 2^(m+k), so the carry lands in the empty plane k + m);
//   - A += L; at the end of a patch A is transposed to one integer per lane, and
//     acc[o][p] -= sum_e coef_e * A[unit_e].

inline void bsTranspose(const V* A, int top, int32_t* lane);

// Lanes of the bit-sliced paths: one per conversion unit (linear device, 1-bit cells; all
// units single-ended, or all differential with a fixed ADC), row vectors of every tile. Also
// used for current histograms (single-ended only).
void buildLanes(Plan& p, const std::vector<uint8_t>& lev) {
  if (!p.linear || p.U != 1 || p.bits > 16 || p.PR > 4096) return;
  for (int64_t u = 0; u < p.nUnits; u++)
    if ((p.unitNeg[u] >= 0) != p.differential) return;
  if (p.differential && p.lossless) return;  // exact GEMM: nothing to correct
  p.listMul = p.differential ? 2 : 1;
  p.nch = (p.nUnits + LANES - 1) / LANES;
  // Where each unit's value ends up after bsTranspose: units in the order the terms read them
  // (slot by slot, output by output), so that most slots of 16 outputs are 16 consecutive
  // values (one load instead of a gather). at[q] = the lane bsTranspose writes to position q.
  std::vector<int32_t> at(LANES);
  {
    std::vector<Blk> planes(9, Blk{});
    for (int l = 0; l < LANES; l++)
      for (int i = 0; i < 9; i++)
        if ((l >> i) & 1) planes[i].w[l >> 6] |= uint64_t(1) << (l & 63);
    bsTranspose(reinterpret_cast<const V*>(planes.data()), 9, at.data());
  }
  p.slotOfUnit.assign(p.nUnits, -1);
  {
    int32_t next = 0;
    int64_t slotsMax = 0;
    for (int64_t o = 0; o < p.C; o++) slotsMax = std::max<int64_t>(slotsMax, p.tStart[o + 1] - p.tStart[o]);
    for (int64_t e = 0; e < slotsMax; e++)
      for (int64_t o = 0; o < p.C; o++)
        if (p.tStart[o] + e < p.tStart[o + 1]) {
          const int32_t u = p.tUnit[p.tStart[o] + e];
          if (p.slotOfUnit[u] < 0) p.slotOfUnit[u] = next++;
        }
    for (int64_t u = 0; u < p.nUnits; u++)
      if (p.slotOfUnit[u] < 0) p.slotOfUnit[u] = next++;
  }
  const int64_t rowsV = p.listMul * p.tileRows + 1;
  p.rowsV = rowsV;
  p.rowVec.assign(p.rowTiles * rowsV * p.nch, Blk{});
  auto setBit = [&](int64_t rt, int64_t row, int64_t u) {
    const int64_t pos = p.slotOfUnit[u], lane = at[pos % LANES];
    uint64_t* w = reinterpret_cast<uint64_t*>(&p.rowVec[(rt * rowsV + row) * p.nch + pos / LANES]);
    w[lane >> 6] |= uint64_t(1) << (lane & 63);
  };
  for (int64_t rt = 0; rt < p.rowTiles; rt++)
    for (int64_t i = 0; i < p.tileRows; i++) {
      const uint8_t* lr = lev.data() + (rt * p.tileRows + i) * p.J;
      for (int64_t u = 0; u < p.nUnits; u++) {
        if (lr[p.unitPos[u]]) setBit(rt, i, u);
        if (p.differential && !lr[p.unitNeg[u]]) setBit(rt, p.tileRows + i, u);
      }
    }
  p.lanesOk = true;
}

void buildBitsliced(Plan& p) {
  if (!p.gemmOk || !p.lanesOk || p.lossless) return;
  if (p.bits > 16 || p.PR > 4096 || p.m > 20) return;
  if (p.differential) {
    // Differential units: t = (V+ + n - V-) + Fbs[n] = d + h + K_n 2^m (the count runs over
    // the G+ rows and the complemented G- rows); u = t >> m = q + K_n with q = floor((d + h) / 2^m)
    // the unclamped code. A read clamps only if q can leave [-maxCode, maxCode] for |d| <= n.
    if (p.maxCode < 1) return;
    const int64_t h = p.m >= 1 ? int64_t(1) << (p.m - 1) : 0, M = p.maxCode;
    int64_t maxT = 0;
    p.diffHi.assign(p.PR + 1, 0);
    p.diffLo.assign(p.PR + 1, 0);
    p.heavyN = p.PR + 1;
    for (int64_t n = 0; n <= p.PR; n++) {
      maxT = std::max(maxT, 2 * n + p.Fbs[n]);
      const int64_t K = (p.Fbs[n] - h + n) >> p.m;  // exact: Fbs[n] = h - n + K 2^m
      p.diffHi[n] = K + M;
      p.diffLo[n] = std::max<int64_t>(0, K - M);
    }
    for (int64_t n = p.PR; n >= 1; n--)
      if (floorDiv(n + h, int64_t(1) << p.m) > M || floorDiv(h - n, int64_t(1) << p.m) < -M) p.heavyN = n;
    p.NT = bitlen(static_cast<uint64_t>(maxT));
    if (p.NT > 30) return;
    // Sum of the coefficients per (row tile, output): the heavy reads' constant offset.
    p.cAll.assign(p.rowTiles * p.C, 0);
    for (int64_t t = 0; t < p.rowTiles * p.C; t++)
      for (int32_t e = p.tStart[t]; e < p.tStart[t + 1]; e++) p.cAll[t] += p.tCoef[e];
  } else {
    if (p.maxCode < 1 || ((p.maxCode + 1) & p.maxCode) != 0) return;
    const int64_t maxT = p.PR + p.F[p.PR];
    for (int64_t n = 0; n <= p.PR; n++)
      if (p.F[n] < 0 || p.F[n] > p.F[p.PR]) return;
    p.B = bitlen(static_cast<uint64_t>(p.maxCode));
    p.NT = bitlen(static_cast<uint64_t>(maxT));
    if (p.NT > 30) return;
    p.heavyN = p.PR + 1;
    for (int64_t n = p.PR; n >= 1; n--)
      if (n + p.F[n] >= ((p.maxCode + 1) << p.m)) p.heavyN = n;
  }
  // Corr per sweep < 2^NT * 2^bits (corr <= t < 2^NT).
  p.maxL = ((int64_t(1) << p.NT) - 1) * ((int64_t(1) << p.bits) - 1);
  // Terms identical in every row tile: accumulate over all tiles, one transpose per patch.
  bool sameTerms = true;
  for (int64_t rt = 1; rt < p.rowTiles && sameTerms; rt++) {
    const int64_t off = p.tStart[rt * p.C] - p.tStart[0];
    for (int64_t o = 0; o <= p.C && sameTerms; o++)
      if (p.tStart[rt * p.C + o] - p.tStart[o] != off) sameTerms = false;
    for (int64_t e = p.tStart[0]; e < p.tStart[p.C] && sameTerms; e++)
      if (p.tUnit[e + off] != p.tUnit[e] || p.tCoef[e + off] != p.tCoef[e]) sameTerms = false;
  }
  const int naAll = bitlen(static_cast<uint64_t>(p.rowTiles * p.G * p.maxL));
  const int naTile = bitlen(static_cast<uint64_t>(p.G * p.maxL));
  p.bsFlushPerTile = !sameTerms || naAll > 31;
  p.NA = p.bsFlushPerTile ? naTile : naAll;
  if (p.NA > 31) return;
  // Terms as gathers when every output's sum fits in 32 bits.
  {
    const int64_t maxLane = (p.bsFlushPerTile ? p.G : p.rowTiles * p.G) * p.maxL;
    bool fits = true;
    int64_t slots = 0;
    for (int64_t t = 0; t < p.rowTiles * p.C; t++) {
      int64_t mag = 0;
      for (int32_t e = p.tStart[t]; e < p.tStart[t + 1]; e++) mag += std::llabs(static_cast<int64_t>(p.tCoef[e]));
      if (mag * maxLane >= (int64_t(1) << 31)) fits = false;
      slots = std::max<int64_t>(slots, p.tStart[t + 1] - p.tStart[t]);
    }
    p.termsInt32 = fits;
    p.termVariants = p.bsFlushPerTile ? p.rowTiles : 1;
    p.termBlocks = (p.C + 15) / 16;
    p.termSlots = slots;
    p.termIdx.assign(p.termVariants * p.termBlocks * slots * 16 + 16, 0);
    p.termCoef.assign(p.termVariants * p.termBlocks * slots * 16 + 16, 0);
    for (int64_t v = 0; v < p.termVariants; v++)
      for (int64_t o = 0; o < p.C; o++) {
        const int64_t t = v * p.C + o, b = o / 16, l = o % 16;
        for (int32_t e = p.tStart[t]; e < p.tStart[t + 1]; e++) {
          const int64_t at = ((v * p.termBlocks + b) * slots + (e - p.tStart[t])) * 16 + l;
          p.termIdx[at] = p.slotOfUnit[p.tUnit[e]];
          p.termCoef[at] = p.tCoef[e];
        }
      }
    // How a slot of 16 outputs reads its values: 0 = 16 consecutive values (one load), 1 = at
    // most two distinct values (two broadcasts and a blend; the reference columns of the plain
    // mapping), 2 = a gather. termAlt/termAltMask: the second value and the lanes that take it.
    p.termKind.assign(p.termVariants * p.termBlocks * slots, 2);
    p.termAlt.assign(p.termVariants * p.termBlocks * slots, 0);
    p.termAltMask.assign(p.termVariants * p.termBlocks * slots, 0);
    for (int64_t v = 0; v < p.termVariants; v++)
      for (int64_t b = 0; b < p.termBlocks; b++)
        for (int64_t e = 0; e < slots; e++) {
          const int64_t at = (v * p.termBlocks + b) * slots + e;
          const int32_t* idx = p.termIdx.data() + at * 16;
          const int64_t valid = std::min<int64_t>(16, p.C - 16 * b);
          bool contig = idx[0] + 16 <= p.nch * LANES;
          for (int64_t l = 1; l < valid && contig; l++)
            if (idx[l] != idx[0] + l) contig = false;
          int32_t alt = idx[0];
          uint16_t mask = 0;
          bool two = true;
          for (int64_t l = 1; l < valid && two; l++) {
            if (idx[l] == idx[0]) continue;
            if (mask && idx[l] != alt) two = false;
            alt = idx[l];
            mask |= static_cast<uint16_t>(1u << l);
          }
          p.termKind[at] = contig ? 0 : two ? 1 : 2;
          p.termAlt[at] = alt;
          p.termAltMask[at] = mask;
        }
  }
  p.bsOk = true;
}

// Entries per row list: the rows of a group, the padding to a block of 8 and the slack of
// a whole-vector store.
inline int64_t listStride(const Plan& p) { return p.listMul * p.PR + 32; }

// Scratch of the bit-sliced paths for a block of patches run together (so that a row tile's
// row vectors stay in the L1 cache while every patch of the block reads them).
struct BsScratch {
  int64_t block = 1;
  std::vector<uint64_t> xbits;  // [block][bits][xw]: bit r = bit k of x[r]
  int64_t xw = 0;
  int64_t cur = 0;              // the patch of the block bsGroupBits reads
  std::vector<uint64_t> gb;     // [bits][W]: group input bits
  std::vector<uint32_t> offs;   // [bits][listStride]: byte offsets of active rows in a tile's row vectors
  int64_t nAct[16], nList[16], nPad[16];
  bool heavy[16];
  bool anyLight = false, anyHeavy = false;
  std::vector<Blk> A;           // [block][nch][NA]
  std::vector<int64_t> bound;   // [block]: bound of A
  std::vector<int64_t> offAdd;  // [block]: differential heavy reads' constant, sum 2^(m+k) * Lo
  std::vector<int32_t> lane;    // [nch * 512]
  BsScratch(const Plan& p, int64_t blockSize) : block(blockSize) {
    xw = (p.R + 63) / 64 + 2;
    xbits.assign(block * p.bits * xw, 0);
    gb.assign(p.bits * p.W, 0);
    offs.assign(p.bits * listStride(p), 0);
    A.assign(block * p.nch * p.NA, Blk{});
    bound.assign(block, 0);
    offAdd.assign(block, 0);
    lane.assign(p.nch * LANES, 0);
  }
  uint64_t* bitsOf(const Plan& p, int64_t i) { return xbits.data() + i * p.bits * xw; }
};

// Bits k of x[0..R) into xbits[k] (only for the identity row map).
void bsPatchBits(const Plan& p, const int32_t* xp, BsScratch& s, int64_t i) {
  uint64_t* xb = s.bitsOf(p, i);
  std::fill(xb, xb + p.bits * s.xw, 0);
  const int64_t R = p.R, bits = p.bits;
#if defined(MX_AVX512)
  uint16_t* xb16 = reinterpret_cast<uint16_t*>(xb);
  const int64_t stride16 = s.xw * 4;
  int64_t r = 0;
  for (; r < R; r += 16) {
    const __mmask16 valid = R - r >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (R - r)) - 1);
    const __m512i v = _mm512_maskz_loadu_epi32(valid, xp + r);
    for (int64_t k = 0; k < bits; k++) xb16[k * stride16 + (r >> 4)] = _mm512_test_epi32_mask(v, _mm512_set1_epi32(1 << k));
  }
#else
  for (int64_t r = 0; r < R; r++) {
    const uint32_t v = static_cast<uint32_t>(xp[r]);
    for (int64_t k = 0; k < bits; k++)
      if ((v >> k) & 1) xb[k * s.xw + (r >> 6)] |= uint64_t(1) << (r & 63);
  }
#endif
}

// 64 bits of a bit array starting at bit position pos (the array has a zero word of slack).
inline uint64_t bitsAt(const uint64_t* a, int64_t pos) {
  const int64_t w = pos >> 6, s = pos & 63;
  return s ? (a[w] >> s) | (a[w + 1] << (64 - s)) : a[w];
}

// Count planes of sum over the listed rows (byte offsets from base) of their vectors: a
// carry-save adder tree over blocks of 8 rows (lists are padded with the zero row).
// Returns the number of planes written to cp (weights 1, 2, 4, 8, ...).
inline int bsCount(const char* base, const uint32_t* off, int64_t blocks, V* cp) {
  V c0 = vzero(), c1 = vzero(), c2 = vzero();
  V* up = cp + 3;  // the eights counter, planes 3, 4, ... of the count
  int nu = 0;
  for (int64_t b = 0; b < blocks; b++, off += 8) {
    const V r0 = vload(base + off[0]), r1 = vload(base + off[1]);
    V a1 = vmaj(c0, r0, r1);
    c0 = vxor3(c0, r0, r1);
    const V r2 = vload(base + off[2]), r3 = vload(base + off[3]);
    V b1 = vmaj(c0, r2, r3);
    c0 = vxor3(c0, r2, r3);
    const V a2 = vmaj(c1, a1, b1);
    c1 = vxor3(c1, a1, b1);
    const V r4 = vload(base + off[4]), r5 = vload(base + off[5]);
    a1 = vmaj(c0, r4, r5);
    c0 = vxor3(c0, r4, r5);
    const V r6 = vload(base + off[6]), r7 = vload(base + off[7]);
    b1 = vmaj(c0, r6, r7);
    c0 = vxor3(c0, r6, r7);
    const V b2 = vmaj(c1, a1, b1);
    c1 = vxor3(c1, a1, b1);
    V carry = vmaj(c2, a2, b2);  // weight 8
    c2 = vxor3(c2, a2, b2);
    // up (the eights counter) += carry; after b + 1 blocks up <= b + 1.
    for (int l = 0; l < nu; l++) {
      const V t = up[l];
      up[l] = vxor(t, carry);
      carry = vand(t, carry);
    }
    if (((b + 1) & b) == 0) up[nu++] = carry;  // b + 1 is a power of two: a new top plane
  }
  cp[0] = c0;
  cp[1] = c1;
  cp[2] = c2;
  return 3 + nu;
}

// One sweep (row tile rt, group g) of one chunk: L = sum_k code_k 2^k, then A += L.
// Input bits of the rows of group g of row tile rt: s.gb[k][w], bit i = physical row g*PR + 64w + i.
inline void bsGroupBits(const Plan& p, const int32_t* xp, BsScratch& s, int64_t rt, int64_t g) {
  const int64_t bits = p.bits, W = p.W, PR = p.PR;
  const int64_t rowBase = rt * p.tileRows + g * PR;
  const int64_t rowsHere = std::min(PR, p.tileRows - g * PR);
  if (p.identityRows) {
    for (int64_t k = 0; k < bits; k++) {
      const uint64_t* xk = s.bitsOf(p, s.cur) + k * s.xw;
      for (int64_t w = 0; w < W; w++) {
        const int64_t left = rowsHere - 64 * w;
        uint64_t v = left > 0 && rowBase + 64 * w < p.R ? bitsAt(xk, rowBase + 64 * w) : 0;
        if (left < 64) v &= left > 0 ? (~uint64_t(0) >> (64 - left)) : 0;
        s.gb[k * W + w] = v;
      }
    }
    return;
  }
  std::fill(s.gb.begin(), s.gb.end(), 0);
  for (int64_t i = 0; i < rowsHere; i++) {
    const int32_t r = p.p2l[rowBase + i];
    if (r < 0) continue;
    uint32_t v = static_cast<uint32_t>(xp[r]);
    while (v) {
      const int k = __builtin_ctz(v);
      v &= v - 1;
      if (k < bits) s.gb[k * W + (i >> 6)] |= uint64_t(1) << (i & 63);
    }
  }
}

// The active rows of input bit k in group g, as byte offsets of their row vectors within the
// tile, padded with the zero row to a whole block of 8 (s.offs[k], s.nPad[k]).
inline void bsListRows(const Plan& p, BsScratch& s, int64_t g, int64_t k) {
  const int64_t strideBytes = p.nch * static_cast<int64_t>(sizeof(V));
  uint32_t* off = s.offs.data() + k * listStride(p);
  int64_t cnt = 0;
  for (int64_t w = 0; w < p.W; w++) {
    const uint64_t v = s.gb[k * p.W + w];
    if (!v) continue;
    const uint32_t first = static_cast<uint32_t>((g * p.PR + 64 * w) * strideBytes);  // row within the tile
#if defined(MX_AVX512)
    const __m512i step = _mm512_set1_epi32(static_cast<int32_t>(16 * strideBytes));
    __m512i rowOff = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int32_t>(first)),
                                      _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                                         _mm512_set1_epi32(static_cast<int32_t>(strideBytes))));
    for (int q = 0; q < 4; q++, rowOff = _mm512_add_epi32(rowOff, step)) {
      const __mmask16 mk = static_cast<__mmask16>(v >> (16 * q));
      // Compress in a register and store the whole vector (a compressing store to memory is
      // slow); entries past the count are overwritten next or ignored.
      _mm512_storeu_si512(off + cnt, _mm512_maskz_compress_epi32(mk, rowOff));
      cnt += __builtin_popcount(mk);
    }
#else
    uint64_t bitsLeft = v;
    while (bitsLeft) {
      const int b = __builtin_ctzll(bitsLeft);
      bitsLeft &= bitsLeft - 1;
      off[cnt++] = first + static_cast<uint32_t>(b * strideBytes);
    }
#endif
  }
  if (p.listMul == 2) {
    // Differential units: every active row also counts its complemented G- vector.
    const uint32_t delta = static_cast<uint32_t>(p.tileRows * strideBytes);
    for (int64_t i = 0; i < cnt; i++) off[cnt + i] = off[i] + delta;
    cnt *= 2;
  }
  const uint32_t zeroRow = static_cast<uint32_t>((p.rowsV - 1) * strideBytes);
  for (int i = 0; i < 8; i++) off[cnt + i] = zeroRow;
  s.nList[k] = cnt;
  s.nPad[k] = (cnt + 7) & ~int64_t(7);
}

// A (valid planes < top0) += L (planes < nl) → valid planes < top1 (the sum is < 2^top1).
inline void bsAddPlanes(V* A, const V* L, int nl, int top0, int top1) {
  V carry = vzero();
  for (int i = 0; i < top1; i++) {
    const V a = i < top0 ? vload(A + i) : vzero();
    const V l = i < nl ? L[i] : vzero();
    vstore(A + i, vxor3(a, l, carry));
    carry = vmaj(a, l, carry);
  }
}

// u - c (mod 2^nu) into out; returns the lanes where u >= c (u: nu planes, c a constant).
inline V bsSubConst(const V* u, int nu, uint64_t c, V* out) {
  if (c == 0) {
    for (int j = 0; j < nu; j++) out[j] = u[j];
    return vones();
  }
  if (nu < 64 && c >= (uint64_t(1) << nu)) {
    for (int j = 0; j < nu; j++) out[j] = vzero();
    return vzero();
  }
  const uint64_t add = (uint64_t(1) << nu) - c;  // u + 2^nu - c carries out iff u >= c
  V carry = vzero();
  for (int j = 0; j < nu; j++) {
    const V a = vsplat(0 - ((add >> j) & 1));
    out[j] = vxor3(u[j], a, carry);
    carry = vmaj(u[j], a, carry);
  }
  return carry;
}

// One sweep (row tile, group) of one chunk: A += sum_k 2^k corr_k. MM = m when 0 or 1 at
// compile time, else -1 (p.m at run time). A's bound grows top0 → top1 (light reads) → top2 (heavy).
template <int MM>
void bsCorrSweep(const Plan& p, const BsScratch& s, const char* base, V* A, int top0, int top1, int top2) {
  const int m = MM >= 0 ? MM : static_cast<int>(p.m);
  const int bits = static_cast<int>(p.bits), NT = p.NT, B = p.B;
  const V zero = vzero();
  const int64_t stride = listStride(p);
  if (m > 0 && s.anyLight) {
    // Light reads: L = sum_k 2^k ((v_k + F[n_k]) mod 2^m).
    V L[48];
    for (int i = 0; i < m + bits; i++) L[i] = zero;
    for (int k = 0; k < bits; k++) {
      if (!s.nAct[k] || s.heavy[k]) continue;
      const uint32_t* off = s.offs.data() + k * stride;
      const uint64_t f = static_cast<uint64_t>(p.Fbs[s.nAct[k]]);
      if (m == 1) {
        // v mod 2 = XOR of the listed rows (the list is padded to 8 with the zero row).
        V a = zero, b = zero;
        const int64_t n4 = (s.nList[k] + 3) & ~int64_t(3);
        for (int64_t i = 0; i < n4; i += 4) {
          a = vxor3(a, vload(base + off[i]), vload(base + off[i + 1]));
          b = vxor3(b, vload(base + off[i + 2]), vload(base + off[i + 3]));
        }
        L[k] = vxor3(a, b, vsplat(0 - (f & 1)));  // plane k of L is empty (L < 2^k)
        continue;
      }
      V cp[32];
      const int ncp = bsCount(base, off, s.nPad[k] >> 3, cp);
      for (int i = ncp; i < m; i++) cp[i] = zero;
      V c[32];
      V carry = zero;
      for (int i = 0; i < m; i++) {
        const V fm = vsplat(0 - ((f >> i) & 1));
        c[i] = vxor3(cp[i], fm, carry);
        carry = vmaj(cp[i], fm, carry);
      }
      carry = zero;
      for (int i = 0; i < m; i++) {
        const V l = L[k + i];
        L[k + i] = vxor3(l, c[i], carry);
        carry = vmaj(l, c[i], carry);
      }
      L[k + m] = carry;
    }
    bsAddPlanes(A, L, m + bits, top0, top1);
  }
  if (s.anyHeavy) {
    // Heavy reads: corr = (t mod 2^m) + 2^m * (t >> m) - maxCode where t >> m > maxCode.
    V L[48];
    for (int i = 0; i < 48; i++) L[i] = zero;
    int64_t bound = 0;
    const int NU = NT - m;  // planes of t >> m (heavy reads exist only if NU > B)
    const uint64_t sub = NU > 0 ? ((uint64_t(1) << NU) - static_cast<uint64_t>(p.maxCode)) & ((uint64_t(1) << NU) - 1) : 0;
    for (int k = 0; k < bits; k++) {
      if (!s.nAct[k] || !s.heavy[k]) continue;
      V cp[32];
      const int ncp = bsCount(base, s.offs.data() + k * stride, s.nPad[k] >> 3, cp);
      for (int i = ncp; i < NT; i++) cp[i] = zero;
      const uint64_t f = static_cast<uint64_t>(p.Fbs[s.nAct[k]]);
      V t[32];
      V carry = zero;
      for (int i = 0; i < NT; i++) {
        const V fm = vsplat(0 - ((f >> i) & 1));
        t[i] = vxor3(cp[i], fm, carry);
        carry = vmaj(cp[i], fm, carry);
      }
      V corr[32];
      for (int i = 0; i < m; i++) corr[i] = t[i];
      if (p.differential) {
        // corr + 2^m Lo = (t mod 2^m) + 2^m (max(0, u - Hi) + min(u, Lo)), u = t >> m (the
        // caller adds the constant 2^(m+k) Lo back); max(0, u - Hi) + min(u, Lo) <= u.
        const int64_t n = s.nAct[k];
        V dh[32], dl[32];
        const V geHi = bsSubConst(t + m, NU, static_cast<uint64_t>(p.diffHi[n]), dh);
        const uint64_t lo = static_cast<uint64_t>(p.diffLo[n]);
        const V geLo = bsSubConst(t + m, NU, lo, dl);
        carry = zero;
        for (int j = 0; j < NU; j++) {
          const V ex = vand(dh[j], geHi);
          const V mn = vor(vand(t[m + j], vxor(geLo, vones())), vand(vsplat(0 - ((lo >> j) & 1)), geLo));
          corr[m + j] = vxor3(ex, mn, carry);
          carry = vmaj(ex, mn, carry);
        }
      } else {
        V ovf = zero;
        for (int i = m + B; i < NT; i++) ovf = vor(ovf, t[i]);
        // e = (t >> m) - maxCode (mod 2^NU), kept where t >> m > maxCode
        carry = zero;
        for (int j = 0; j < NU; j++) {
          const V sm = vsplat(0 - ((sub >> j) & 1));
          const V e = vxor3(t[m + j], sm, carry);
          carry = vmaj(t[m + j], sm, carry);
          corr[m + j] = vand(e, ovf);
        }
      }
      // L += corr << k
      const int topB = bitlen(static_cast<uint64_t>(bound));
      bound += ((int64_t(1) << NT) - 1) << k;
      const int topA = bitlen(static_cast<uint64_t>(bound));
      carry = zero;
      for (int i = k; i < topA; i++) {
        const V l = i < topB ? L[i] : zero;
        const V c = i - k < NT ? corr[i - k] : zero;
        L[i] = vxor3(l, c, carry);
        carry = vmaj(l, c, carry);
      }
    }
    bsAddPlanes(A, L, 48, top1, top2);
  }
}

#if defined(MX_AVX512) && defined(__GFNI__)
// 8 bit planes X[7-t] (t = 0..7; X[i] = plane i, 512 lanes) to one byte per lane (in the
// fixed order of this routine): three rounds of byte / word / dword interleaving put byte b
// of the 8 planes into one qword (plane i in byte 7-i), then GF2P8AFFINEQB with the unit
// bytes 1, 2, ..., 128 as operand transposes each qword as an 8x8 bit matrix.
inline void bytesOf8Planes(const V* A, int first, int count, __m512i out[8]) {
  __m512i X[8];
  for (int t = 0; t < 8; t++) {
    const int i = first + 7 - t;
    X[t] = i - first < count ? _mm512_load_si512(A + i) : _mm512_setzero_si512();
  }
  __m512i u[8], v[8];
  for (int q = 0; q < 4; q++) {
    u[2 * q] = _mm512_unpacklo_epi8(X[2 * q], X[2 * q + 1]);
    u[2 * q + 1] = _mm512_unpackhi_epi8(X[2 * q], X[2 * q + 1]);
  }
  for (int q = 0; q < 2; q++)
    for (int h = 0; h < 2; h++) {
      v[4 * q + 2 * h] = _mm512_unpacklo_epi16(u[4 * q + h], u[4 * q + 2 + h]);
      v[4 * q + 2 * h + 1] = _mm512_unpackhi_epi16(u[4 * q + h], u[4 * q + 2 + h]);
    }
  const __m512i unit = _mm512_set1_epi64(static_cast<int64_t>(0x8040201008040201ull));
  for (int j = 0; j < 4; j++) {
    out[2 * j] = _mm512_gf2p8affine_epi64_epi8(unit, _mm512_unpacklo_epi32(v[j], v[4 + j]), 0);
    out[2 * j + 1] = _mm512_gf2p8affine_epi64_epi8(unit, _mm512_unpackhi_epi32(v[j], v[4 + j]), 0);
  }
}
#endif

// Bit planes 0..top-1 of one chunk to one integer per lane, lane values in the order this
// routine produces them (Plan::slotOfUnit maps a unit to its position). top <= 32.
inline void bsTranspose(const V* A, int top, int32_t* lane) {
#if defined(MX_AVX512) && defined(__GFNI__)
  __m512i g[4][8];
  const int groups = (top + 7) / 8;
  for (int q = 0; q < 4; q++) {
    if (q < groups) bytesOf8Planes(A, 8 * q, std::min(8, top - 8 * q), g[q]);
    else
      for (int z = 0; z < 8; z++) g[q][z] = _mm512_setzero_si512();
  }
  for (int z = 0; z < 8; z++) {
    const __m512i wl = _mm512_unpacklo_epi8(g[0][z], g[1][z]), wh = _mm512_unpackhi_epi8(g[0][z], g[1][z]);
    const __m512i xl = _mm512_unpacklo_epi8(g[2][z], g[3][z]), xh = _mm512_unpackhi_epi8(g[2][z], g[3][z]);
    _mm512_storeu_si512(lane + 64 * z, _mm512_unpacklo_epi16(wl, xl));
    _mm512_storeu_si512(lane + 64 * z + 16, _mm512_unpackhi_epi16(wl, xl));
    _mm512_storeu_si512(lane + 64 * z + 32, _mm512_unpacklo_epi16(wh, xh));
    _mm512_storeu_si512(lane + 64 * z + 48, _mm512_unpackhi_epi16(wh, xh));
  }
#else
  const uint64_t* w = reinterpret_cast<const uint64_t*>(A);
  for (int l = 0; l < LANES; l++) {
    int32_t v = 0;
    for (int i = 0; i < top; i++) v |= static_cast<int32_t>((w[i * 8 + (l >> 6)] >> (l & 63)) & 1) << i;
    lane[l] = v;
  }
#endif
}

// acc[o*P + p] += scale * sum over the terms of row tile rt of coef * value(unit); lane holds
// the transposed values of all chunks.
inline void bsTerms(const Plan& p, const int32_t* lane, int64_t rt, double* acc, int64_t P, int64_t pIdx, double scale) {
#if defined(MX_AVX512)
  if (p.termsInt32) {
    const int64_t variant = p.termVariants > 1 ? rt : 0;
    alignas(64) int32_t T[16];
    for (int64_t b = 0; b < p.termBlocks; b++) {
      const int64_t base = ((variant * p.termBlocks + b) * p.termSlots) * 16;
      __m512i t = _mm512_setzero_si512();
      for (int64_t e = 0; e < p.termSlots; e++) {
        const __m512i cf = _mm512_loadu_si512(p.termCoef.data() + base + e * 16);
        const int64_t at = base / 16 + e;
        const int kind = p.termKind[at];
        const __m512i v = kind == 0   ? _mm512_loadu_si512(lane + p.termIdx[base + e * 16])
                          : kind == 1 ? _mm512_mask_blend_epi32(p.termAltMask[at], _mm512_set1_epi32(lane[p.termIdx[base + e * 16]]), _mm512_set1_epi32(lane[p.termAlt[at]]))
                                      : _mm512_i32gather_epi32(_mm512_loadu_si512(p.termIdx.data() + base + e * 16), lane, 4);
        t = _mm512_add_epi32(t, _mm512_mullo_epi32(v, cf));
      }
      _mm512_store_si512(T, t);
      const int64_t oEnd = std::min<int64_t>(16, p.C - 16 * b);
      for (int64_t l = 0; l < oEnd; l++) acc[(16 * b + l) * P + pIdx] += static_cast<double>(T[l]) * scale;
    }
    return;
  }
#endif
  const int32_t* tS = p.tStart.data() + rt * p.C;
  for (int64_t o = 0; o < p.C; o++) {
    int64_t sum = 0;
    for (int32_t e = tS[o]; e < tS[o + 1]; e++) sum += static_cast<int64_t>(p.tCoef[e]) * lane[p.slotOfUnit[p.tUnit[e]]];
    acc[o * P + pIdx] += static_cast<double>(sum) * scale;
  }
}

// Correction of patches q0..q0+np-1 over chunks [ch0, ch1): acc[o][p] -= sum_e coef_e * Corr[unit_e].
// With doTerms the terms are applied here (the caller owns all chunks); otherwise lane values
// go to laneOut[flush][nch*512] (flush = row tile or 0; np = 1).
void bsCorrBlock(const Plan& p, const int32_t* x, int64_t q0, int64_t np, int64_t P, int64_t ch0, int64_t ch1, BsScratch& s, bool doTerms, int32_t* laneOut,
                 double* acc) {
  const int64_t bits = p.bits, W = p.W, rowsV = p.rowsV, R = p.R;
  const int m = static_cast<int>(p.m);
  for (int64_t i = 0; i < np; i++) {
    if (p.identityRows) bsPatchBits(p, x + (q0 + i) * R, s, i);
    s.bound[i] = 0;
  }
  auto flush = [&](int64_t i, int64_t rt) {
    const int64_t bound = s.bound[i];
    s.bound[i] = 0;
    if (doTerms && bound == 0) return;  // no correction
    const int top = bitlen(static_cast<uint64_t>(bound));
    const Blk* Ai = s.A.data() + i * p.nch * p.NA;
    for (int64_t ch = ch0; ch < ch1; ch++) {
      int32_t* lane = doTerms ? s.lane.data() + ch * LANES : laneOut + (p.bsFlushPerTile ? rt : 0) * p.nch * LANES + ch * LANES;
      bsTranspose(reinterpret_cast<const V*>(Ai + ch * p.NA), top, lane);
    }
    if (doTerms) bsTerms(p, s.lane.data(), rt, acc, P, q0 + i, -1.0);
  };
  auto sweep = m == 0 ? bsCorrSweep<0> : m == 1 ? bsCorrSweep<1> : bsCorrSweep<-1>;
  for (int64_t rt = 0; rt < p.rowTiles; rt++) {
    const char* tileBase = reinterpret_cast<const char*>(p.rowVec.data() + rt * rowsV * p.nch);
    for (int64_t g = 0; g < p.G; g++) {
      for (int64_t i = 0; i < np; i++) {
        s.cur = i;
        bsGroupBits(p, x + (q0 + i) * R, s, rt, g);
        // Classify the reads; list the active rows of those that need them.
        int64_t boundLight = 0, boundHeavy = 0;
        s.anyLight = s.anyHeavy = false;
        for (int64_t k = 0; k < bits; k++) {
          int64_t n = 0;
          for (int64_t w = 0; w < W; w++) n += __builtin_popcountll(s.gb[k * W + w]);
          s.nAct[k] = n;
          s.heavy[k] = n >= p.heavyN;
          if (!n || (!s.heavy[k] && m == 0)) continue;  // a light read without shift: no correction
          if (s.heavy[k]) {
            s.anyHeavy = true;
            boundHeavy += ((int64_t(1) << p.NT) - 1) << k;
            if (p.differential) s.offAdd[i] += p.diffLo[n] << (m + k);
          } else {
            s.anyLight = true;
            boundLight += ((int64_t(1) << std::min(m, p.NT)) - 1) << k;
          }
          bsListRows(p, s, g, k);
        }
        if (!s.anyLight && !s.anyHeavy) continue;
        const int64_t bound = s.bound[i];
        const int top0 = bitlen(static_cast<uint64_t>(bound));
        const int top1 = bitlen(static_cast<uint64_t>(bound + boundLight));
        const int top2 = bitlen(static_cast<uint64_t>(bound + boundLight + boundHeavy));
        Blk* Ai = s.A.data() + i * p.nch * p.NA;
        for (int64_t ch = ch0; ch < ch1; ch++) sweep(p, s, tileBase + ch * sizeof(V), reinterpret_cast<V*>(Ai + ch * p.NA), top0, top1, top2);
        s.bound[i] = bound + boundLight + boundHeavy;
      }
    }
    if (p.differential) {
      // The heavy reads' constant: acc += (sum of the coefficients) * sum 2^(m+k) Lo, once per patch.
      for (int64_t i = 0; i < np; i++) {
        const int64_t add = s.offAdd[i];
        s.offAdd[i] = 0;
        if (!add || ch0 != 0) continue;
        for (int64_t o = 0; o < p.C; o++) acc[o * P + q0 + i] += static_cast<double>(p.cAll[rt * p.C + o] * add);
      }
    }
    if (p.bsFlushPerTile)
      for (int64_t i = 0; i < np; i++) flush(i, rt);
  }
  if (!p.bsFlushPerTile)
    for (int64_t i = 0; i < np; i++) flush(i, 0);
}

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

// The fixed-ADC path: the GEMM (with the F term and the energy figure), then the correction.
void runDecomposed(const Plan& p, const int32_t* x, int64_t P, double* acc, int threads, RunStats& out) {
  runGemm(p, x, P, acc, threads, out);
  if (P >= 2 * threads || p.nch == 1 || threads == 1) {
    // Patches split over threads; every thread owns all lanes of its patches.
    const int nThreads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, P)));
    constexpr int64_t BLOCK = 16;
    std::vector<std::unique_ptr<BsScratch>> scratch(nThreads);
    parallelBlocks(P, BLOCK, nThreads, [&](int64_t pb, int64_t pe, int tid) {
      if (!scratch[tid]) scratch[tid] = std::make_unique<BsScratch>(p, BLOCK);
      bsCorrBlock(p, x, pb, pe - pb, P, 0, p.nch, *scratch[tid], true, nullptr, acc);
    });
    return;
  }
  // Few patches (fully connected layers): lane chunks split over threads, terms after.
  const int nThreads = static_cast<int>(std::min<int64_t>(threads, p.nch));
  const int64_t flushes = p.bsFlushPerTile ? p.rowTiles : 1;
  std::vector<int32_t> lanes(flushes * p.nch * LANES);
  for (int64_t q = 0; q < P; q++) {
    const int64_t chunk = (p.nch + nThreads - 1) / nThreads;
    Pool::get().run(nThreads, [&](int tid) {
      const int64_t cb = tid * chunk, ce = std::min(p.nch, cb + chunk);
      if (cb >= ce) return;
      BsScratch s(p, 1);
      bsCorrBlock(p, x, q, 1, P, cb, ce, s, false, lanes.data(), acc);
    });
    for (int64_t f = 0; f < flushes; f++) bsTerms(p, lanes.data() + f * p.nch * LANES, f, acc, P, q, -1.0);
  }
}

// runLayer(plan, x, P, acc, threads, hist|null, stats Float64Array(2)): acc[o*P + p] += mvm[o][p];
// stats = [sum of read currents (energy figure), reads with at least one active row].
Napi::Value RunLayer(const Napi::CallbackInfo& info) {
  const Plan& p = *info[0].As<Napi::External<Plan>>().Data();
  const int32_t* x = data<int32_t>(info[1]);
  const int64_t P = info[2].As<Napi::Number>().Int64Value();
  double* acc = data<double>(info[3]);
  const int threads = std::max(1, info[4].As<Napi::Number>().Int32Value());
  double* hist = info[5].IsTypedArray() ? data<double>(info[5]) : nullptr;
  const int64_t histBins = hist ? static_cast<int64_t>(info[5].As<Napi::TypedArray>().ElementLength()) : 0;
  double* stats = data<double>(info[6]);
  RunStats st;
  if (hist && p.gemmOk && p.lanesOk && p.lossless && !p.differential) runHist(p, x, P, acc, threads, hist, histBins, st);
  else if (!hist && p.gemmOk && p.lossless) runGemm(p, x, P, acc, threads, st);
  else if (!hist && p.bsOk) runDecomposed(p, x, P, acc, threads, st);
  else runGeneral(p, x, P, acc, threads, hist, histBins, st);
  stats[0] = st.currentSum;
  stats[1] = static_cast<double>(st.activeReads);
  return info.Env().Undefined();
}

// setFeatures({amx}) → the features in use: switches AMX off (or back on) for the layers
// prepared afterwards, so that tests can check every path on machines that have it.
Napi::Value SetFeatures(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && info[0].IsObject()) {
    Napi::Object o = info[0].As<Napi::Object>();
    if (o.Has("amx")) amxWanted = o.Get("amx").As<Napi::Boolean>().Value();
  }
  Napi::Object r = Napi::Object::New(info.Env());
  r.Set("amx", useAmx());
#if defined(MX_VNNI)
  r.Set("avx512vnni", true);
#else
  r.Set("avx512vnni", false);
#endif
#if defined(MX_AVX512)
  r.Set("avx512", true);
#else
  r.Set("avx512", false);
#endif
  return r;
}

// layerPath(plan) → which path runLayer takes without a histogram (for tests and benches).
Napi::Value LayerPath(const Napi::CallbackInfo& info) {
  const Plan& p = *info[0].As<Napi::External<Plan>>().Data();
  const char* kind = p.gemmKind == 3 ? "amx" : p.gemmKind == 1 ? "s8" : p.gemmKind == 2 ? "s16" : "int64";
  const std::string s = p.gemmOk && p.lossless ? std::string("gemm-") + kind
                       : p.bsOk                ? std::string("gemm-") + kind + (p.differential ? "+bitsliced-differential" : "+bitsliced")
                                               : "general";
  return Napi::String::New(info.Env(), s);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("gemmF32", Napi::Function::New(env, GemmF32));
  exports.Set("gemmI32", Napi::Function::New(env, GemmI32));
  exports.Set("im2colI32", Napi::Function::New(env, Im2colI32));
  exports.Set("maxPoolI32", Napi::Function::New(env, MaxPoolI32));
  exports.Set("biasRequant", Napi::Function::New(env, BiasRequant));
  exports.Set("prepareLayer", Napi::Function::New(env, PrepareLayer));
  exports.Set("runLayer", Napi::Function::New(env, RunLayer));
  exports.Set("layerPath", Napi::Function::New(env, LayerPath));
  exports.Set("setFeatures", Napi::Function::New(env, SetFeatures));
  exports.Set("hardwareThreads", Napi::Number::New(env, std::thread::hardware_concurrency()));
  return exports;
}

}  // namespace

NODE_API_MODULE(memxbar_native, Init)

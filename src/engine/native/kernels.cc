// memxbar native kernels: the hot loops of the fast engine and of the float / integer
// inference paths. Built at install time by node-gyp for the machine it runs on
// (-march=native). Every kernel here has a readable TypeScript twin it is tested against:
//   gemmF32 / gemmI32   ↔ src/nn/ops.ts gemm
//   crossbarLayer       ↔ src/crossbar/reference.ts crossbarMatmul (docs/model.md)
// Kernels only read and write the typed arrays they are given; they keep no state.
#include <napi.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <thread>
#include <vector>

namespace {

template <typename T>
T* data(const Napi::Value& v) {
  auto a = v.As<Napi::TypedArray>();
  return reinterpret_cast<T*>(static_cast<uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset());
}

int64_t num(const Napi::Object& o, const char* key) { return o.Get(key).As<Napi::Number>().Int64Value(); }

// Run f(begin, end) over [0, n) split into `threads` contiguous chunks.
template <typename F>
void parallelFor(int64_t n, int threads, F f) {
  threads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, n)));
  if (threads == 1) {
    f(0, n);
    return;
  }
  std::vector<std::thread> pool;
  int64_t chunk = (n + threads - 1) / threads;
  for (int t = 0; t < threads; t++) {
    int64_t b = t * chunk, e = std::min(n, b + chunk);
    if (b < e) pool.emplace_back([=] { f(b, e); });
  }
  for (auto& th : pool) th.join();
}

// out[o*P + p] += sum_r W[o*R + r] * X[p*R + r]   (float32 products, float32 accumulation)
Napi::Value GemmF32(const Napi::CallbackInfo& info) {
  const float* W = data<float>(info[0]);
  const float* X = data<float>(info[1]);
  const int64_t R = info[2].As<Napi::Number>().Int64Value();
  const int64_t P = info[3].As<Napi::Number>().Int64Value();
  const int64_t O = info[4].As<Napi::Number>().Int64Value();
  double* out = data<double>(info[5]);
  const int threads = info[6].As<Napi::Number>().Int32Value();
  auto body = [&](int64_t b, int64_t e, bool overP) {
    for (int64_t i = b; i < e; i++) {
      int64_t p0 = overP ? i : 0, p1 = overP ? i + 1 : P;
      int64_t o0 = overP ? 0 : i, o1 = overP ? O : i + 1;
      for (int64_t p = p0; p < p1; p++) {
        const float* x = X + p * R;
        for (int64_t o = o0; o < o1; o++) {
          const float* w = W + o * R;
          float s = 0;
#pragma omp simd reduction(+ : s)
          for (int64_t r = 0; r < R; r++) s += w[r] * x[r];
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

// One layer's product on crossbar subarrays, exactly as docs/model.md §4-5 (lossless and
// fixed ADC modes). Cells are described by "conductance planes": bit masks M_u over the rows
// of a read group with weights w_u, so that a column current is
//   I = gMin*n + sum_u w_u * popcount(inputBits & M_u)       (n = active rows)
// For a linear device the planes are the level bits (w_u = dG * 2^u) and the ADC is a shift:
//   code = min((F[n] + V) >> m, maxCode),  V = sum_u 2^u * popcount(...)
// with F[n] = floor((2*gMin*n + dG*2^m) / (2*dG)) precomputed (see src/engine/fast.ts).
Napi::Value CrossbarLayer(const Napi::CallbackInfo& info) {
  Napi::Object a = info[0].As<Napi::Object>();
  const int32_t* x = data<int32_t>(a.Get("x"));
  const int64_t P = num(a, "P"), R = num(a, "R"), C = num(a, "C");
  const int64_t bits = num(a, "activationBits");
  const int64_t rowTiles = num(a, "rowTiles"), groups = num(a, "groups"), PR = num(a, "parallelRead");
  const int64_t tileRows = num(a, "tileRows"), W = num(a, "words"), J = num(a, "physCols"), U = num(a, "planes");
  const int32_t* physToLogical = data<int32_t>(a.Get("physToLogical"));
  const uint64_t* masks = data<uint64_t>(a.Get("masks"));
  const double* planeWeight = data<double>(a.Get("planeWeight"));
  const bool linear = a.Get("linear").As<Napi::Boolean>().Value();
  const int64_t m = num(a, "m"), maxCode = num(a, "maxCode");  // maxCode < 0: no clamp (lossless)
  const double* F = data<double>(a.Get("F"));                   // linear: F[n], n = 0..PR
  const int64_t gMin = num(a, "gMin"), step = num(a, "step");   // general: rdiv(I, step)
  const int32_t* tStart = data<int32_t>(a.Get("termsStart"));
  const int32_t* tCol = data<int32_t>(a.Get("termsCol"));
  const int32_t* tCoef = data<int32_t>(a.Get("termsCoef"));
  double* acc = data<double>(a.Get("acc"));
  const int threads = static_cast<int>(num(a, "threads"));
  const int64_t dG = num(a, "dG");

  std::vector<double> currentSums(std::max(1, threads), 0.0);
  std::vector<int64_t> activeReads(std::max(1, threads), 0);
  auto work = [&](int tid, int64_t pBegin, int64_t pEnd) {
    std::vector<int64_t> colAcc(J);
    std::vector<uint64_t> in(bits * W);
    std::vector<int64_t> V(J);
    std::vector<double> T(C);
    int64_t activeK[32], activeN[32];
    std::vector<uint64_t> activeB(W * 32);
    double currentSum = 0;
    int64_t active = 0;
    for (int64_t p = pBegin; p < pEnd; p++) {
      const int32_t* xp = x + p * R;
      std::fill(T.begin(), T.end(), 0.0);
      for (int64_t rt = 0; rt < rowTiles; rt++) {
        std::fill(colAcc.begin(), colAcc.end(), 0);
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
          const uint64_t* gm = masks + ((rt * groups + g) * U) * W * J;
          // Active bit planes of this group (a plane with no active row reads I = 0, code 0).
          int nk = 0;
          for (int64_t k = 0; k < bits; k++) {
            const uint64_t* b = in.data() + k * W;
            int64_t n = 0;
            for (int64_t w = 0; w < W; w++) n += __builtin_popcountll(b[w]);
            if (n == 0) continue;
            activeK[nk] = k;
            activeN[nk] = n;
            for (int64_t w = 0; w < W; w++) activeB[w * 32 + nk] = b[w];
            nk++;
          }
          if (nk == 0) continue;
          active += nk;
          if (linear && U == 1 && W <= 2) {
            // Hot path (1-bit cells, up to 128 rows per read): masks are loaded once per
            // column and reused for every active bit plane.
            const uint64_t* m0 = gm;
            const uint64_t* m1 = W == 2 ? gm + J : gm;
            int64_t Fk[32], shiftK[32];
            uint64_t b0[32], b1[32];
            int64_t nSum = 0;
            for (int t = 0; t < nk; t++) {
              Fk[t] = static_cast<int64_t>(F[activeN[t]]);
              shiftK[t] = activeK[t];
              b0[t] = activeB[t];
              b1[t] = W == 2 ? activeB[32 + t] : 0;
              nSum += activeN[t];
            }
            const int64_t clampCode = maxCode < 0 ? INT64_MAX : maxCode;
            int64_t* ca = colAcc.data();
            int64_t sumV = 0;
            for (int t = 0; t < nk; t++) {
              const uint64_t c0 = b0[t], c1 = b1[t];
              const int64_t f = Fk[t], sh = shiftK[t];
              int64_t sv = 0;
#pragma omp simd reduction(+ : sv)
              for (int64_t j = 0; j < J; j++) {
                const int64_t v = __builtin_popcountll(m0[j] & c0) + __builtin_popcountll(m1[j] & c1);
                sv += v;
                int64_t code = (f + v) >> m;
                code = code > clampCode ? clampCode : code;
                ca[j] += (code << m) << sh;
              }
              sumV += sv;
            }
            currentSum += static_cast<double>(gMin) * nSum * J + static_cast<double>(dG) * sumV;
            continue;
          }
          for (int t = 0; t < nk; t++) {
            const int64_t k = activeK[t];
            const int64_t n = activeN[t];
            const uint64_t* b = in.data() + k * W;
            std::fill(V.begin(), V.end(), 0);
            for (int64_t u = 0; u < U; u++) {
              const int64_t scale = linear ? (int64_t(1) << u) : 1;
              const uint64_t* mu = gm + u * W * J;
              if (!linear) {
                // general device: accumulate w_u * popcount as current directly
                const int64_t wu = static_cast<int64_t>(planeWeight[u]);
                for (int64_t w = 0; w < W; w++) {
                  const uint64_t bw = b[w];
                  if (!bw) continue;
                  const uint64_t* mw = mu + w * J;
                  for (int64_t j = 0; j < J; j++) V[j] += wu * __builtin_popcountll(mw[j] & bw);
                }
                continue;
              }
              for (int64_t w = 0; w < W; w++) {
                const uint64_t bw = b[w];
                if (!bw) continue;
                const uint64_t* mw = mu + w * J;
                int64_t* Vp = V.data();
#pragma omp simd
                for (int64_t j = 0; j < J; j++) Vp[j] += scale * __builtin_popcountll(mw[j] & bw);
              }
            }
            int64_t* ca = colAcc.data();
            const int64_t* Vp = V.data();
            if (linear) {
              const int64_t Fn = static_cast<int64_t>(F[n]);
              int64_t sumV = 0;
              if (maxCode < 0) {
#pragma omp simd reduction(+ : sumV)
                for (int64_t j = 0; j < J; j++) {
                  sumV += Vp[j];
                  ca[j] += (Fn + Vp[j]) << k;
                }
              } else {
#pragma omp simd reduction(+ : sumV)
                for (int64_t j = 0; j < J; j++) {
                  sumV += Vp[j];
                  int64_t code = (Fn + Vp[j]) >> m;
                  code = code > maxCode ? maxCode : code;
                  ca[j] += (code << m) << k;
                }
              }
              currentSum += static_cast<double>(gMin * n) * J + static_cast<double>(dG) * sumV;
            } else {
              for (int64_t j = 0; j < J; j++) {
                const int64_t I = gMin * n + Vp[j];
                currentSum += static_cast<double>(I);
                int64_t code = (2 * I + step) / (2 * step);
                if (maxCode >= 0 && code > maxCode) code = maxCode;
                ca[j] += (code << m) << k;
              }
            }
          }
        }
        for (int64_t o = 0; o < C; o++) {
          const int64_t t = rt * C + o;
          int64_t s = 0;
          for (int32_t e = tStart[t]; e < tStart[t + 1]; e++) s += static_cast<int64_t>(tCoef[e]) * colAcc[tCol[e]];
          T[o] += static_cast<double>(s);
        }
      }
      for (int64_t o = 0; o < C; o++) acc[o * P + p] += T[o];
    }
    currentSums[tid] = currentSum;
    activeReads[tid] = active;
  };
  const int nThreads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, P)));
  if (nThreads == 1) {
    work(0, 0, P);
  } else {
    std::vector<std::thread> pool;
    const int64_t chunk = (P + nThreads - 1) / nThreads;
    for (int t = 0; t < nThreads; t++) {
      const int64_t b = t * chunk, e = std::min(P, b + chunk);
      if (b < e) pool.emplace_back(work, t, b, e);
    }
    for (auto& th : pool) th.join();
  }
  double currentSum = 0;
  int64_t active = 0;
  for (size_t t = 0; t < currentSums.size(); t++) {
    currentSum += currentSums[t];
    active += activeReads[t];
  }
  Napi::Object r = Napi::Object::New(info.Env());
  r.Set("currentSum", currentSum);
  r.Set("activeReads", static_cast<double>(active));
  return r;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("gemmF32", Napi::Function::New(env, GemmF32));
  exports.Set("gemmI32", Napi::Function::New(env, GemmI32));
  exports.Set("crossbarLayer", Napi::Function::New(env, CrossbarLayer));
  exports.Set("hardwareThreads", Napi::Number::New(env, std::thread::hardware_concurrency()));
  return exports;
}

}  // namespace

NODE_API_MODULE(memxbar_native, Init)

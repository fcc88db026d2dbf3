// memxbar native kernels: the hot loops of the fast engine and of the float / integer
// inference paths. Built at install time by node-gyp for the machine it runs on
// (-march=native). Every kernel here has a readable TypeScript twin it is tested against:
//   gemmF32 / gemmI32   ↔ src/nn/ops.ts gemm
//   crossbarLayer       ↔ src/crossbar/reference.ts crossbarMatmul (docs/model.md)
// Kernels only read and write the typed arrays they are given; they keep no state.
#include <napi.h>

#include <algorithm>
#include <climits>
#include <mutex>
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

// floor(a / b) for b > 0 (C++ division truncates toward zero).
inline int64_t floorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

// One layer's product on crossbar subarrays, exactly as docs/model.md §4-5 (lossless and
// fixed ADC modes). Cells are described by "conductance planes": bit masks M_u over the rows
// of a read group with weights w_u, so that a column current is
//   I = gMin*n + sum_u w_u * popcount(inputBits & M_u)       (n = active rows)
// For a linear device the planes are the level bits (w_u = dG * 2^u) and V = (I - gMin*n)/dG
// is an integer; the ADC is then a shift:
//   single-ended unit:  code = clamp((F[n] + V) >> m, 0, maxCode),
//                       F[n] = floor((2*gMin*n + dG*2^m) / (2*dG)) (src/engine/fast.ts)
//   differential unit:  d = V+ - V-,  code = clamp((2d + 2^m) >> (m+1), -maxCode, maxCode)
// A conversion unit is one column (single-ended) or a column pair (differential, G+ - G-).
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
  const int64_t gMin = num(a, "gMin"), step = num(a, "step"), dG = num(a, "dG");
  const int32_t* unitPos = data<int32_t>(a.Get("unitPos"));
  const int32_t* unitNeg = data<int32_t>(a.Get("unitNeg"));
  const int64_t nUnits = num(a, "units");
  const bool differential = a.Get("differential").As<Napi::Boolean>().Value();
  const int32_t* tStart = data<int32_t>(a.Get("termsStart"));
  const int32_t* tUnit = data<int32_t>(a.Get("termsUnit"));
  const int32_t* tCoef = data<int32_t>(a.Get("termsCoef"));
  double* acc = data<double>(a.Get("acc"));
  const int threads = static_cast<int>(num(a, "threads"));
  // Optional histogram of |unit current| in units of dG (calibration of the fixed ADC range).
  const bool wantHist = a.Has("hist") && a.Get("hist").IsTypedArray();
  double* hist = wantHist ? data<double>(a.Get("hist")) : nullptr;
  const int64_t histBins = wantHist ? static_cast<int64_t>(a.Get("hist").As<Napi::TypedArray>().ElementLength()) : 0;
  const int64_t clampHi = maxCode < 0 ? INT64_MAX : maxCode;
  const int64_t clampLo = maxCode < 0 ? INT64_MIN : (differential ? -maxCode : 0);
  const int64_t mulM = int64_t(1) << m;
  // Fast path: linear 1-bit cells, single-ended units, up to 128 rows per read.
  const bool hot = linear && U == 1 && W <= 2 && !differential && !wantHist;

  std::mutex histMutex;
  std::vector<double> currentSums(std::max(1, threads), 0.0);
  std::vector<int64_t> activeReads(std::max(1, threads), 0);
  auto work = [&](int tid, int64_t pBegin, int64_t pEnd) {
    std::vector<int64_t> colAcc(J), V(J), unitAcc(nUnits);
    std::vector<uint64_t> in(bits * W);
    std::vector<double> T(C);
    std::vector<double> localHist(wantHist ? histBins : 0);
    int64_t activeK[32], activeN[32];
    double currentSum = 0;
    int64_t active = 0;
    for (int64_t p = pBegin; p < pEnd; p++) {
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
              const int64_t f = static_cast<int64_t>(F[n]);
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
            // General path: V[j] = (I_j - gMin*n) / dG (linear) or I_j - gMin*n (general device).
            std::fill(V.begin(), V.end(), 0);
            for (int64_t u = 0; u < U; u++) {
              const int64_t scale = linear ? (int64_t(1) << u) : static_cast<int64_t>(planeWeight[u]);
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
            const int64_t f = linear ? static_cast<int64_t>(F[n]) : 0;
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

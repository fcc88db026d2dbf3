// memxbar native kernels: the hot loops of the fast engine and of the float / integer
// inference paths. Built at install time by node-gyp for the machine it runs on
// (-march=native). Every kernel here has a readable TypeScript twin it is tested against:
//   gemmF32 / gemmI32          ↔ src/nn/ops.ts gemm
//   im2colI32 / maxPoolI32     ↔ src/nn/ops.ts im2col / maxPool (maxPoolF32 the float twin)
//   accToF32                   ↔ src/nn/float.ts toFloat32
//   biasRequant                ↔ the requantization loop of src/nn/quant.ts forwardInt
//   prepareLayer / runLayer    ↔ src/crossbar/reference.ts crossbarMatmul (docs/model.md)
//   mtOffsetCosts / mtOffsetMap / mtPairsMap ↔ src/mitigation/mt.ts mtMapPlan (MT-map)
//   drawFaultCells / cellConductances ↔ src/crossbar/faults.ts drawFaults, reference.ts cellConductances
// Kernels only read and write the typed arrays they are given; a prepared layer (a
// LayerPlan) is immutable once built and may be run from several threads.
//
// AVX-512 code (VPOPCNTDQ, VNNI, GFNI, ternary logic) and AMX tiles are used when the
// compiler targets them (-march=native on a machine that has them; AMX also needs the Linux
// kernel's permission, asked at run time); every such block has a portable twin that
// computes the same integers. Define MEMXBAR_PORTABLE to force the portable code;
// setFeatures({amx: false}) switches AMX off at run time (tests run both).
// Tests: test/engine/fast*.test.ts (against the reference model), native-glue.test.ts.
//
// Files: addon.cc (this: N-API entry points, CPU features), threads (pool), tensor (GEMMs,
// im2col, pooling, requantization), plan (prepareLayer), general / gemm / bitsliced (the three
// runLayer paths), bitplanes.h (bit-plane blocks), histogram (current histograms), mt_map (MT-map
// programming), program (the fault draw and the cells' conductances).
#include "bitsliced.h"
#include "cells.h"
#include "common.h"
#include "gemm.h"
#include "counter_rng.h"
#include "general.h"
#include "histogram.h"
#include "mt_map.h"
#include "plan.h"
#include "program.h"
#include "tensor.h"

namespace mx {


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

}  // namespace mx

namespace {

using namespace mx;

// drawFaultCells(cells Uint8Array[], seeds Uint32Array, stuckBelow, sa1Below, threads).
Napi::Value DrawFaultCells(const Napi::CallbackInfo& info) {
  const Napi::Array arr = info[0].As<Napi::Array>();
  const uint32_t* seeds = data<uint32_t>(info[1]);
  std::vector<FaultDraw> layers(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); i++) {
    const Napi::Value v = arr.Get(i);
    layers[i] = {data<uint8_t>(v), static_cast<int64_t>(v.As<Napi::TypedArray>().ElementLength()), seeds[i]};
  }
  drawFaultCells(layers, info[2].As<Napi::Number>().DoubleValue(), info[3].As<Napi::Number>().DoubleValue(), std::max(1, info[4].As<Napi::Number>().Int32Value()));
  return info.Env().Undefined();
}

// cellConductances(levels Uint8Array, faults Uint8Array, levelG Int32Array, gMin, gMax, G Int32Array, threads).
Napi::Value CellConductances(const Napi::CallbackInfo& info) {
  const int64_t n = static_cast<int64_t>(info[5].As<Napi::TypedArray>().ElementLength());
  cellConductances(data<uint8_t>(info[0]), data<uint8_t>(info[1]), n, data<int32_t>(info[2]), static_cast<int>(info[2].As<Napi::TypedArray>().ElementLength()), info[3].As<Napi::Number>().Int32Value(),
                   info[4].As<Napi::Number>().Int32Value(), data<int32_t>(info[5]), std::max(1, info[6].As<Napi::Number>().Int32Value()));
  return info.Env().Undefined();
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
  if (p.cells) runCellsAny(p, x, P, acc, threads, hist, histBins, st);
  else if (hist && p.gemmOk && p.lanesOk && p.lossless && !p.differential) runHist(p, x, P, acc, threads, hist, histBins, st);
  else if (!hist && p.gemmOk && p.lossless) runGemm(p, x, P, acc, threads, st);
  else if (!hist && p.bsOk) runDecomposed(p, x, P, acc, threads, st);
  else runGeneral(p, x, P, acc, threads, hist, histBins, st);
  stats[0] = st.currentSum;
  stats[1] = static_cast<double>(st.activeReads);
  return info.Env().Undefined();
}

// columnNoiseDraws(words Uint32Array(6), V Float64Array, M Float64Array, out Float64Array): out[j] = the read
// noise of column j of the read keyed by words (seed, layer, rt, g, k, p) after the stream word
// (counter_rng.h), for the test that the C++ and TypeScript draws are the same numbers.
Napi::Value ColumnNoiseDraws(const Napi::CallbackInfo& info) {
  const uint32_t* w = data<uint32_t>(info[0]);
  const double* V = data<double>(info[1]);
  const double* M = data<double>(info[2]);
  double* out = data<double>(info[3]);
  const int64_t n = static_cast<int64_t>(info[3].As<Napi::TypedArray>().ElementLength());
  uint32_t key = kKeyStart;
  key = mixKey(key, w[0]);
  key = mixKey(key, kStreamReadNoise);
  for (int i = 1; i < 6; i++) key = mixKey(key, w[i]);
  // The vectorised draws of the per-cell path (cells.cc), checked lane by lane against the scalar twin.
  std::vector<int64_t> V64(V, V + n), M64(M, M + n), z(n);
  columnNoiseRow(V64.data(), M64.data(), key, n, z.data());
  for (int64_t j = 0; j < n; j++) {
    const int64_t scalar = columnNoise(V64[j], M64[j], mixKey(key, static_cast<uint32_t>(j)));
    if (scalar != z[j]) {
      Napi::Error::New(info.Env(), "columnNoiseRow differs from columnNoise at column " + std::to_string(j)).ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
    out[j] = static_cast<double>(z[j]);
  }
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
  const std::string s = p.cells                ? std::string(p.cellsChunked ? "cells" : "cells-unchunked") + (!p.noise ? "" : p.noise32 ? "+noise32" : "+noise64")
                       : p.gemmOk && p.lossless ? std::string("gemm-") + kind
                       : p.bsOk                ? std::string("gemm-") + kind + (p.differential ? "+bitsliced-differential" : "+bitsliced")
                                               : "general";
  return Napi::String::New(info.Env(), s);
}

// The layer object of the MT-map entry points (src/mitigation/mt-native.ts): layout numbers and arrays.
MtLayer mtLayer(const Napi::Object& a) {
  MtLayer L{};
  L.R = int(num(a, "R"));
  L.C = int(num(a, "C"));
  L.rows = int(num(a, "rows"));
  L.cols = int(num(a, "cols"));
  L.S = int(num(a, "S"));
  L.cellBits = int(num(a, "cellBits"));
  L.weightBits = int(num(a, "weightBits"));
  L.outputsPerTile = int(num(a, "outputsPerTile"));
  L.Wc = int(num(a, "Wc"));
  L.rowTiles = int(num(a, "rowTiles"));
  L.colTiles = int(num(a, "colTiles"));
  L.physCols = int(num(a, "physCols"));
  L.offset = flag(a, "offset");
  L.qWeight = data<int32_t>(a.Get("qWeight"));
  L.cells = data<uint8_t>(a.Get("cells"));
  L.rowMap = data<int32_t>(a.Get("rowMap"));
  L.mean = data<double>(a.Get("mean"));
  L.variance = data<double>(a.Get("variance"));
  const Napi::Value cov = a.Get("covariance");
  L.covariance = cov.IsTypedArray() ? data<double>(cov) : nullptr;
  return L;
}

// mtOffsetCosts(layer, zeros Int32Array(2), costs Float64Array(rowTiles·C·8), threads).
Napi::Value MtOffsetCosts(const Napi::CallbackInfo& info) {
  mtOffsetCosts(mtLayer(info[0].As<Napi::Object>()), data<int32_t>(info[1]), data<double>(info[2]), std::max(1, info[3].As<Napi::Number>().Int32Value()));
  return info.Env().Undefined();
}

// mtOffsetMap(layer, zero, inverted, stored, refStored, meanError, threads).
Napi::Value MtOffsetMap(const Napi::CallbackInfo& info) {
  mtOffsetMap(mtLayer(info[0].As<Napi::Object>()), data<int32_t>(info[1]), data<uint8_t>(info[2]), data<int32_t>(info[3]), data<int32_t>(info[4]), data<double>(info[5]),
              std::max(1, info[6].As<Napi::Number>().Int32Value()));
  return info.Env().Undefined();
}

// mtOffsetPlan(layer, zeros, costs, choose, zero, inverted, stored, refStored, meanError, threads): mtOffsetCosts,
// then choose() (JavaScript: fills zero and inverted from costs), then mtOffsetMap, on one OffsetCtx.
Napi::Value MtOffsetPlan(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const Napi::Function choose = info[3].As<Napi::Function>();
  mtOffsetPlan(
      mtLayer(info[0].As<Napi::Object>()), data<int32_t>(info[1]), data<double>(info[2]),
      [&] {
        choose.Call({});
        return !env.IsExceptionPending();
      },
      data<int32_t>(info[4]), data<uint8_t>(info[5]), data<int32_t>(info[6]), data<int32_t>(info[7]), data<double>(info[8]), std::max(1, info[9].As<Napi::Number>().Int32Value()));
  return env.Undefined();
}

// mtPairsMap(layer, pairPos, pairNeg, meanError, threads); throws a RangeError when a pair search fails.
Napi::Value MtPairsMap(const Napi::CallbackInfo& info) {
  std::string bad;
  if (!mtPairsMap(mtLayer(info[0].As<Napi::Object>()), data<int32_t>(info[1]), data<int32_t>(info[2]), data<double>(info[3]), std::max(1, info[4].As<Napi::Number>().Int32Value()), bad))
    Napi::RangeError::New(info.Env(), bad).ThrowAsJavaScriptException();
  return info.Env().Undefined();
}

// tileMoments(x Int32Array, rows, patches Int32Array, n, M Float64Array, threads).
Napi::Value TileMoments(const Napi::CallbackInfo& info) {
  const Napi::TypedArray patches = info[2].As<Napi::TypedArray>();
  tileMoments(data<int32_t>(info[0]), info[1].As<Napi::Number>().Int32Value(), data<int32_t>(info[2]), static_cast<int>(patches.ElementLength()), info[3].As<Napi::Number>().Int32Value(),
              data<double>(info[4]), std::max(1, info[5].As<Napi::Number>().Int32Value()));
  return info.Env().Undefined();
}

// The instruction-set extensions this build was compiled for (binding.gyp: -march=native on the
// machine that ran npm ci) that the CPU loading it lacks, comma separated; empty when it can run
// here. A build shared between machines (a cluster's shared home) would otherwise die with
// SIGILL in the first kernel on an older node; src/native/addon.ts then refuses the addon.
std::string missingCpuFeatures() {
  std::string miss;
  __builtin_cpu_init();
  auto need = [&](int has, const char* name) {
    if (has) return;
    if (!miss.empty()) miss += ", ";
    miss += name;
  };
#define MX_NEED(name) need(__builtin_cpu_supports(name), name);
#if defined(__AVX__)
  MX_NEED("avx")
#endif
#if defined(__AVX2__)
  MX_NEED("avx2")
#endif
#if defined(__FMA__)
  MX_NEED("fma")
#endif
#if defined(__BMI2__)
  MX_NEED("bmi2")
#endif
#if defined(__POPCNT__)
  MX_NEED("popcnt")
#endif
#if defined(__AVX512F__)
  MX_NEED("avx512f")
#endif
#if defined(__AVX512BW__)
  MX_NEED("avx512bw")
#endif
#if defined(__AVX512CD__)
  MX_NEED("avx512cd")
#endif
#if defined(__AVX512DQ__)
  MX_NEED("avx512dq")
#endif
#if defined(__AVX512VL__)
  MX_NEED("avx512vl")
#endif
#if defined(__AVX512VNNI__)
  MX_NEED("avx512vnni")
#endif
#if defined(__AVX512VPOPCNTDQ__)
  MX_NEED("avx512vpopcntdq")
#endif
#if defined(__AVX512BITALG__)
  MX_NEED("avx512bitalg")
#endif
#if defined(__AVX512VBMI__)
  MX_NEED("avx512vbmi")
#endif
#if defined(__AVX512VBMI2__)
  MX_NEED("avx512vbmi2")
#endif
#if defined(__GFNI__)
  MX_NEED("gfni")
#endif
#if defined(__VPCLMULQDQ__)
  MX_NEED("vpclmulqdq")
#endif
#undef MX_NEED
  return miss;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("cpuMissing", Napi::String::New(env, missingCpuFeatures()));
  exports.Set("gemmF32", Napi::Function::New(env, GemmF32));
  exports.Set("gemmI32", Napi::Function::New(env, GemmI32));
  exports.Set("im2colI32", Napi::Function::New(env, Im2colI32));
  exports.Set("maxPoolI32", Napi::Function::New(env, MaxPoolI32));
  exports.Set("maxPoolF32", Napi::Function::New(env, MaxPoolF32));
  exports.Set("accToF32", Napi::Function::New(env, AccToF32));
  exports.Set("biasRequant", Napi::Function::New(env, BiasRequant));
  exports.Set("prepareLayer", Napi::Function::New(env, PrepareLayer));
  exports.Set("runLayer", Napi::Function::New(env, RunLayer));
  exports.Set("layerPath", Napi::Function::New(env, LayerPath));
  exports.Set("mtOffsetCosts", Napi::Function::New(env, MtOffsetCosts));
  exports.Set("mtOffsetMap", Napi::Function::New(env, MtOffsetMap));
  exports.Set("mtOffsetPlan", Napi::Function::New(env, MtOffsetPlan));
  exports.Set("mtPairsMap", Napi::Function::New(env, MtPairsMap));
  exports.Set("tileMoments", Napi::Function::New(env, TileMoments));
  exports.Set("drawFaultCells", Napi::Function::New(env, DrawFaultCells));
  exports.Set("cellConductances", Napi::Function::New(env, CellConductances));
  exports.Set("setFeatures", Napi::Function::New(env, SetFeatures));
  exports.Set("columnNoiseDraws", Napi::Function::New(env, ColumnNoiseDraws));
  exports.Set("hardwareThreads", Napi::Number::New(env, std::thread::hardware_concurrency()));
  return exports;
}

}  // namespace

NODE_API_MODULE(memxbar_native, Init)

// What every kernel file uses: N-API argument access, integer helpers, the CPU features the
// compiler targets (MX_AVX512, MX_VNNI, MX_AMX) and the run-time AMX switch.
#pragma once

#include <napi.h>

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

namespace mx {

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

inline int64_t num(const Napi::Object& o, const char* key) { return o.Get(key).As<Napi::Number>().Int64Value(); }
inline bool flag(const Napi::Object& o, const char* key) { return o.Get(key).As<Napi::Boolean>().Value(); }

// Number of bits needed to write v >= 0 (bitlen(0) = 0).
inline int bitlen(uint64_t v) { return v ? 64 - __builtin_clzll(v) : 0; }

// floor(a / b) for b > 0 (C++ division truncates toward zero).
inline int64_t floorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

// AMX tiles: used when the CPU and the kernel allow them (Linux asks each process to request
// the tile state) and not switched off (setFeatures, for tests of the other paths).
// Defined in addon.cc.
extern std::atomic<bool> amxWanted;
bool amxAvailable();
bool useAmx();

// T[o] += the sum over the terms e of (row tile rt, output o) of coef[e] · unitCode(e), o in
// [0, C): how each runLayer path turns its units' accumulated codes into outputs (the mapping's
// terms, docs/engine.md). unitCode(e) reads the accumulator of term e's unit in the path's layout.
template <typename UnitCode>
inline void addTerms(const int32_t* start, const int32_t* coef, int64_t rt, int64_t C, UnitCode unitCode, double* T) {
  for (int64_t o = 0; o < C; o++) {
    const int64_t t = rt * C + o;
    int64_t s = 0;
    for (int32_t e = start[t]; e < start[t + 1]; e++) s += static_cast<int64_t>(coef[e]) * unitCode(e);
    T[o] += static_cast<double>(s);
  }
}

}  // namespace mx

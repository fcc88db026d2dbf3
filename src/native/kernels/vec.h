// 512-bit vectors of one-bit lanes (AVX-512 or a portable struct with the same results).
#pragma once

#include "common.h"

namespace mx {

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

}  // namespace mx

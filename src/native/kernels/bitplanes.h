// Bit-plane building blocks shared by the bit-sliced path and the current histogram: the
// scratch of a block of patches, input bits, row lists, bit-sliced counts and the transpose
// of bit planes to one integer per lane.
#pragma once

#include "plan.h"

namespace mx {

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
inline void bsPatchBits(const Plan& p, const int32_t* xp, BsScratch& s, int64_t i) {
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

}  // namespace mx

// The bit-sliced path (bitsliced.h).
#include "bitsliced.h"

#include "bitplanes.h"
#include "gemm.h"
#include "threads.h"

namespace mx {

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

namespace {

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
  thread_local std::vector<int64_t> offRt;
  if (p.differential) offRt.assign(np * p.rowTiles, 0);
  // The terms' sums of the block, [output][patch]: added to acc once at the end, the block's
  // patches consecutive (instead of a stride of P doubles per flush).
  thread_local std::vector<double> tsum;
  if (doTerms) tsum.assign(p.C * np, 0.0);
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
    if (doTerms) bsTerms(p, s.lane.data(), rt, tsum.data(), np, i, -1.0);
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
      // The heavy reads' constant of this row tile, sum 2^(m+k) Lo per patch (added below).
      for (int64_t i = 0; i < np; i++) {
        offRt[i * p.rowTiles + rt] = s.offAdd[i];
        s.offAdd[i] = 0;
      }
    }
    if (p.bsFlushPerTile)
      for (int64_t i = 0; i < np; i++) flush(i, rt);
  }
  if (!p.bsFlushPerTile)
    for (int64_t i = 0; i < np; i++) flush(i, 0);
  // acc += the terms' sums and, for differential units, sum_rt (sum of the coefficients of
  // (rt, o)) * constant(rt), output by output over the block's patches (consecutive in acc).
  // Every part is an integer and acc holds integers far below 2^53: adding the block's sums once
  // gives the double that adding each flush's and each row tile's value gave.
  if (doTerms)
    for (int64_t o = 0; o < p.C; o++) {
      double* dst = acc + o * P + q0;
      const double* t = tsum.data() + o * np;
      for (int64_t i = 0; i < np; i++) dst[i] += t[i];
    }
  if (p.differential && ch0 == 0) {
    for (int64_t o = 0; o < p.C; o++) {
      double* dst = acc + o * P + q0;
      for (int64_t i = 0; i < np; i++) {
        const int64_t* add = offRt.data() + i * p.rowTiles;
        int64_t sum = 0;
        for (int64_t rt = 0; rt < p.rowTiles; rt++) sum += p.cAll[rt * p.C + o] * add[rt];
        if (sum) dst[i] += static_cast<double>(sum);
      }
    }
  }
}
}  // namespace


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

}  // namespace mx

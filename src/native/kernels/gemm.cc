// The GEMM path (gemm.h).
#include "gemm.h"

#include "threads.h"

namespace mx {

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

namespace {

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


#if defined(MX_VNNI)
// acc[o][q] += sum_rt cSE[rt][o] * sum_g sum_k 2^k Fg[n_{rt,g,k}] for one patch packed as bytes
// (rows in logical order, zero beyond R): n_{rt,g,k} = the rows of group (rt, g) with bit k set.
void addFTermBytes(const Plan& p, const uint8_t* xb, int64_t P, int64_t q, int64_t ob0, int64_t ob1, double* acc) {
  const int64_t R = p.R, C = p.C, bits = p.bits;
  int64_t Q[512];
  std::vector<int64_t> Qbig;
  int64_t* Qp = Q;
  if (p.rowTiles > 512) {
    Qbig.assign(p.rowTiles, 0);
    Qp = Qbig.data();
  }
  __m512i bitv[8];
  for (int k = 0; k < 8; k++) bitv[k] = _mm512_set1_epi8(static_cast<char>(1 << k));
  for (int64_t rt = 0; rt < p.rowTiles; rt++) {
    int64_t sum = 0;
    for (int64_t g = 0; g < p.G; g++) {
      const int64_t r0 = rt * p.tileRows + g * p.PR;
      const int64_t r1 = std::min(R, r0 + std::min(p.PR, p.tileRows - g * p.PR));
      int64_t n[8] = {0};
      for (int64_t r = r0; r < r1; r += 64) {
        const int64_t len = std::min<int64_t>(64, r1 - r);
        const __mmask64 lm = len >= 64 ? ~__mmask64(0) : (__mmask64(1) << len) - 1;
        const __m512i v = _mm512_maskz_loadu_epi8(lm, xb + r);
        for (int64_t k = 0; k < bits; k++) n[k] += __builtin_popcountll(_mm512_test_epi8_mask(v, bitv[k]));
      }
      for (int64_t k = 0; k < bits; k++) sum += p.Fg[n[k]] << k;
    }
    Qp[rt] = sum;
  }
  for (int64_t o = ob0 * 32; o < std::min(C, ob1 * 32); o++) {
    int64_t s = 0;
    for (int64_t rt = 0; rt < p.rowTiles; rt++) s += p.cSE[rt * C + o] * Qp[rt];
    acc[o * P + q] += static_cast<double>(s);
  }
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
#if defined(MX_VNNI)
  // The F term from the packed bytes (kind 1 with the plain row map): per read group, the
  // active rows of input bit k are the bytes with bit k set, counted 64 rows at a time
  // (vptestmb + popcnt) instead of bit by bit (the same n_k, so the same integers).
  const bool fBytes = corr && p.anyC && p.gemmKind == 1 && p.identityRows && p.bits <= 8;
#else
  const bool fBytes = false;
#endif
  if (corr && p.anyC && !fBytes) {
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
        if (fBytes) addFTermBytes(p, dst, P, q0 + i, ob0, ob1, acc);
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
        if (np == 8) {
          // 8 patches of one output are 8 consecutive doubles of acc: gather them from res
          // (stride 32) and add them with one vector instead of 8 strided scalar adds.
          const __m256i idx = _mm256_setr_epi32(0, 32, 64, 96, 128, 160, 192, 224);
          for (int64_t l = 0; l < oEnd; l++) {
            double* dst = acc + (ob * 32 + l) * P + q0;
            const __m512d v = _mm512_cvtepi32_pd(_mm256_i32gather_epi32(res + l, idx, 4));
            _mm512_storeu_pd(dst, _mm512_add_pd(_mm512_loadu_pd(dst), v));
          }
        } else {
          for (int64_t i = 0; i < np; i++)
            for (int64_t l = 0; l < oEnd; l++) acc[(ob * 32 + l) * P + q0 + i] += static_cast<double>(res[i * 32 + l]);
        }
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

}  // namespace

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

}  // namespace mx

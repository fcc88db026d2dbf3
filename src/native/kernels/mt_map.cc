// MT-map's programming of one layer, the TypeScript version's twin (src/mitigation/mt.ts
// mtMapPlan; the functions below carry the names of the TypeScript functions they follow).
// Exactness: JavaScript numbers are IEEE doubles and every + − × ÷ √ is correctly rounded, so
// the same operations in the same order give the same bits here, as long as the compiler does
// not fuse a multiply and an add (fp-contract off below; -O3 without -ffast-math reorders no
// floating-point sum). Integer values (weights, stored values, errors) are exact either way.
// Threads: each output column o is programmed by one thread, its row tiles in order (a
// column's mean error sums them in that order); nothing a thread writes is read by another.
#pragma GCC optimize("fp-contract=off")

#include "mt_map.h"

#include "threads.h"

namespace mx {
namespace {

constexpr uint8_t kStuck0 = 1, kStuck1 = 2;  // src/crossbar/faults.ts SA0, SA1

// layout.ts weightColumn (part 0) and referenceColumn.
inline int weightColumn(const MtLayer& L, int o, int side) {
  const int ct = o / L.outputsPerTile;
  const int j = o % L.outputsPerTile;
  return ct * L.cols + (L.offset ? j * L.S : j * 2 * L.S + side * L.S);
}
inline int referenceColumn(const MtLayer& L, int ct) { return ct * L.cols + L.Wc * L.S; }

// stuck.ts stuckMasks.
inline void stuckMasks(const MtLayer& L, int pr, int col0, int32_t& m, int32_t& v) {
  m = 0;
  v = 0;
  const int32_t ones = (1 << L.cellBits) - 1;
  const uint8_t* c = L.cells + static_cast<int64_t>(pr) * L.physCols + col0;
  for (int s = 0; s < L.S; s++) {
    if (c[s] == kStuck0 || c[s] == kStuck1) {
      m |= ones << (s * L.cellBits);
      if (c[s] == kStuck1) v |= ones << (s * L.cellBits);
    }
  }
}

inline int32_t eff(int32_t X, int32_t m, int32_t v) { return (X & ~m) | v; }

// stuck.ts levelSums.
std::vector<uint8_t> levelSums(int S, int cellBits) {
  const int base = 1 << cellBits;
  std::vector<uint8_t> t(size_t(1) << (S * cellBits), 0);
  for (size_t X = 1; X < t.size(); X++) t[X] = static_cast<uint8_t>((X % base) + t[X / base]);
  return t;
}

// stuck.ts errorCost: (bias + mean·e)² + variance·e².
inline double errorCost(double e, double mean, double variance, double bias) {
  const double c = bias + mean * e;
  return c * c + variance * e * e;
}

// ---------------------------------------------------------------------------------------
// Offset scheme (offset.ts)
// ---------------------------------------------------------------------------------------

// offset.ts maskedAtMost / maskedAtLeast / nearestWithMask. maskedAtMost without its loop over
// the bits: the loop stops at the highest stuck bit where t differs from the stuck value (h);
// there y leaves t below at h (the stuck bit reads 0, t has 1) or, where the stuck bit reads 1,
// at `branch`, the lowest free bit above h where t has a 1 (the last one the loop passed).
// The same value for every t, m, v ⊆ m and bits ≤ 10 (compared exhaustively against the loop).
int maskedAtMost(int t, int m, int v, int bits) {
  const int top = v | (((1 << bits) - 1) & ~m);
  if (t >= top) return top;
  if (t < v) return -1;
  const unsigned diff = unsigned((t ^ v) & m);
  if (diff == 0) return t;
  const int h = 31 - __builtin_clz(diff);
  const int at = (v >> h) & 1 ? __builtin_ctz(unsigned(t & ~m) & ~((2u << h) - 1)) : h;
  const int low = (1 << at) - 1;
  return (t & ~((low << 1) | 1)) | (low & ~m) | (v & low);
}
inline int maskedAtLeast(int t, int m, int v, int bits) {
  const int full = (1 << bits) - 1;
  const int y = maskedAtMost(full - t, m, m & ~v, bits);
  return y < 0 ? -1 : full - y;
}
inline void nearestWithMask(double t, int m, int v, int bits, int& below, int& above) {
  const double all = double((1 << bits) - 1);
  const double c = std::min(all + 1, std::max(-1.0, t));
  below = maskedAtMost(static_cast<int>(std::floor(c)), m, v, bits);
  above = maskedAtLeast(static_cast<int>(std::ceil(c)), m, v, bits);
}

struct OffsetCtx {
  const MtLayer& L;
  std::vector<uint8_t> sums;
  int bits, wmask, high;  // S·cellBits; 2^b − 1; the bits ≥ weightBits (offset.ts offsetMask)
  std::vector<int32_t> masks, refMasks;
  // bestReference per (rt, ct, zi) and row within the tile: stored value and reading.
  std::vector<int32_t> refX, refRead;
  int32_t zeros[2];

  OffsetCtx(const MtLayer& l, const int32_t z[2], int threads)
      : L(l), sums(levelSums(l.S, l.cellBits)), bits(l.S * l.cellBits), wmask((1 << l.weightBits) - 1) {
    high = ((1 << bits) - 1) & ~wmask;
    zeros[0] = z[0];
    zeros[1] = z[1];
    const int R = L.R, C = L.C, colTiles = L.colTiles;
    masks.resize(size_t(2) * R * C);
    refMasks.resize(size_t(2) * R * colTiles);
    parallelFor(R, threads, [&](int64_t b, int64_t e) {
      for (int r = int(b); r < e; r++) {
        const int pr = L.rowMap[r];
        for (int o = 0; o < C; o++) stuckMasks(L, pr, weightColumn(L, o, 0), masks[2 * (size_t(o) * R + r)], masks[2 * (size_t(o) * R + r) + 1]);
        for (int ct = 0; ct < colTiles; ct++) stuckMasks(L, pr, referenceColumn(L, ct), refMasks[2 * (size_t(r) * colTiles + ct)], refMasks[2 * (size_t(r) * colTiles + ct) + 1]);
      }
    });
    refX.assign(size_t(L.rowTiles) * colTiles * 2 * L.rows, 0);
    refRead.assign(refX.size(), 0);
    for (int rt = 0; rt < L.rowTiles; rt++) {
      const int n = std::min(L.rows, R - rt * L.rows);
      for (int ct = 0; ct < colTiles; ct++) {
        for (int zi = 0; zi < 2; zi++) {
          const size_t at = refAt(rt, ct, zi);
          for (int i = 0; i < n; i++) {
            const size_t k = 2 * (size_t(rt * L.rows + i) * colTiles + ct);
            bestReference(zeros[zi], refMasks[k], refMasks[k + 1], refX[at + i], refRead[at + i]);
          }
        }
      }
    }
  }
  size_t refAt(int rt, int ct, int zi) const { return ((size_t(rt) * L.colTiles + ct) * 2 + zi) * L.rows; }

  // offset.ts bestReference.
  void bestReference(int z, int mr, int vr, int32_t& x, int32_t& read) const {
    int below, above;
    nearestWithMask(z, mr | high, vr, bits, below, above);
    read = below;
    if (below < 0 || (above >= 0 && (z - below > above - z || (z - below == above - z && sums[above] < sums[below])))) read = above;
    x = read & wmask;
  }

  // offset.ts bestStored.
  void bestStored(int w, int z, bool inv, int ref, int m, int v, double mean, double variance, double bias, int32_t& x, double& error) const {
    if (mean * mean + variance <= 0) {
      mean = 0;
      variance = 1;
    }
    const double K = double(wmask - 2 * z);
    const double eStar = -(bias * mean) / (mean * mean + variance);
    const double target = inv ? double(ref) + K - double(w) - eStar : double(w) + double(ref) + eStar;
    int below, above;
    nearestWithMask(target, m | high, v, bits, below, above);
    int best = -1;
    double bestError = 0, bestCost = INFINITY;
    for (int k = 0; k < 2; k++) {
      const int y = k == 0 ? below : above;
      if (y < 0) continue;
      const double e = (inv ? double(ref - y) + K : double(y - ref)) - double(w);
      const double cost = errorCost(e, mean, variance, bias);
      if (best < 0 || cost < bestCost || (cost == bestCost && (sums[y] < sums[best] || (sums[y] == sums[best] && y < best)))) {
        best = y;
        bestError = e;
        bestCost = cost;
      }
    }
    x = best & wmask;
    error = bestError;
  }

  // mt.ts mtMapOffset `column`: output o of row tile rt, each weight alone; writes the stored
  // values to `out` and the errors (by row within the tile) to `errors` when given.
  void column(int o, int rt, int zi, bool inv, int32_t* out, double* errors, double& cost, double& energy) const {
    const int ct = o / L.outputsPerTile, z = zeros[zi];
    const int32_t* read = refRead.data() + refAt(rt, ct, zi);
    const int n = std::min(L.rows, L.R - rt * L.rows);
    double spread = 0, en = 0;
    for (int i = 0; i < n; i++) {
      const int r = rt * L.rows + i;
      const size_t k = size_t(o) * L.R + r;
      const int w = L.qWeight[k], m = masks[2 * k], v = masks[2 * k + 1];
      int32_t X;
      double e = 0;
      if (m == 0 && read[i] == z) {
        X = w + z;
        if (inv) X = wmask - X;
      } else {
        bestStored(w, z, inv, read[i], m, v, 0, L.variance[r], 0, X, e);
      }
      spread += L.variance[r] * e * e;
      en += L.mean[r] * double(sums[eff(X, m, v)]);
      if (out) out[k] = X;
      if (errors) errors[i] = e;
    }
    cost = spread;
    energy = en;
  }
};

// Whether each row tile's n×n block of M is symmetric, bit for bit (rowActivity mirrors it):
// then column i of a block is its row i, which the descent reads contiguously.
std::vector<uint8_t> symmetricTiles(const double* M, int n, int rowTiles) {
  std::vector<uint8_t> sym(rowTiles, 1);
  for (int t = 0; t < rowTiles; t++) {
    const double* A = M + size_t(t) * n * n;
    for (int i = 0; i < n && sym[t]; i++)
      for (int j = 0; j < i; j++)
        if (std::memcmp(&A[size_t(i) * n + j], &A[size_t(j) * n + i], sizeof(double)) != 0) {
          sym[t] = 0;
          break;
        }
  }
  return sym;
}

// g[j] += M[j][i]·d for every j of an n×n block: column i, read as row i when the block is symmetric.
inline void addColumn(const double* A, int n, int i, bool symmetric, double d, double* g) {
  if (symmetric) {
    const double* row = A + size_t(i) * n;
    for (int j = 0; j < n; j++) g[j] += row[j] * d;
  } else {
    for (int j = 0; j < n; j++) g[j] += A[size_t(j) * n + i] * d;
  }
}

// mt.ts refineTile: coordinate descent on eᵀ·M·e over the rows `rows` (within tile rt, n rows
// per tile), e by row within the tile; best(t, mean, bias, error&) returns the candidate's
// error, take(t) stores it. g, roots, seen: scratch of n entries; symmetric: tile rt's block is.
template <typename Best, typename Take>
void refineTile(const double* M, int n, int rt, bool symmetric, const std::vector<int>& rows, double* e, double* g, double* roots, int64_t* seen, Best best, Take take) {
  constexpr int kPasses = 64;  // mt.ts REFINE_PASSES
  const double* A = M + size_t(rt) * n * n;
  std::fill(g, g + n, 0.0);
  for (int i = 0; i < n; i++) {
    if (e[i] == 0) continue;
    addColumn(A, n, i, symmetric, e[i], g);
  }
  // √M_ii of each visited row, once per tile rather than once per visit (the same value).
  for (size_t t = 0; t < rows.size(); t++) {
    const double mii = A[size_t(rows[t]) * n + rows[t]];
    roots[t] = mii > 0 ? std::sqrt(mii) : 0;
  }
  // A visit depends only on g_i and e_i, which move only when some weight changes: a weight that
  // stayed at its last visit, with no change anywhere since (seen[t] = the change count then),
  // would stay again and is not visited (the same result, fewer re-encodings in the last passes).
  int64_t changes = 0;
  std::fill(seen, seen + rows.size(), int64_t(-1));
  for (int pass = 0; pass < kPasses; pass++) {
    bool changed = false;
    for (size_t t = 0; t < rows.size(); t++) {
      if (seen[t] == changes) continue;
      const int i = rows[t];
      const double mii = A[size_t(i) * n + i];
      if (mii <= 0) continue;
      const double others = g[i] - mii * e[i];
      const double root = roots[t];
      const double be = best(t, root, others / root);
      const double d = be - e[i];
      if (d == 0 || mii * (be * be - e[i] * e[i]) + 2 * others * d >= 0) {
        seen[t] = changes;
        continue;
      }
      addColumn(A, n, i, symmetric, d, g);
      e[i] = be;
      take(t);
      changed = true;
      seen[t] = -1;  // its own change moved g_i: the next visit runs
      changes++;
    }
    if (!changed) break;
  }
}

// ---------------------------------------------------------------------------------------
// Differential pairs (pairs.ts bestPair), one search object per thread
// ---------------------------------------------------------------------------------------

constexpr int kMaxPairBits = 28;
constexpr int kNoneBelow = -(1 << 30), kNoneAbove = 1 << 30;

struct PairSearch {
  int32_t pairLo[kMaxPairBits], pairHi[kMaxPairBits], stuckP[kMaxPairBits], stuckN[kMaxPairBits];
  int32_t belowLo[kMaxPairBits + 1], belowHi[kMaxPairBits + 1], aboveLo[kMaxPairBits + 1], aboveHi[kMaxPairBits + 1];
  uint8_t belowFull[kMaxPairBits + 1];
  int pairBits = 1;
  int32_t dpR[8], dpE[8], dpXp[8], dpXn[8], nextR[8], nextE[8], nextXp[8], nextXn[8];
  int32_t cheapXp = 0, cheapXn = 0, cheapEnergy = 0;
  bool unreachable = false;
  int32_t unreachableD = 0;

  int maxAtMost(int s, int r) {
    if (r < belowLo[s]) return kNoneBelow;
    if (r >= belowHi[s]) return belowHi[s];
    if (belowFull[s]) return r;
    const int j = s - 1, shift = j * pairBits;
    int best = kNoneBelow;
    for (int d = std::min(pairHi[j], (r - belowLo[j]) >> shift); d >= pairLo[j]; d--) {
      const int top = d << shift;
      if (top + belowHi[j] <= best) break;
      const int sub = maxAtMost(j, r - top);
      if (sub != kNoneBelow && top + sub > best) {
        best = top + sub;
        if (best == r) break;
      }
    }
    return best;
  }

  int minAtLeast(int s, int r) {
    if (r > belowHi[s]) return kNoneAbove;
    if (r <= belowLo[s]) return belowLo[s];
    if (belowFull[s]) return r;
    const int j = s - 1, shift = j * pairBits;
    int best = kNoneAbove;
    for (int d = std::max(pairLo[j], -((belowHi[j] - r) >> shift)); d <= pairHi[j]; d++) {
      const int top = d << shift;
      if (top + belowLo[j] >= best) break;
      const int sub = minAtLeast(j, r - top);
      if (sub != kNoneAbove && top + sub < best) {
        best = top + sub;
        if (best == r) break;
      }
    }
    return best;
  }

  // pairs.ts cheapestPair; false when D is not reachable.
  bool cheapestPair(int S, int D) {
    const int B = 1 << pairBits, low = B - 1;
    int n = 1;
    dpR[0] = D;
    dpE[0] = dpXp[0] = dpXn[0] = 0;
    for (int s = 0; s < S; s++) {
      const int lo = pairLo[s], hi = pairHi[s], shift = s * pairBits, fp = stuckP[s], fn = stuckN[s];
      const int upLo = aboveLo[s + 1], upHi = aboveHi[s + 1];
      int m = 0;
      for (int k = 0; k < n; k++) {
        const int R = dpR[k];
        for (int d = lo + ((R - lo) & low); d <= hi; d += B) {
          const int R2 = (R - d) >> pairBits;
          if (R2 < upLo || R2 > upHi) continue;
          const int a = fp >= 0 ? fp : fn >= 0 ? d + fn : d > 0 ? d : 0;
          const int b = fn >= 0 ? fn : fp >= 0 ? fp - d : d < 0 ? -d : 0;
          const int E = dpE[k] + a + b;
          const int xp = dpXp[k] + (a << shift);
          int i = 0;
          while (i < m && nextR[i] != R2) i++;
          if (i == m) {
            if (m == 8) return false;  // more states than the construction allows: not reachable as built
            m++;
          } else if (nextE[i] < E || (nextE[i] == E && nextXp[i] <= xp)) {
            continue;
          }
          nextR[i] = R2;
          nextE[i] = E;
          nextXp[i] = xp;
          nextXn[i] = dpXn[k] + (b << shift);
        }
      }
      n = m;
      for (int i = 0; i < m; i++) {
        dpR[i] = nextR[i];
        dpE[i] = nextE[i];
        dpXp[i] = nextXp[i];
        dpXn[i] = nextXn[i];
      }
    }
    if (n != 1 || dpR[0] != 0) return false;
    cheapXp = dpXp[0];
    cheapXn = dpXn[0];
    cheapEnergy = dpE[0];
    return true;
  }

  // pairs.ts bestPair (S·cellBits ≤ kMaxPairBits: checked by the caller).
  void bestPair(int w, int S, int cellBits, int mp, int vp, int mn, int vn, double mean, double variance, double bias, int32_t& xpOut, int32_t& xnOut, double& errorOut) {
    const int lmax = (1 << cellBits) - 1;
    if (mean * mean + variance <= 0) {
      mean = 0;
      variance = 1;
    }
    pairBits = cellBits;
    belowLo[0] = belowHi[0] = 0;
    belowFull[0] = 1;
    for (int s = 0; s < S; s++) {
      const int shift = s * cellBits;
      const int fp = (int(uint32_t(mp) >> shift) & lmax) ? int(uint32_t(vp) >> shift) & lmax : -1;
      const int fn = (int(uint32_t(mn) >> shift) & lmax) ? int(uint32_t(vn) >> shift) & lmax : -1;
      stuckP[s] = fp;
      stuckN[s] = fn;
      const int lo = (fp >= 0 ? fp : 0) - (fn >= 0 ? fn : lmax);
      const int hi = (fp >= 0 ? fp : lmax) - (fn >= 0 ? fn : 0);
      pairLo[s] = lo;
      pairHi[s] = hi;
      belowLo[s + 1] = belowLo[s] + (lo << shift);
      belowHi[s + 1] = belowHi[s] + (hi << shift);
      belowFull[s + 1] = belowFull[s] && (lo == hi || belowHi[s] - belowLo[s] + 1 >= (1 << shift)) ? 1 : 0;
    }
    aboveLo[S] = aboveHi[S] = 0;
    for (int s = S - 1; s >= 0; s--) {
      aboveLo[s] = (aboveLo[s + 1] << cellBits) + pairLo[s];
      aboveHi[s] = (aboveHi[s + 1] << cellBits) + pairHi[s];
    }
    const double eStar = -(bias * mean) / (mean * mean + variance);
    const double target = std::min(double(belowHi[S]) + 1, std::max(double(belowLo[S]) - 1, double(w) + eStar));
    const int below = maxAtMost(S, static_cast<int>(std::floor(target)));
    const int above = minAtLeast(S, static_cast<int>(std::ceil(target)));
    const double costBelow = below == kNoneBelow ? INFINITY : errorCost(double(below - w), mean, variance, bias);
    const double costAbove = above == kNoneAbove || above == below ? INFINITY : errorCost(double(above - w), mean, variance, bias);
    const int D = costAbove < costBelow ? above : below;
    if (!cheapestPair(S, D)) return fail(D);
    int32_t xp = cheapXp, xn = cheapXn;
    double error = double(D - w);
    if (costAbove == costBelow) {
      const int32_t energy = cheapEnergy;
      if (!cheapestPair(S, above)) return fail(above);
      if (cheapEnergy < energy || (cheapEnergy == energy && (cheapXp < xp || (cheapXp == xp && cheapXn < xn)))) {
        xp = cheapXp;
        xn = cheapXn;
        error = double(above - w);
      }
    }
    xpOut = xp;
    xnOut = xn;
    errorOut = error;
  }

  void fail(int D) {
    if (!unreachable) unreachableD = D;
    unreachable = true;
  }
};

}  // namespace

namespace {

void offsetCosts(const OffsetCtx& ctx, double* costs, int threads) {
  const MtLayer& L = ctx.L;
  parallelFor(int64_t(L.rowTiles) * L.C, threads, [&](int64_t b, int64_t e) {
    for (int64_t at = b; at < e; at++) {
      const int rt = int(at / L.C), o = int(at % L.C);
      for (int zi = 0; zi < 2; zi++) {
        for (int inv = 0; inv < 2; inv++) {
          double* c = costs + ((at * 2 + zi) * 2 + inv) * 2;
          ctx.column(o, rt, zi, inv == 1, nullptr, nullptr, c[0], c[1]);
        }
      }
    }
  });
}

void offsetMap(const OffsetCtx& ctx, const int32_t* zero, const uint8_t* inverted, int32_t* stored, int32_t* refStored, double* meanError, int threads) {
  const MtLayer& L = ctx.L;
  const int32_t* zeros = ctx.zeros;
  const int colTiles = L.colTiles, R = L.R, n = L.rows;
  auto zIndex = [&](int rt, int ct) { return zero[rt * colTiles + ct] == zeros[0] ? 0 : 1; };
  const std::vector<uint8_t> sym = L.covariance ? symmetricTiles(L.covariance, n, L.rowTiles) : std::vector<uint8_t>();
  for (int rt = 0; rt < L.rowTiles; rt++) {
    const int count = std::min(n, R - rt * n);
    for (int ct = 0; ct < colTiles; ct++) {
      const int32_t* x = ctx.refX.data() + ctx.refAt(rt, ct, zIndex(rt, ct));
      for (int i = 0; i < count; i++) refStored[size_t(rt * n + i) * colTiles + ct] = x[i];
    }
  }
  parallelBlocks(L.C, 1, threads, [&](int64_t b, int64_t e, int) {
    std::vector<double> errors(n), g(n), roots(n);
    std::vector<int64_t> seen(n);
    std::vector<int> rows;
    rows.reserve(n);
    for (int o = int(b); o < e; o++) {
      const int ct = o / L.outputsPerTile;
      double meanSum = 0;
      for (int rt = 0; rt < L.rowTiles; rt++) {
        const int zi = zIndex(rt, ct), z = zeros[zi], first = rt * n, count = std::min(n, R - first);
        const bool inv = inverted[size_t(rt) * L.C + o] == 1;
        const int32_t* read = ctx.refRead.data() + ctx.refAt(rt, ct, zi);
        std::fill(errors.begin(), errors.end(), 0.0);
        double cost, energy;
        ctx.column(o, rt, zi, inv, stored, errors.data(), cost, energy);
        if (L.covariance) {
          rows.clear();
          for (int i = 0; i < count; i++)
            if (ctx.masks[2 * (size_t(o) * R + first + i)] != 0 || read[i] != z) rows.push_back(i);
          int32_t x = 0;
          refineTile(
              L.covariance, n, rt, sym[rt] == 1, rows, errors.data(), g.data(), roots.data(), seen.data(),
              [&](size_t t, double m, double bias) {
                const int i = rows[t];
                const size_t k = size_t(o) * R + first + i;
                double err;
                ctx.bestStored(L.qWeight[k], z, inv, read[i], ctx.masks[2 * k], ctx.masks[2 * k + 1], m, 0, bias, x, err);
                return err;
              },
              [&](size_t t) { stored[size_t(o) * R + first + rows[t]] = x; });
        }
        for (int i = 0; i < count; i++) meanSum += L.mean[first + i] * errors[i];
      }
      meanError[o] = meanSum;
    }
  });
}

}  // namespace

void mtOffsetCosts(const MtLayer& L, const int32_t zeros[2], double* costs, int threads) {
  const OffsetCtx ctx(L, zeros, threads);
  offsetCosts(ctx, costs, threads);
}

void mtOffsetMap(const MtLayer& L, const int32_t* zero, const uint8_t* inverted, int32_t* stored, int32_t* refStored, double* meanError, int threads) {
  const int32_t zeros[2] = {1 << (L.weightBits - 1), (1 << (L.weightBits - 1)) - 1};  // offset.ts zeroCandidates
  const OffsetCtx ctx(L, zeros, threads);
  offsetMap(ctx, zero, inverted, stored, refStored, meanError, threads);
}

bool mtOffsetPlan(const MtLayer& L, const int32_t zeros[2], double* costs, const std::function<bool()>& choose, const int32_t* zero, const uint8_t* inverted, int32_t* stored, int32_t* refStored,
                  double* meanError, int threads) {
  // The stuck masks and best references are the same for both stages (same cells, same zero
  // candidates): built once.
  const OffsetCtx ctx(L, zeros, threads);
  offsetCosts(ctx, costs, threads);
  if (!choose()) return false;
  offsetMap(ctx, zero, inverted, stored, refStored, meanError, threads);
  return true;
}

bool mtPairsMap(const MtLayer& L, int32_t* pairPos, int32_t* pairNeg, double* meanError, int threads, std::string& bad) {
  const int R = L.R, n = L.rows;
  const std::vector<uint8_t> sym = L.covariance ? symmetricTiles(L.covariance, n, L.rowTiles) : std::vector<uint8_t>();
  std::atomic<bool> failed{false};
  std::atomic<int32_t> failedD{0};
  parallelBlocks(L.C, 1, threads, [&](int64_t b, int64_t e, int) {
    PairSearch ps;
    std::vector<double> errors(n), g(n), roots(n);
    std::vector<int64_t> seen(n);
    std::vector<int> rows;
    struct Stuck { int r, mp, vp, mn, vn; };
    std::vector<Stuck> stuck;
    rows.reserve(n);
    stuck.reserve(n);
    for (int o = int(b); o < e && !ps.unreachable; o++) {
      const int colP = weightColumn(L, o, 0), colN = weightColumn(L, o, 1);
      double meanSum = 0;
      for (int rt = 0; rt < L.rowTiles; rt++) {
        const int first = rt * n, count = std::min(n, R - first);
        std::fill(errors.begin(), errors.end(), 0.0);
        stuck.clear();
        for (int r = first; r < first + count; r++) {
          const int pr = L.rowMap[r];
          const size_t k = size_t(o) * R + r;
          const int w = L.qWeight[k];
          int32_t mp, vp, mn, vn;
          stuckMasks(L, pr, colP, mp, vp);
          stuckMasks(L, pr, colN, mn, vn);
          if (mp == 0 && mn == 0) {
            pairPos[k] = std::max(w, 0);
            pairNeg[k] = std::max(-w, 0);
            errors[r - first] = 0;
          } else {
            ps.bestPair(w, L.S, L.cellBits, mp, vp, mn, vn, 0, L.variance[r], 0, pairPos[k], pairNeg[k], errors[r - first]);
            stuck.push_back({r, mp, vp, mn, vn});
          }
        }
        if (L.covariance && !stuck.empty()) {
          rows.clear();
          for (const Stuck& c : stuck) rows.push_back(c.r - first);
          int32_t xp = 0, xn = 0;
          refineTile(
              L.covariance, n, rt, sym[rt] == 1, rows, errors.data(), g.data(), roots.data(), seen.data(),
              [&](size_t t, double m, double bias) {
                const Stuck& c = stuck[t];
                double err = 0;
                ps.bestPair(L.qWeight[size_t(o) * R + c.r], L.S, L.cellBits, c.mp, c.vp, c.mn, c.vn, m, 0, bias, xp, xn, err);
                return err;
              },
              [&](size_t t) {
                const size_t k = size_t(o) * R + stuck[t].r;
                pairPos[k] = xp;
                pairNeg[k] = xn;
              });
        }
        for (int i = 0; i < count; i++) meanSum += L.mean[first + i] * errors[i];
      }
      meanError[o] = meanSum;
    }
    if (ps.unreachable && !failed.exchange(true)) failedD = ps.unreachableD;
  });
  if (failed) bad = "pair search: the reading " + std::to_string(failedD.load()) + " is not reachable";
  return !failed;
}

void tileMoments(const int32_t* x, int rows, const int32_t* patches, int count, int n, double* M, int threads) {
  const int tiles = (rows + n - 1) / n;
  parallelBlocks(tiles, 1, threads, [&](int64_t b, int64_t e, int) {
    std::vector<int> nz(n);
    std::vector<double> v(n);
    for (int t = int(b); t < e; t++) {
      const int r0 = t * n, m = std::min(n, rows - r0);
      double* A = M + size_t(t) * n * n;
      for (int c = 0; c < count; c++) {
        const int32_t* xp = x + size_t(patches[c]) * rows + r0;
        // Outer product over the non-zero entries only (most are zero after ReLU).
        int k = 0;
        for (int i = 0; i < m; i++)
          if (xp[i] != 0) {
            nz[k] = i;
            v[k++] = xp[i];
          }
        for (int a = 0; a < k; a++) {
          double* row = A + size_t(nz[a]) * n;
          const double xi = v[a];
          for (int c2 = a; c2 < k; c2++) row[nz[c2]] += xi * v[c2];
        }
      }
    }
  });
}

}  // namespace mx

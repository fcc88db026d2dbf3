/**
 * Banded Cholesky factorization of a symmetric positive definite matrix, and solves with it.
 *
 * A matrix of order n whose nonzeros lie within `band` of the diagonal (A[i][j] = 0 for
 * |i − j| > band) factors as A = L·Lᵀ with L lower triangular of the same band, in
 * O(n·band²) time and O(n·band) memory (Golub & Van Loan, "Matrix Computations", 4th ed.,
 * Algorithm 4.3.5, band Cholesky). No pivoting is needed for an SPD matrix.
 *
 * Storage: row k of the lower band holds A[k][k − band … k] at data[k·(band + 1) + (j − k + band)],
 * so the dot products of the factorization run over contiguous memory.
 */

export class BandedMatrix {
  readonly data: Float64Array;
  constructor(
    readonly n: number,
    readonly band: number,
  ) {
    this.data = new Float64Array(n * (band + 1));
  }

  /** Add v to A[i][j] (and, implicitly, to A[j][i]). Needs |i − j| ≤ band. */
  add(i: number, j: number, v: number): void {
    const [r, c] = i >= j ? [i, j] : [j, i];
    if (r - c > this.band) throw new RangeError(`entry (${i}, ${j}) is outside the band ${this.band}`);
    this.data[r * (this.band + 1) + (c - r + this.band)] += v;
  }

  get(i: number, j: number): number {
    const [r, c] = i >= j ? [i, j] : [j, i];
    if (r - c > this.band) return 0;
    return this.data[r * (this.band + 1) + (c - r + this.band)]!;
  }
}

/** The Cholesky factor L (A = L·Lᵀ) of an SPD band matrix, in the same storage. Throws if A is not positive definite. */
export function bandedCholesky(A: BandedMatrix): BandedMatrix {
  const { n, band: b } = A;
  const w = b + 1;
  const L = new BandedMatrix(n, b);
  const a = A.data;
  const l = L.data;
  l.set(a);
  for (let k = 0; k < n; k++) {
    const rowK = k * w;
    const j0 = Math.max(0, k - b);
    for (let j = j0; j <= k; j++) {
      // L[k][j] = (A[k][j] − Σ_{m < j} L[k][m]·L[j][m]) / L[j][j], m over both bands.
      const rowJ = j * w;
      const m0 = Math.max(j0, j - b);
      let s = l[rowK + (j - k + b)]!;
      const pk = rowK + (m0 - k + b);
      const pj = rowJ + (m0 - j + b);
      for (let t = 0, len = j - m0; t < len; t++) s -= l[pk + t]! * l[pj + t]!;
      if (j < k) {
        l[rowK + (j - k + b)] = s / l[rowJ + b]!;
      } else {
        if (!(s > 0)) throw new RangeError(`matrix is not positive definite (pivot ${s} at row ${k})`);
        l[rowK + b] = Math.sqrt(s);
      }
    }
  }
  return L;
}

/** Solve A·x = rhs given the Cholesky factor L of A (forward then backward substitution). Returns x. */
export function choleskySolve(L: BandedMatrix, rhs: Float64Array): Float64Array {
  return choleskySolveTail(L, rhs, 0, 0);
}

/**
 * Solve A·x = rhs when rhs[k] = 0 for k < `first` and only x[k] for k ≥ `tail` is wanted:
 * the forward substitution starts at `first` (y[k] = 0 before it) and the backward one stops
 * at `tail` (x[k] depends only on y[m], m ≥ k). Entries of the result below `tail` are not x.
 */
export function choleskySolveTail(L: BandedMatrix, rhs: Float64Array, first: number, tail: number): Float64Array {
  const { n, band: b } = L;
  const w = b + 1;
  const l = L.data;
  const y = Float64Array.from(rhs);
  for (let k = first; k < n; k++) {
    // L·y = rhs
    let s = y[k]!;
    for (let m = Math.max(first, k - b); m < k; m++) s -= l[k * w + (m - k + b)]! * y[m]!;
    y[k] = s / l[k * w + b]!;
  }
  for (let k = n - 1; k >= tail; k--) {
    // Lᵀ·x = y: column k of L below the diagonal is row k of Lᵀ.
    let s = y[k]!;
    for (let m = k + 1; m <= Math.min(n - 1, k + b); m++) s -= l[m * w + (k - m + b)]! * y[m]!;
    y[k] = s / l[k * w + b]!;
  }
  return y;
}

/**
 * Input statistics per crossbar row: E[x_r] and E[x_r²] of each layer's input codes over
 * calibration images (the integer path, exact), and the covariances of the rows of each row
 * tile. MT weighs a weight's error by how strongly
 * its row is driven: an error on a row that is almost never active costs almost nothing.
 */
import { exactEngine, forwardInt, quantizeImage, type MatrixEngine, type QuantNetwork } from '../nn/quant.ts';

export interface RowActivity {
  /** E[x_r] per logical row. */
  mean: Float64Array;
  /** E[x_r²] per logical row. */
  meanSquare: Float64Array;
  /**
   * With `tileRows`: the covariances Cov(x_r, x_s) = E[x_r·x_s] − E[x_r]·E[x_s] of the rows of
   * each row tile, tile rt's n×n matrix (n = tileRows) at [rt·n² + i·n + j] for rows rt·n + i
   * and rt·n + j; MT's fault-map cost is Var(Σ_r x_r·e_r) over a tile (docs/mt.md).
   */
  covariance?: Float64Array;
}

/** Patches per image and layer that the covariances are measured on (all of them in the FC layers). */
export const COVARIANCE_PATCHES = 64;

export function rowActivity(qn: QuantNetwork, pixels: Uint8Array, imageSize: number, images: number, tileRows?: number): RowActivity[] {
  const sum = qn.layers.map((q) => new Float64Array(q.rows));
  const sumSq = qn.layers.map((q) => new Float64Array(q.rows));
  const count = qn.layers.map(() => 0);
  const n = tileRows ?? 0;
  const moments = qn.layers.map((q) => (n > 0 ? new Float64Array(Math.ceil(q.rows / n) * n * n) : null));
  // The covariances come from at most COVARIANCE_PATCHES patches per image and layer (every
  // stride-th, the first at image mod stride), with their own sums and count.
  const subSum = qn.layers.map((q) => new Float64Array(q.rows));
  const subCount = qn.layers.map(() => 0);
  const nz = new Int32Array(Math.max(1, n));
  let image = 0;
  const recorder: MatrixEngine = {
    matmul(q, x, P, acc) {
      const s = sum[q.index]!;
      const s2 = sumSq[q.index]!;
      const stride = Math.ceil(P / COVARIANCE_PATCHES);
      for (let p = 0; p < P; p++) {
        const base = p * q.rows;
        for (let r = 0; r < q.rows; r++) {
          const v = x[base + r]!;
          s[r] += v;
          s2[r] += v * v;
        }
        const M = moments[q.index];
        if (!M || p % stride !== image % stride) continue;
        subCount[q.index]++;
        const ss = subSum[q.index]!;
        for (let r = 0; r < q.rows; r++) ss[r] += x[base + r]!;
        // Outer products of each row tile's slice of x, over its non-zero entries only; the
        // upper triangle (i ≤ j), mirrored at the end.
        for (let r0 = 0; r0 < q.rows; r0 += n) {
          let k = 0;
          for (let i = 0; i < Math.min(n, q.rows - r0); i++) if (x[base + r0 + i] !== 0) nz[k++] = i;
          const off = (r0 / n) * n * n;
          for (let a = 0; a < k; a++) {
            const i = nz[a]!;
            const xi = x[base + r0 + i]!;
            const row = off + i * n;
            for (let b = a; b < k; b++) M[row + nz[b]!] += xi * x[base + r0 + nz[b]!]!;
          }
        }
      }
      count[q.index] += P;
      exactEngine.matmul(q, x, P, acc);
    },
  };
  const imagesRun = Math.min(images, Math.floor(pixels.length / imageSize));
  for (image = 0; image < imagesRun; image++) forwardInt(qn, quantizeImage(pixels, image * imageSize, imageSize, qn.activationBits), recorder);
  return qn.layers.map((q, i) => {
    const N = Math.max(1, count[i]!);
    const mean = sum[i]!.map((v) => v / N);
    const M = moments[i];
    if (M) {
      const Ns = Math.max(1, subCount[i]!);
      const sub = subSum[i]!.map((v) => v / Ns);
      for (let t = 0; t < M.length / (n * n); t++) {
        for (let a = 0; a < n; a++) {
          for (let b = a; b < n; b++) {
            const ma = sub[t * n + a] ?? 0;
            const mb = sub[t * n + b] ?? 0;
            const c = M[t * n * n + a * n + b]! / Ns - ma * mb;
            M[t * n * n + a * n + b] = c;
            M[t * n * n + b * n + a] = c;
          }
        }
      }
    }
    return { mean, meanSquare: sumSq[i]!.map((v) => v / N), ...(M ? { covariance: M } : {}) };
  });
}

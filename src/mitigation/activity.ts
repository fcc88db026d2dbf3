/**
 * Input statistics per crossbar row: E[x_r] and E[x_r²] of each layer's input codes over
 * calibration images (the integer path, exact). MT weighs a weight's error by how strongly
 * its row is driven: an error on a row that is almost never active costs almost nothing.
 */
import { exactEngine, forwardInt, quantizeImage, type MatrixEngine, type QuantNetwork } from '../nn/quant.ts';

export interface RowActivity {
  /** E[x_r] per logical row. */
  mean: Float64Array;
  /** E[x_r²] per logical row. */
  meanSquare: Float64Array;
  /**
   * With `tileRows`: the second moments E[x_r·x_s] of the rows of each row tile, tile rt's
   * n×n matrix (n = tileRows) at [rt·n² + i·n + j] for rows rt·n + i and rt·n + j; MT's
   * fault-map cost is E[(Σ_r x_r·e_r)²] over a tile (docs/mt.md).
   */
  moments?: Float64Array;
}

export function rowActivity(qn: QuantNetwork, pixels: Uint8Array, imageSize: number, images: number, tileRows?: number): RowActivity[] {
  const sum = qn.layers.map((q) => new Float64Array(q.rows));
  const sumSq = qn.layers.map((q) => new Float64Array(q.rows));
  const count = qn.layers.map(() => 0);
  const n = tileRows ?? 0;
  const moments = qn.layers.map((q) => (n > 0 ? new Float64Array(Math.ceil(q.rows / n) * n * n) : null));
  const nz = new Int32Array(Math.max(1, n));
  const recorder: MatrixEngine = {
    matmul(q, x, P, acc) {
      const s = sum[q.index]!;
      const s2 = sumSq[q.index]!;
      for (let p = 0; p < P; p++) {
        const base = p * q.rows;
        for (let r = 0; r < q.rows; r++) {
          const v = x[base + r]!;
          s[r] += v;
          s2[r] += v * v;
        }
        const M = moments[q.index];
        if (!M) continue;
        // Outer products of each row tile's slice of x, over its non-zero entries only.
        for (let r0 = 0; r0 < q.rows; r0 += n) {
          let k = 0;
          for (let i = 0; i < Math.min(n, q.rows - r0); i++) if (x[base + r0 + i] !== 0) nz[k++] = i;
          const off = (r0 / n) * n * n;
          for (let a = 0; a < k; a++) {
            const i = nz[a]!;
            const xi = x[base + r0 + i]!;
            for (let b = 0; b < k; b++) M[off + i * n + nz[b]!] += xi * x[base + r0 + nz[b]!]!;
          }
        }
      }
      count[q.index] += P;
      exactEngine.matmul(q, x, P, acc);
    },
  };
  const imagesRun = Math.min(images, Math.floor(pixels.length / imageSize));
  for (let i = 0; i < imagesRun; i++) forwardInt(qn, quantizeImage(pixels, i * imageSize, imageSize, qn.activationBits), recorder);
  return qn.layers.map((q, i) => ({
    mean: sum[i]!.map((v) => v / Math.max(1, count[i]!)),
    meanSquare: sumSq[i]!.map((v) => v / Math.max(1, count[i]!)),
    ...(moments[i] ? { moments: moments[i]!.map((v) => v / Math.max(1, count[i]!)) } : {}),
  }));
}

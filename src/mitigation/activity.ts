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
}

export function rowActivity(qn: QuantNetwork, pixels: Uint8Array, imageSize: number, images: number): RowActivity[] {
  const sum = qn.layers.map((q) => new Float64Array(q.rows));
  const sumSq = qn.layers.map((q) => new Float64Array(q.rows));
  const count = qn.layers.map(() => 0);
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
      }
      count[q.index] += P;
      exactEngine.matmul(q, x, P, acc);
    },
  };
  const n = Math.min(images, Math.floor(pixels.length / imageSize));
  for (let i = 0; i < n; i++) forwardInt(qn, quantizeImage(pixels, i * imageSize, imageSize, qn.activationBits), recorder);
  return qn.layers.map((q, i) => ({
    mean: sum[i]!.map((v) => v / Math.max(1, count[i]!)),
    meanSquare: sumSq[i]!.map((v) => v / Math.max(1, count[i]!)),
  }));
}

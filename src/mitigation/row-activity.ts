/**
 * Input statistics per crossbar row: E[x_r] and E[x_r²] of each layer's input codes over
 * calibration images (the integer path, exact), and the covariances of the rows of each row
 * tile. MT weighs a weight's error by how strongly
 * its row is driven: an error on a row that is almost never active costs almost nothing.
 */
import { createHash } from 'node:crypto';
import { kernelThreads, native } from '../native/addon.ts';
import { readCachedBytes, writeCachedBytes } from '../util/cache.ts';
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

/**
 * `opts.native` false: the covariances' outer products in TypeScript instead of the native kernel
 * (`tileMoments`); the same numbers either way (sums of integer products below 2⁵³ are exact in any order).
 */
export function rowActivity(qn: QuantNetwork, pixels: Uint8Array, imageSize: number, images: number, tileRows?: number, opts: { native?: boolean } = {}): RowActivity[] {
  const kernels = opts.native === false || typeof native()?.tileMoments !== 'function' ? null : native();
  const threads = kernelThreads();
  const sampled = new Int32Array(COVARIANCE_PATCHES + 1);
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
      let nSampled = 0;
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
        if (kernels) {
          sampled[nSampled++] = p; // the outer products of these patches in one native call, below
          continue;
        }
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
      if (kernels && nSampled > 0) kernels.tileMoments(x, q.rows, sampled.subarray(0, nSampled), n, moments[q.index]!, threads);
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

/** Bump when `rowActivity` computes anything differently (it changes every cached entry's key). */
const ACTIVITY_VERSION = 1;

/**
 * The key of a row-activity measurement: the quantized network (every layer's integer weights,
 * biases, requantization and padding), the calibration images it runs, how many, and the tile
 * rows of the covariances — hashed (sha256) with ACTIVITY_VERSION and COVARIANCE_PATCHES.
 */
export function activityKey(qn: QuantNetwork, pixels: Uint8Array, imageSize: number, images: number, tileRows?: number): string {
  const h = createHash('sha256');
  const imagesRun = Math.min(images, Math.floor(pixels.length / imageSize));
  h.update(JSON.stringify({ version: ACTIVITY_VERSION, patches: COVARIANCE_PATCHES, images: imagesRun, tileRows: tileRows ?? 0, activationBits: qn.activationBits, steps: qn.steps.map((s) => (s.kind === 'compute' ? 'compute' : s)) }));
  const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  for (const q of qn.layers) {
    h.update(JSON.stringify({ rows: q.rows, cols: q.cols, requant: q.requant, padValue: q.padValue ? [...q.padValue] : null, geometry: { ...q.layer, weight: undefined, bias: undefined } }));
    h.update(bytes(q.qWeight));
    h.update(bytes(q.qBias));
  }
  h.update(pixels.subarray(0, imagesRun * imageSize));
  return h.digest('hex').slice(0, 32);
}

/**
 * `rowActivity`, kept in memxbar's cache folder (util/cache.ts) under `activityKey`: the
 * covariances of 500 calibration images take tens of seconds and depend only on what the key
 * hashes. `fromCache` is true when the entry was read back. The entry is the arrays' float64
 * bytes (exact), after a header naming the key and each array's length.
 */
export function cachedRowActivity(qn: QuantNetwork, pixels: Uint8Array, imageSize: number, images: number, tileRows?: number): { rows: RowActivity[]; fromCache: boolean; key: string } {
  const key = activityKey(qn, pixels, imageSize, images, tileRows);
  const bytes = readCachedBytes('activity', key);
  if (bytes) {
    const rows = decodeActivity(bytes, key, qn);
    if (rows) return { rows, fromCache: true, key };
  }
  const rows = rowActivity(qn, pixels, imageSize, images, tileRows);
  writeCachedBytes('activity', key, encodeActivity(rows, key));
  return { rows, fromCache: false, key };
}

function encodeActivity(rows: RowActivity[], key: string): Uint8Array {
  const header = Buffer.from(JSON.stringify({ key, lengths: rows.map((r) => [r.mean.length, r.meanSquare.length, r.covariance?.length ?? -1]) }));
  const arrays = rows.flatMap((r) => [r.mean, r.meanSquare, ...(r.covariance ? [r.covariance] : [])]);
  const total = arrays.reduce((n, a) => n + a.byteLength, 0);
  const out = new Uint8Array(8 + header.length + ((8 - (header.length % 8)) % 8) + total);
  const view = new DataView(out.buffer);
  view.setUint32(0, header.length, true);
  out.set(header, 8);
  let at = 8 + header.length + ((8 - (header.length % 8)) % 8);
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  return out;
}

function decodeActivity(bytes: Buffer, key: string, qn: QuantNetwork): RowActivity[] | null {
  try {
    const n = bytes.readUInt32LE(0);
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as { key: string; lengths: [number, number, number][] };
    if (header.key !== key || header.lengths.length !== qn.layers.length) return null;
    let at = 8 + n + ((8 - (n % 8)) % 8);
    const take = (len: number) => {
      if (at + 8 * len > bytes.length) throw new RangeError('truncated');
      const a = new Float64Array(len);
      new Uint8Array(a.buffer).set(bytes.subarray(at, at + 8 * len));
      at += 8 * len;
      return a;
    };
    const rows = header.lengths.map(([m, m2, c]) => {
      const mean = take(m);
      const meanSquare = take(m2);
      return c >= 0 ? { mean, meanSquare, covariance: take(c) } : { mean, meanSquare };
    });
    return at === bytes.length ? rows : null;
  } catch {
    return null;
  }
}

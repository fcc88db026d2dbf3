/**
 * Counter-based random draws (docs/model.md §9.1): a draw is a pure function of its key
 * (seed, stream, layer, …, cell, read), so the reference model, the fast engine's native
 * kernels (src/native/kernels/counter_rng.h, the same functions in C++) and any order of
 * evaluation give the same numbers. Only 32-bit integer operations (Math.imul, xor, shifts),
 * so TypeScript and C++ agree bit for bit (test/util/counter-rng.test.ts checks both).
 *
 * The mixer is Chris Wellons' `lowbias32` (hash-prospector); a key is hashed word by word.
 * A normal deviate is the Irwin–Hall sum of 12 uniform bytes (3 hashes), centred:
 * z = (Σ b_i − 1530) / 256, mean 0, variance 1 − 2^−16, |z| ≤ 5.98, exact in a double.
 */

/** Chris Wellons' lowbias32 integer hash (uint32 → uint32). */
export function lowbias32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** One step of a key: h' = lowbias32((h xor w) + 0x9e3779b9). */
export function mixKey(h: number, w: number): number {
  return lowbias32((((h ^ w) >>> 0) + 0x9e3779b9) >>> 0);
}

/** Hash of a key (words are taken as uint32). */
export function hashKey(...words: number[]): number {
  let h = 0x6a09e667;
  for (const w of words) h = mixKey(h, w >>> 0);
  return h;
}

/** hashKey(a, b, c) without the rest-array (hot loops: one call per cell). */
export function hashKey3(a: number, b: number, c: number): number {
  return mixKey(mixKey(mixKey(0x6a09e667, a >>> 0), b >>> 0), c >>> 0);
}

/** hashKey(a, b, c, …rest) = continueKey(hashKey3(a, b, c), …rest): a shared key prefix. */
export function continueKey(h: number, w1: number, w2?: number, w3?: number): number {
  h = mixKey(h, w1 >>> 0);
  if (w2 !== undefined) h = mixKey(h, w2 >>> 0);
  if (w3 !== undefined) h = mixKey(h, w3 >>> 0);
  return h;
}

/** Standard normal deviate (Irwin–Hall, 12 bytes) of a hashed key. */
export function normalOf(h: number): number {
  let s = 0;
  for (let d = 0; d < 3; d++) {
    const u = mixKey(h, d);
    s += (u & 255) + ((u >>> 8) & 255) + ((u >>> 16) & 255) + (u >>> 24);
  }
  return (s - 1530) / 256;
}

/** Uniform integer in [0, n) of a hashed key (n ≤ 2^16; bias below 2^−16). */
export function uniformIntOf(h: number, n: number): number {
  return Math.floor((mixKey(h, 7) * n) / 2 ** 32);
}

/** Streams: each kind of draw has its own, so that draws of different effects never coincide. */
export const STREAM = { deviceToDevice: 1, cycleToCycle: 2, readNoise: 3, drift: 4, previousLevel: 5 } as const;

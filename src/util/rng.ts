/**
 * Seeded random numbers. Every random choice in memxbar goes through `Rng`, built from a
 * user seed plus a stream number (e.g. the layer index), so that one layer's draws do not
 * depend on any other's. Generator: xoroshiro128+ from `pure-rand`.
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

type Gen = ReturnType<typeof xoroshiro128plus>;

/** 32-bit mix of a seed and a stream number (splitmix-style finaliser). */
export function mixSeed(seed: number, stream: number): number {
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(stream + 0x632be5ab, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export class Rng {
  private readonly gen: Gen;
  constructor(seed: number, stream = 0) {
    this.gen = xoroshiro128plus(mixSeed(seed, stream) | 0);
  }
  /** Uniform integer in [0, 2^32). */
  uint32(): number {
    return this.gen.next() >>> 0;
  }
  /** Uniform float in [0, 1) with 32 random bits. */
  float(): number {
    return this.uint32() / 4294967296;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.float();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/**
 * The fast engine equals the reference model on the shipped VGG8-w0.5, preset neurosim-v1.4
 * (1-bit cells, 8 input bits, 5-bit fixed-calibrated ADC) with 5% stuck-at faults, on the
 * real activations of 20 CIFAR-10 test images; and the same preset with differential pairs
 * (their own bit-sliced path) on 8 images.
 *
 * The reference model takes ~20 s per image, so it runs per layer on the real input vectors
 * of 12 of each image's patches (spread over the feature map, different for every image);
 * the fast engine runs the same vectors. Patches are independent in both models
 * (fixed ADC), so equal accumulators and statistics on the sample are the same check as on
 * the whole image, layer by layer. The fully connected layers have one patch per image and
 * the costliest reference reads (4096 rows): they are compared on every fourth image.
 */
import { describe, expect, it } from 'vitest';
import { parseOverride, resolveConfig } from '../../src/config/load.ts';
import { buildCrossbar, crossbarMatmul, type Crossbar, type LayerStats } from '../../src/crossbar/reference.ts';
import { fastEngine, fastEnginePaths } from '../../src/engine/fast.ts';
import { native } from '../../src/native/addon.ts';
import { forwardInt, type QuantLayer } from '../../src/nn/quant.ts';
import { programCrossbar } from '../../src/session/eval.ts';
import { inputCodes, prepare } from '../../src/session/prepare.ts';

const PATCHES = 12;
const FC_EVERY = 4;

describe.skipIf(!native()).each([
  { scheme: 'offset', IMAGES: 20, path: '+bitsliced' },
  { scheme: 'differential', IMAGES: 8, path: '+bitsliced-differential' },
])('fast engine on VGG8-w0.5, neurosim-v1.4 ($scheme) with 5% faults, $IMAGES real images', ({ scheme, IMAGES, path: wantPath }) => {
  it('equals the reference model on every sampled patch of every layer', () => {
    const overrides = ['faults.rate=0.05', `experiment.images=${IMAGES}`, `tile.signedScheme="${scheme}"`];
    const cfg = resolveConfig({ preset: 'neurosim-v1.4', overrides: overrides.map(parseOverride) });
    const p = prepare(cfg);
    const xb = programCrossbar(p, cfg);
    expect(xb.adc.every((a) => a.mode === 'fixed')).toBe(true);
    // The reference model on the same programmed array (mappings, faults, calibrated ADC ranges).
    const ref: Crossbar = buildCrossbar(p.qn, cfg, {
      mappings: xb.mappings,
      faults: xb.faults,
      calibratedFullScale: xb.adc.map((a) => (a.mode === 'fixed' ? a.fullScale : 0)),
    });
    expect(ref.adc).toEqual(xb.adc);
    expect(fastEnginePaths(xb).slice(0, 6).every((path) => path.endsWith(wantPath))).toBe(true);
    const fast = fastEngine(xb);
    const snapshot = (s: LayerStats[], i: number) => ({ ...s[i]! });
    const delta = (a: LayerStats, b: LayerStats) => ({ reads: b.reads - a.reads, conversions: b.conversions - a.conversions, currentSum: b.currentSum - a.currentSum });
    let compared = 0;
    for (let img = 0; img < IMAGES; img++) {
      const layers: { q: QuantLayer; x: Int32Array; P: number }[] = [];
      forwardInt(p.qn, inputCodes(p, img), {
        matmul(q, x, P, acc) {
          layers.push({ q, x: x.slice(), P });
          fast.matmul(q, x, P, acc);
        },
      });
      for (const { q, x, P } of layers) {
        if (P === 1 && img % FC_EVERY !== 0) continue;
        const R = q.rows;
        const n = Math.min(PATCHES, P);
        const sample = new Int32Array(n * R);
        for (let j = 0; j < n; j++) {
          const patch = (Math.floor((j * P) / n) + img * 7) % P;
          sample.set(x.subarray(patch * R, (patch + 1) * R), j * R);
        }
        const want = new Float64Array(q.cols * n);
        const got = new Float64Array(q.cols * n);
        const r0 = snapshot(ref.stats, q.index);
        const f0 = snapshot(xb.stats, q.index);
        crossbarMatmul(ref, q, sample, n, want);
        fast.matmul(q, sample, n, got);
        expect(got, `image ${img}, layer ${q.layer.name}`).toEqual(want);
        expect(delta(f0, xb.stats[q.index]!)).toEqual(delta(r0, ref.stats[q.index]!));
        compared += n;
      }
    }
    expect(compared).toBeGreaterThan(IMAGES * 6 * PATCHES);
  }, 120_000);
});

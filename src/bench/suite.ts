/**
 * `npm run bench`: throughput of every path on the same machine in the same run, reported
 * as ratios against onnxruntime's float32 inference of the same model (the baseline).
 * Never part of CI or of the tests.
 */
import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseOverride, resolveConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { preprocess } from '../data/cifar10.ts';
import { forwardFloat } from '../nn/float.ts';
import { exportOnnx } from '../nn/onnx-export.ts';
import { forwardInt } from '../nn/quant.ts';
import { referenceEngine } from '../crossbar/reference.ts';
import { fastEngine } from '../engine/fast.ts';
import { configuredFaults, programCrossbar } from '../session/eval.ts';
import { inputCodes, prepare, type Prepared } from '../session/prepare.ts';
import { measureActivity } from '../cost/measure.ts';
import { estimateDigitalAreas } from '../cost/digital.ts';
import { costModel, networkGeometry } from '../cost/model.ts';
import { silentProgress, type Progress } from '../util/progress.ts';
import { networkLayerShapes } from '../crossbar/faults.ts';
import { train } from '../train/train.ts';
import { RUN_DEFAULT_CONFIG } from '../run/flow.ts';
import { benchGenSynth, benchSynthFlows, type SynthFlowTiming } from './gen-synth.ts';
import { BENCH_REPEATS, benchCosimLayer } from './cosim-layer.ts';
import { benchDefaultRun, benchProgramming } from './flowBench.ts';

export interface BenchRow {
  model: string;
  path: string;
  imagesPerSecond: number;
  images: number;
  /** Time per image relative to onnxruntime float32 on the same model (lower is better). */
  vsOnnxruntime: number | null;
  /**
   * CPU time (user + system, every thread of the process) per image in ms, and relative to
   * onnxruntime's: on a machine shared with other jobs wall-clock ratios move with the load (a
   * two-thread onnxruntime loses more to it than a path that keeps one core busy), CPU time much less.
   */
  cpuMsPerImage?: number;
  cpuVsOnnxruntime?: number | null;
}

type Ort = typeof import('onnxruntime-node');

function loadOrt(): Ort | null {
  try {
    return createRequire(import.meta.url)('onnxruntime-node') as Ort;
  } catch {
    return null;
  }
}

/** Run `fn` over images until both `minImages` and `minSeconds` are reached; images/s. */
async function rate(fn: (i: number) => unknown | Promise<unknown>, available: number, minImages: number, minSeconds: number): Promise<{ ips: number; images: number; cpuMs: number }> {
  await fn(0); // warm-up (JIT, packing, caches)
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  while (n < minImages || performance.now() - t0 < minSeconds * 1000) {
    await fn(n % available);
    n++;
    if (n >= 100 * minImages) break;
  }
  const c = process.cpuUsage(c0);
  return { ips: n / ((performance.now() - t0) / 1000), images: n, cpuMs: (c.user + c.system) / 1000 / n };
}

function modelConfig(model: 'w0.5' | 'w1', extra: string[]): Config {
  const base = model === 'w0.5' ? [] : ['network.model="random-vgg8"', 'network.randomWidth=1', 'quant.calibrationImages=50'];
  return resolveConfig({ preset: 'neurosim-v1.4', overrides: [...base, 'experiment.images=50', ...extra].map(parseOverride) });
}

/**
 * The rows of the synthesis flows of `memxbar run`'s tile: per flow, the CPU time of memxbar's
 * recipe against the baseline recipe measured in the same run (ratio baseline / default), and
 * the tile area of both (they differ only by ABC's structural choices).
 */
export function synthFlowRows(timings: SynthFlowTiming[]): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const flow of [...new Set(timings.map((t) => t.flow))]) {
    const base = timings.find((t) => t.flow === flow && t.recipe === 'baseline');
    const cur = timings.find((t) => t.flow === flow && t.recipe === 'default');
    if (!base || !cur) continue;
    const area = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });
    rows.push({
      model: 'memxbar run tile (default config)',
      path:
        `Yosys ${flow}: ${cur.cpuS.toFixed(1)} s CPU (baseline recipe ${base.cpuS.toFixed(1)} s, ×${(base.cpuS / cur.cpuS).toFixed(2)} less); ` +
        `tile area ${area(cur.areaUm2)} µm² (baseline ${area(base.areaUm2)} µm², ${(((cur.areaUm2 - base.areaUm2) / base.areaUm2) * 100).toFixed(2)} %)`,
      imagesPerSecond: NaN,
      images: 0,
      vsOnnxruntime: null,
    });
  }
  const sum = (r: string) => timings.filter((t) => t.recipe === r).reduce((a, t) => a + t.cpuS, 0);
  rows.push({
    model: 'memxbar run tile (default config)',
    path: `Yosys, all ASIC flows of memxbar run: ${sum('default').toFixed(1)} s CPU (baseline recipe ${sum('baseline').toFixed(1)} s, ×${(sum('baseline') / sum('default')).toFixed(2)} less)`,
    imagesPerSecond: NaN,
    images: 0,
    vsOnnxruntime: null,
  });
  return rows;
}

export async function runBench(
  progress: Progress,
  opts: { referenceImages: number; quick: boolean; rtl: boolean; synthOnly?: boolean },
): Promise<{ rows: BenchRow[]; machine: string; synthFlows?: SynthFlowTiming[] }> {
  const ort = loadOrt();
  const rows: BenchRow[] = [];
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, Node ${process.version}`;
  let synthFlows: SynthFlowTiming[] | undefined;
  if (opts.rtl || opts.synthOnly) {
    progress.log("RTL: the ASIC synthesis flows of memxbar run's tile, each alone, baseline and default recipe");
    synthFlows = await benchSynthFlows({ onProgress: (l) => progress.log(`   ${l}`) });
    rows.push(...synthFlowRows(synthFlows));
    if (opts.synthOnly) return { rows, machine, synthFlows };
  }
  const minS = opts.quick ? 1 : 4;
  for (const model of ['w0.5', 'w1'] as const) {
    const label = model === 'w0.5' ? 'VGG8-w0.5 (trained)' : 'VGG8 full width (random weights)';
    progress.log(`${label}: preparing`);
    const p: Prepared = prepare(modelConfig(model, []));
    const n = p.test.count;
    const floatImgs = Array.from({ length: n }, (_, i) => preprocess(p.test.pixels, i, p.net.input));
    let ortIps: number | null = null;
    let ortCpu: number | null = null;
    if (ort) {
      const session = await ort.InferenceSession.create(exportOnnx(p.net));
      const r = await rate((i) => session.run({ image: new ort.Tensor('float32', floatImgs[i]!, [1, 3, 32, 32]) }), n, 20, minS);
      ortIps = r.ips;
      ortCpu = r.cpuMs;
      rows.push({ model: label, path: 'onnxruntime float32 (baseline)', imagesPerSecond: r.ips, images: r.images, vsOnnxruntime: 1, cpuMsPerImage: r.cpuMs, cpuVsOnnxruntime: 1 });
    } else {
      progress.log('onnxruntime-node is not installed (a dev dependency): no baseline, no ratios');
    }
    const add = (path: string, r: { ips: number; images: number; cpuMs?: number }) =>
      rows.push({
        model: label,
        path,
        imagesPerSecond: r.ips,
        images: r.images,
        vsOnnxruntime: ortIps ? ortIps / r.ips : null,
        ...(r.cpuMs === undefined ? {} : { cpuMsPerImage: r.cpuMs, cpuVsOnnxruntime: ortCpu ? r.cpuMs / ortCpu : null }),
      });
    progress.log(`${label}: float and integer paths`);
    const floatRate = await rate((i) => forwardFloat(p.net, floatImgs[i]!), n, 10, minS);
    add('memxbar float32', floatRate);
    add('memxbar integer path (8-bit)', await rate((i) => forwardInt(p.qn, inputCodes(p, i)), n, 10, minS));
    if (model === 'w0.5') {
      // Training (docs/train.md): steps of 8 images on the shipped test sample (timing only), per
      // mode; images/s against onnxruntime's inference (the table's ratio) and against memxbar's
      // own float32 inference measured just above, in the same run.
      const floatIps = floatRate.ips;
      const batch = 8, steps = opts.quick ? 2 : 4;
      const data = { pixels: p.test.pixels, labels: p.test.labels, count: p.test.count, source: 'shipped test sample' };
      for (const [mode, extra] of [
        ['float', []],
        ['fault-aware', ['faults.rate=0.05', 'faults.sa1Sa0Ratio="5:1"']],
        ['nia', ['faults.rate=0.05', 'faults.sa1Sa0Ratio="5:1"']],
        ['admm', []],
      ] as const) {
        progress.log(`${label}: training, ${mode}, ${steps} steps of ${batch} images`);
        const cfg = modelConfig(model, [...extra]);
        const faults = configuredFaults(p, cfg, networkLayerShapes(p.net, cfg));
        const o = { steps, batch, lr: 1e-4, optimizer: 'adam', seed: 1, checkpoint: null, checkpointEvery: steps, resume: false, mode, admm: mode === 'admm' ? { ratio: 0.5, rho: 1, admmSteps: steps, every: 1 } : undefined } as const;
        train(p.net, p.qn, cfg, data, faults, { ...o, steps: 1 }, silentProgress); // warm-up
        const r = train(p.net, p.qn, cfg, data, faults, o, silentProgress);
        const ips = (steps * batch) / r.seconds;
        add(`training, ${mode === 'nia' ? 'NIA (5% SAF 5:1, a map per step)' : mode === 'fault-aware' ? 'fault-aware (5% SAF 5:1)' : mode === 'admm' ? 'ADMM (ratio 0.5, Z/U every step)' : 'float (no quantization)'}, batch ${batch}: ${(steps / r.seconds).toFixed(3)} steps/s, ×${(floatIps / ips).toFixed(1)} the time per image of memxbar float32 inference`, { ips, images: steps * batch });
      }
    }
    let effectsOffIps: number | null = null;
    for (const [name, extra] of [
      ['(a) neurosim-v1.4, 5% SAF 5:1', ['faults.rate=0.05', 'faults.sa1Sa0Ratio="5:1"']],
      ['(b) lossless ADC, 5% SAF 5:1', ['faults.rate=0.05', 'faults.sa1Sa0Ratio="5:1"', 'tile.adcMode="lossless"']],
      ['(c) differential pairs, 5% SAF 5:1', ['faults.rate=0.05', 'faults.sa1Sa0Ratio="5:1"', 'tile.signedScheme="differential"']],
      // Every array effect of docs/model.md §9 on (the read-by-read path with per-cell conductances
      // and read noise); trained model only (the full-width model would take minutes per image).
      ...(model === 'w0.5'
        ? ([['(d) (a) + every array effect (variation, incremental programming, drift 1 year, read noise)', ['faults.rate=0.05', 'faults.sa1Sa0Ratio="5:1"', 'device.variation.deviceToDevice=0.05', 'device.variation.cycleToCycle=0.05', 'device.variation.levelModel="reram-wan"', 'device.programming.scheme="incremental"', 'device.drift.model="pcm-aihwkit"', 'device.readTimeSeconds=31557600', 'device.readNoise.thermalShot=true', 'device.readNoise.rtn=true', 'device.readNoise.proportional=0.02']]] as const)
        : []),
    ] as const) {
      const cfg = modelConfig(model, [...extra]);
      const xb = programCrossbar(p, cfg);
      progress.log(`${label}: crossbar ${name}, fast engine`);
      const fe = fastEngine(xb);
      const fast = await rate((i) => forwardInt(p.qn, inputCodes(p, i), fe), n, 10, minS);
      add(`crossbar ${name}: fast engine`, fast);
      if (name.startsWith('(a)')) effectsOffIps = fast.ips;
      if (name.startsWith('(d)') && effectsOffIps !== null) {
        // The price of the array effects: the same engine, same faults, same run, effects off ((a)) against on ((d)).
        rows.push({ model: label, path: `fast engine with every array effect on ((d)) against off ((a)), same run: ×${(effectsOffIps / fast.ips).toFixed(2)} the time per image`, imagesPerSecond: NaN, images: 0, vsOnnxruntime: null });
      }
      if (name.startsWith('(a)')) {
        // The whole-chip estimate once the engine has run: costModel on the measured activity,
        // against the engine's own inference of the images it was measured on (same run, same machine).
        const images = 4;
        const t0 = performance.now();
        const act = measureActivity(p, cfg, (layers) => configuredFaults(p, cfg, layers), images);
        const engineMs = performance.now() - t0;
        const geometry = networkGeometry(p.net, cfg);
        const digital = estimateDigitalAreas(cfg);
        const t1 = performance.now();
        let reps = 0;
        for (const circuits of ['memxbar', 'neurosim'] as const) {
          for (let k = 0; k < 5; k++, reps++) costModel({ cfg: { ...cfg, cost: { ...cfg.cost, circuits } }, geometry, activity: act.layers, digital });
        }
        const estimateMs = (performance.now() - t1) / reps;
        rows.push({
          model: label,
          path: `whole-chip cost estimate (both circuit profiles): ${estimateMs.toFixed(1)} ms per estimate after the engine's ${images}-image activity run (${engineMs.toFixed(0)} ms): ×${(estimateMs / engineMs).toFixed(4)} of the engine's time`,
          imagesPerSecond: NaN,
          images: 0,
          vsOnnxruntime: null,
        });
      }
      if (opts.referenceImages > 0) {
        progress.log(`${label}: crossbar ${name}, reference model (${opts.referenceImages} image(s), slow by design)`);
        const re = referenceEngine(programCrossbar(p, cfg));
        const t0 = performance.now();
        for (let i = 0; i < opts.referenceImages; i++) forwardInt(p.qn, inputCodes(p, i), re);
        add(`crossbar ${name}: reference model`, { ips: opts.referenceImages / ((performance.now() - t0) / 1000), images: opts.referenceImages });
      }
    }
  }
  if (opts.rtl) {
    progress.log('RTL: generate and synthesize the default tile (neurosim-v1.4)');
    const { genMs, synthMs, flowYosysS, baselineFlowYosysS } = await benchGenSynth();
    const flows = Object.entries(flowYosysS)
      .map(([f, s]) => `${f} ${s.toFixed(1)} s${baselineFlowYosysS[f] ? ` (flip-flop store ${baselineFlowYosysS[f]!.toFixed(1)} s, ×${(baselineFlowYosysS[f]! / s).toFixed(2)})` : ''}`)
      .join(', ');
    rows.push({
      model: 'default 128×128 tile',
      path: `RTL generation: ${genMs.toFixed(0)} ms; Yosys synthesis (all flows): ${(synthMs / 1000).toFixed(1)} s; Yosys time per flow: ${flows}`,
      imagesPerSecond: NaN,
      images: 0,
      vsOnnxruntime: null,
    });
  }
  if (opts.rtl) {
    progress.log('co-simulation: one whole VGG8 layer (every tile, one image) on each simulator');
    const cosim = await benchCosimLayer({ onProgress: (l) => progress.log(l) });
    const icarus = cosim.find((c) => c.simulator === 'icarus');
    for (const c of cosim) {
      const vs = icarus && c !== icarus && c.seconds > 0 ? `, ${(icarus.seconds / c.seconds).toFixed(1)}× faster than icarus` : '';
      const build = c.buildCached ? 'build cached' : `${c.buildSeconds.toFixed(1)} s build`;
      rows.push({ model: `co-simulation, layer ${c.layer} (${c.tiles} tiles)`, path: `${c.simulator}: ${c.seconds.toFixed(2)} s simulation (best of ${BENCH_REPEATS} per tile), ${build}${vs}${c.ok ? ', all words match' : ', MISMATCH'}`, imagesPerSecond: NaN, images: 0, vsOnnxruntime: null });
    }
  }
  {
    progress.log('programming a crossbar for a new fault configuration (MT-map, default run config)');
    const p = prepare(resolveConfig({ file: RUN_DEFAULT_CONFIG }));
    for (const t of benchProgramming(p)) {
      const ts = t.typescriptSeconds === null ? '' : `; TypeScript version ${t.typescriptSeconds.toFixed(2)} s (native ${(t.typescriptSeconds / t.seconds).toFixed(1)}× faster)`;
      rows.push({ model: 'VGG8-w0.5, memxbar run default', path: `program the crossbar, MT-map with descent, ${(t.rate * 100).toFixed(1)} % stuck ${t.ratio}: ${t.seconds.toFixed(2)} s native (${t.cpuSeconds.toFixed(2)} CPU s)${ts}`, imagesPerSecond: NaN, images: 0, vsOnnxruntime: null });
    }
  }
  if (opts.rtl) {
    progress.log('memxbar run: the whole flow on the shipped default (the README\'s main command), per co-simulation path');
    for (const t of await benchDefaultRun(progress)) {
      const steps = t.steps.map((s) => `${s.step} ${s.seconds.toFixed(1)} s${s.cpuSeconds === undefined ? '' : ` (CPU ${s.cpuSeconds.toFixed(1)} s)`}`).join('; ');
      rows.push({ model: `memxbar run (default config), ${t.simulator}, ${t.cache}`, path: `whole flow: ${t.seconds.toFixed(0)} s (${(t.seconds / 60).toFixed(1)} min), CPU ${t.cpuSeconds.toFixed(0)} s${t.cosimOk ? '' : ', co-simulation did NOT match'}; ${steps}`, imagesPerSecond: NaN, images: 0, vsOnnxruntime: null });
    }
  }
  return { rows, machine, synthFlows };
}

export function benchMarkdown(rows: BenchRow[], machine: string): string {
  const lines = [
    `Machine: ${machine}`,
    '',
    '| model | path | images/s | time per image vs onnxruntime float32 | CPU ms per image (all threads) | CPU time vs onnxruntime |',
    '|---|---|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const cpu = r.cpuMsPerImage === undefined ? '–' : r.cpuMsPerImage.toFixed(2);
    const cpuVs = r.cpuVsOnnxruntime === undefined || r.cpuVsOnnxruntime === null ? '–' : `${r.cpuVsOnnxruntime.toFixed(2)}×`;
    lines.push(`| ${r.model} | ${r.path} | ${Number.isNaN(r.imagesPerSecond) ? '–' : r.imagesPerSecond.toFixed(r.imagesPerSecond < 10 ? 3 : 1)} | ${r.vsOnnxruntime === null ? '–' : `${r.vsOnnxruntime.toFixed(2)}×`} | ${cpu} | ${cpuVs} |`);
  }
  return lines.join('\n') + '\n';
}

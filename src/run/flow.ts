/**
 * `memxbar run`: the whole flow on one config, as one report. Accuracy (float, integer,
 * crossbar) and a short fault sweep with and without MT; the tile RTL, its synthesis
 * (Yosys in worker threads, on the other core while the sweep runs); a co-simulation of one
 * real tile of each layer kind; energy / latency / area. Every result lands in one
 * `FlowReport`, written as report.json, report.md and a self-contained report.html.
 *
 * Output safety: everything is written into a staging folder next to the files and moved
 * in at the end, so a failed run leaves the output folder as it was. `--out` must be a new
 * or empty folder, or one an earlier `memxbar run` wrote (its marker lists the files it
 * made; only those are replaced). Files memxbar did not create are never touched.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { diffAgainstPreset } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { ConfigError, DataError, isUserError } from '../errors.ts';
import { checkCosimEffects, cosimLayerTile } from '../cosim/cosim.ts';
import { resolveLayer } from '../cosim/layer.ts';
import { chooseSimulator, detectAll, type Simulator } from '../cosim/simulators/index.ts';
import { INSTALL_HINT } from '../cosim/testbench.ts';
import { checkCost, runCost } from '../cost/estimate.ts';
import { generateRtl, writeRtl } from '../rtl/generate.ts';
import { reportMarkdown, synthesizeGenerated, type SynthReport } from '../synth/synthesize.ts';
import { ensureOutDir, OWNED_LIST, writeAllAtomic } from '../util/fsx.ts';
import { silentProgress, type Progress } from '../util/progress.ts';
import { checkEngine, evalCrossbar, evalFloat, evalInt, programCrossbar } from '../session/eval.ts';
import { loadInputs, prepare } from '../session/prepare.ts';
import { priceMarkdown, summaryMarkdown, sweepCsv } from '../report/sweep.ts';
import { runSweep, summarize } from '../sweep/sweep.ts';
import { costFiles } from '../report/cost.ts';
import type { CosimVerdict, FlowOptions, FlowReport, StepTime } from '../report/flow-report.ts';
import { flowHtml } from '../report/html.ts';
import { flowMarkdown } from '../report/markdown.ts';
import { flowCharts, type FlowCharts } from '../report/charts.ts';

export const MARKER_FILE = '.memxbar-run.json';

export { DEFAULT_FLOW, RUN_DEFAULT_CONFIG } from './flow-defaults.ts';

/** Check --out before any work: a new folder, an empty one, or one a previous run wrote. */
export function checkOutDir(out: string): { exists: boolean; previous: string[] } {
  if (existsSync(out)) {
    if (!statSync(out).isDirectory()) throw new DataError('exists and is not a folder', `--out ${out}`);
    const entries = readdirSync(out);
    if (entries.length === 0) return { exists: true, previous: [] };
    const marker = join(out, MARKER_FILE);
    if (!existsSync(marker)) {
      throw new DataError(`the folder holds ${entries.length} entries that memxbar run did not write; give a new or empty folder (memxbar never deletes files it did not create)`, `--out ${out}`);
    }
    let previous: string[];
    try {
      previous = (JSON.parse(readFileSync(marker, 'utf8')) as { files: string[] }).files;
      if (!Array.isArray(previous) || !previous.every((f) => typeof f === 'string')) throw new Error('files is not a list of names');
    } catch (e) {
      throw new DataError(`unreadable marker of a previous run: ${(e as Error).message}`, marker);
    }
    return { exists: true, previous };
  }
  // A new folder: its parent must be writable (created now, removed again if the run fails).
  return { exists: false, previous: [] };
}

function machineName(): string {
  return `${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, Node ${process.version}`;
}

/** Run the whole flow; returns the report after writing it to `opts.out`. */
export async function runFlow(cfg: Config, opts: FlowOptions, version: string, progress: Progress = silentProgress): Promise<FlowReport> {
  const t0 = performance.now();
  // ---- Refusals first: config, engine, RTL, simulator, output folder.
  checkEngine(cfg);
  for (const m of opts.mitigations) checkEngine({ ...cfg, mitigation: { ...cfg.mitigation, method: m } });
  if (opts.images > 10000 || opts.images < 1) throw new ConfigError(`must be 1..10000, got ${opts.images}`, '--images');
  const gen = generateRtl({ config: cfg });
  const costImages = Math.min(opts.costImages, opts.images);
  checkCost(cfg, { images: costImages, rates: [], ratios: opts.ratios, mitigations: opts.mitigations, synthReport: null, compareNeurosim: false });
  // A named simulator must exist; with `auto` and none installed, the report says so and the rest runs.
  let cosimSkipped: string | null = opts.cosimLayers.length ? null : 'not asked for (--no-cosim)';
  let simulator: Simulator | null = null;
  if (opts.cosimLayers.length) {
    checkCosimEffects(cfg);
    if (opts.cosimSimulator === 'auto' && !detectAll().some((d) => d.detection.available)) cosimSkipped = `no HDL simulator installed (${INSTALL_HINT})`;
    else simulator = chooseSimulator(opts.cosimSimulator);
  }
  const runCfg: Config = { ...cfg, experiment: { ...cfg.experiment, images: opts.images } };
  const inputs = loadInputs(runCfg); // network, images, fault map: read and checked in a second
  for (const l of opts.cosimLayers) resolveLayer(inputs, l);
  const outState = checkOutDir(opts.out);
  // The folders this run creates (the out folder and missing parents), removed again if it fails.
  const created: string[] = [];
  for (let d = resolve(opts.out); !existsSync(d) && dirname(d) !== d; d = dirname(d)) created.push(d);
  ensureOutDir(opts.out);
  const stage = join(opts.out, `.staging-${process.pid}-${Date.now()}`);
  mkdirSync(stage);
  const steps: StepTime[] = [];
  const step = async <T>(name: string, f: () => T | Promise<T>): Promise<T> => {
    const s = performance.now();
    progress.log(`── ${name}`);
    const r = await f();
    steps.push({ step: name, seconds: (performance.now() - s) / 1000 });
    progress.log(`   ${name}: ${((performance.now() - s) / 1000).toFixed(1)} s`);
    return r;
  };
  try {
    const p = await step('prepare: network, images, calibration', () => prepare(runCfg, progress, inputs));

    // ---- RTL now, synthesis in Yosys worker threads while the main thread runs the sweep.
    await step('generate the tile RTL', () => writeRtl(join(stage, 'rtl'), gen));
    let synthSkipped: string | null = opts.synth ? null : 'not asked for (--no-synth)';
    const synthStart = performance.now();
    const synthPromise: Promise<SynthReport | Error> | null = opts.synth
      ? synthesizeGenerated(gen, { ice40: false, onProgress: (l) => progress.log(`   ${l}`) }).catch((e: Error) => e)
      : null;
    if (synthPromise) progress.log('── synthesis started in the background (Yosys, worker threads)');

    const accuracy = await step('accuracy: float32, integer, crossbar', () => {
      const fl = evalFloat(p, progress);
      const it = evalInt(p, undefined, 'integer inference', progress);
      const xb = evalCrossbar(p, runCfg, progress);
      return {
        images: opts.images,
        float: fl.top1,
        integer: it.top1,
        crossbar: xb.top1,
        crossbarFaults: { rate: cfg.faults.rate, ratio: cfg.faults.sa1Sa0Ratio, seed: cfg.faults.seed, mitigation: cfg.mitigation.method },
      };
    });
    const sweepResult = await step('fault sweep', () =>
      runSweep(p, { rates: opts.rates, ratios: opts.ratios, seeds: opts.seeds, mitigations: opts.mitigations, images: opts.images }, { index: 0, count: 1 }, progress),
    );
    const summary = summarize(sweepResult);

    let synth: SynthReport | null = null;
    if (synthPromise) {
      await step('synthesis (waiting for Yosys)', async () => {
        const r = await synthPromise;
        if (r instanceof Error) {
          synthSkipped = `Yosys failed: ${r.message.split('\n')[0]}`;
          progress.log(`   ${synthSkipped}; the cost model estimates the periphery instead`);
        } else synth = r;
      });
      steps.push({ step: 'synthesis (Yosys, in parallel)', seconds: (performance.now() - synthStart) / 1000 });
    }
    const synthFiles: Record<string, string> = synth ? { 'synth/synth-report.json': JSON.stringify(synth, null, 2) + '\n', 'synth/synth-report.md': reportMarkdown(synth) } : {};
    writeAllAtomic(stage, synthFiles);

    const cosim: CosimVerdict[] = [];
    if (simulator) {
      await step(`co-simulation: ${opts.cosimLayers.join(', ')} (${simulator.name})`, async () => {
        const cosimCfg: Config = {
          ...runCfg,
          experiment: { ...runCfg.experiment, images: 1 },
          faults: { ...runCfg.faults, rate: opts.cosimFaultRate, mapFile: null },
          mitigation: { ...runCfg.mitigation, method: opts.cosimMitigation },
        };
        checkEngine(cosimCfg);
        progress.log(`   programming the crossbar for co-simulation (${opts.cosimFaultRate * 100} % stuck cells ${cosimCfg.faults.sa1Sa0Ratio}, seed ${cosimCfg.faults.seed}, ${opts.cosimMitigation})`);
        const crossbar = programCrossbar(p, cosimCfg);
        for (const layer of opts.cosimLayers) {
          const dir = join(stage, 'cosim', layer);
          try {
            const r = await cosimLayerTile({
              cfg: cosimCfg,
              layer, rt: 0, ct: 0, images: 1, patches: opts.cosimPatches, sampleSeed: 1,
              simulator: simulator.name, outDir: dir, progress, prepared: p, crossbar,
            });
            cosim.push({
              layer, label: r.label, tile: [0, 0], ok: r.ok, simulator: r.simulator, vectors: r.vectors, words: r.words,
              simulateSeconds: r.simulateSeconds, buildSeconds: r.buildSeconds,
              files: r.files.map((f) => relative(stage, f)), text: r.text, error: null,
            });
            progress.log(`   ${r.ok ? 'MATCH' : 'MISMATCH'} ${r.label}: ${r.vectors} vectors, ${r.words} words`);
          } catch (e) {
            if (!isUserError(e)) throw e;
            cosim.push({ layer, label: layer, tile: [0, 0], ok: false, simulator: simulator.name, vectors: 0, words: 0, simulateSeconds: 0, buildSeconds: 0, files: [], text: e.message, error: e.message });
            progress.log(`   ${layer}: not co-simulated: ${e.message}`);
          }
        }
      });
    }

    const cost = await step('energy, latency, area', () =>
      runCost(p, { images: costImages, rates: [], ratios: opts.ratios, mitigations: opts.mitigations, synthReport: synth ? join(stage, 'synth', 'synth-report.json') : null, compareNeurosim: false }, progress),
    );
    writeAllAtomic(join(stage, 'cost'), await costFiles(cost));

    const { out: _out, ...options } = opts;
    const report: FlowReport = {
      tool: 'memxbar run',
      version,
      createdAt: new Date().toISOString(),
      machine: machineName(),
      config: cfg,
      configDiff: diffAgainstPreset(cfg),
      options,
      accuracy,
      sweep: { result: sweepResult, summary },
      synth,
      synthSkipped,
      cosim,
      cosimSkipped,
      cost,
      steps,
      totalSeconds: 0,
      files: [],
    };
    progress.log('── report: charts, report.html, report.md, report.json');
    const charts: FlowCharts = await flowCharts(report);
    const sweepFiles = {
      'sweep/sweep.csv': sweepCsv(sweepResult),
      'sweep/summary.md': summaryMarkdown(summary),
      'sweep/price.md': priceMarkdown(summary),
      'sweep/accuracy.svg': charts.accuracy,
    };
    writeAllAtomic(stage, sweepFiles);
    report.totalSeconds = (performance.now() - t0) / 1000;
    report.files = [...listFiles(stage), 'report.json', 'report.md', 'report.html'].sort();
    writeAllAtomic(stage, {
      'report.json': JSON.stringify(report, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 1) + '\n',
      'report.md': flowMarkdown(report),
      'report.html': flowHtml(report, charts),
    });
    commit(stage, opts.out, outState.previous, report.files);
    return report;
  } catch (e) {
    rmSync(stage, { recursive: true, force: true });
    if (created.length) rmSync(created[0]!, { recursive: true, force: true });
    for (const d of created.slice(1)) {
      try {
        if (readdirSync(d).length === 0) rmSync(d, { recursive: true });
      } catch {
        /* left in place */
      }
    }
    throw e;
  }
}

function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === OWNED_LIST) continue; // the stage's own bookkeeping
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(join(dir, e.name), rel));
    else out.push(rel);
  }
  return out;
}

/** Move the staged files into `out`: the previous run's files go first (only those it listed), then the marker. */
function commit(stage: string, out: string, previous: string[], files: string[]): void {
  for (const f of previous) {
    const p = join(out, f);
    if (!p.startsWith(join(out, '/')) || f.includes('..')) continue; // never outside the folder
    rmSync(p, { force: true });
  }
  for (const f of files) {
    const dest = join(out, f);
    mkdirSync(dirname(dest), { recursive: true });
    renameSync(join(stage, f), dest);
  }
  rmSync(stage, { recursive: true, force: true });
  pruneEmptyDirs(out, previous);
  writeAllAtomic(out, { [MARKER_FILE]: JSON.stringify({ tool: 'memxbar run', files: [...files, MARKER_FILE] }, null, 1) + '\n' });
}

/** Remove folders that held only a previous run's files and are now empty. */
function pruneEmptyDirs(out: string, previous: string[]): void {
  const dirs = new Set<string>();
  for (const f of previous) for (let d = dirname(f); d !== '.' && d !== '/' && d !== ''; d = dirname(d)) dirs.add(d);
  for (const d of [...dirs].sort((a, b) => b.length - a.length)) {
    const p = join(out, d);
    try {
      if (existsSync(p) && readdirSync(p).length === 0) rmSync(p, { recursive: true });
    } catch {
      /* left in place */
    }
  }
}

/**
 * `memxbar run`: the whole flow on one config, as one report. Accuracy (float, integer,
 * crossbar) and a short fault sweep with and without MT; the tile RTL, its synthesis
 * (Yosys in worker threads, on the other core while the sweep runs); a co-simulation of one
 * real tile of each layer kind; energy / latency / area. Every result lands in one
 * `FlowReport`, written as report.json, report.md and a self-contained report.html.
 *
 * Output safety (src/util/output.ts): everything is written into a stage inside the output
 * folder and moved in at the end, so a failed run leaves the folder as it was. The folder is
 * checked before any work: a run refuses to replace a file memxbar did not write under the
 * names it writes (report.*, rtl/, synth/, sweep/, cost/, cosim/); a re-run into its own
 * folder replaces its files and removes those of the previous run it no longer writes.
 */
import { availableParallelism, cpus } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { diffAgainstPreset } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { ConfigError, DataError, isUserError } from '../errors.ts';
import { buildFor, cosimLayerTile } from '../cosim/cosim.ts';
import { cosimBistMt } from '../cosim/bistMt.ts';
import { bistTestCost, bistTestCostText, bistTestFor, programCost, programCostText } from '../cost/bist.ts';
import { resolveLayer } from '../cosim/layer.ts';
import { chooseSimulator, detectAll, type Simulator } from '../cosim/simulators/index.ts';
import type { SimBuild } from '../cosim/simulators/simulator.ts';
import { INSTALL_HINT } from '../cosim/testbench.ts';
import { checkCost, regulationFromSweep, regulationSensitivity, runCost } from '../cost/estimate.ts';
import { generateRtl, writeRtl } from '../rtl/generate.ts';
import { reportMarkdown, synthesizeGenerated, type SynthReport } from '../synth/synthesize.ts';
import { checkOutDir, openStage } from '../util/output.ts';
import { cpuSeconds } from '../util/cpu.ts';
import { silentProgress, type Progress } from '../util/progress.ts';
import { checkEngine, evalCrossbar, evalFloat, evalInt, programCrossbar } from '../session/eval.ts';
import { loadInputs, prepare } from '../session/prepare.ts';
import { priceMarkdown, summaryMarkdown, sweepCsv } from '../report/sweep.ts';
import { pointConfig, pointId, runSweepAsync, summarize, type KnownPoint } from '../sweep/sweep.ts';
import { countFaults } from '../crossbar/faults.ts';
import { perCellEffects } from '../crossbar/effects.ts';
import { priceOf } from '../mitigation/price.ts';
import { costFiles } from '../report/cost.ts';
import type { CosimVerdict, FlowOptions, FlowReport, StepTime } from '../report/flow-report.ts';
import { flowHtml } from '../report/html.ts';
import { flowMarkdown } from '../report/markdown.ts';
import { flowCharts, type FlowCharts } from '../report/charts.ts';

export { RUN_DEFAULT_CONFIG } from './flow-defaults.ts';

/** What a run writes into its folder (`x/`: everything under x), checked before the work. */
export const RUN_FILES = ['report.json', 'report.md', 'report.html', 'rtl/', 'synth/', 'sweep/', 'cost/', 'cosim/'];

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
    if (opts.cosimSimulator === 'auto' && !detectAll().some((d) => d.detection.available)) cosimSkipped = `no HDL simulator installed (${INSTALL_HINT})`;
    else simulator = chooseSimulator(opts.cosimSimulator);
  }
  const runCfg: Config = { ...cfg, experiment: { ...cfg.experiment, images: opts.images } };
  const inputs = loadInputs(runCfg); // network, images, fault map: read and checked in a second
  for (const l of opts.cosimLayers) resolveLayer(inputs, l);
  checkOutDir(opts.out, RUN_FILES);
  // The stage (and the out folder, if this run makes it) is removed again if the run fails.
  const out = openStage(opts.out, { command: 'run', replace: true });
  const stage = out.path;
  const steps: StepTime[] = [];
  const step = async <T>(name: string, f: () => T | Promise<T>): Promise<T> => {
    const s = performance.now();
    const c = cpuSeconds();
    progress.log(`── ${name}`);
    const r = await f();
    const cpu = cpuSeconds() - c;
    steps.push({ step: name, seconds: (performance.now() - s) / 1000, cpuSeconds: cpu, startSeconds: (s - t0) / 1000 });
    progress.log(`   ${name}: ${((performance.now() - s) / 1000).toFixed(1)} s (CPU ${cpu.toFixed(1)} s)`);
    return r;
  };
  try {
    // The co-simulation model is built from the start, in Yosys's worker and g++ child processes,
    // while the main thread prepares and sweeps (the sweep lets the event loop run between its
    // points); a fresh machine's CXXRTL build then costs the run no wall time of its own.
    const cosimCfg: Config = {
      ...runCfg,
      experiment: { ...runCfg.experiment, images: 1 },
      faults: { ...runCfg.faults, rate: opts.cosimFaultRate, mapFile: null },
      mitigation: { ...runCfg.mitigation, method: opts.cosimMitigation },
    };
    let cosimBuild: Promise<SimBuild | Error> | null = null;
    // Cells varied above Gmax need wider cell words, known only from the programmed cells: that
    // build waits for them (cosimLayerTile builds it).
    if (simulator && !perCellEffects(cosimCfg)) {
      checkEngine(cosimCfg);
      progress.log(`── co-simulation model (${simulator.name}): build started in the background`);
      cosimBuild = buildFor(simulator, generateRtl({ config: cosimCfg }), false, progress, undefined, { fewVectors: true }).catch((e: Error) => e);
    }
    const p = await step('prepare: network, images, calibration', () => prepare(runCfg, progress, inputs));

    // ---- RTL now, synthesis in Yosys worker threads while the main thread runs the sweep.
    await step('generate the tile RTL', () => writeRtl(join(stage, 'rtl'), gen));
    let synthSkipped: string | null = opts.synth ? null : 'not asked for (--no-synth)';
    const synthStart = performance.now();
    const synthPromise: Promise<SynthReport | Error> | null = opts.synth
      ? synthesizeGenerated(gen, { ice40: false, onProgress: (l) => progress.log(`   ${l}`) }).catch((e: Error) => e)
      : null;
    if (synthPromise) progress.log('── synthesis started in the background (Yosys, worker threads)');

    const knownPoints = new Map<string, KnownPoint>();
    const accuracy = await step('accuracy: float32, integer, crossbar', () => {
      const fl = evalFloat(p, progress);
      const it = evalInt(p, undefined, 'integer inference', progress);
      const xb = evalCrossbar(p, runCfg, progress);
      // The sweep's plain fault-free point is this very crossbar on these images when the config asks for no faults and no mitigation.
      const plain = { mitigation: 'none' as const, rate: 0, ratio: opts.ratios[0]!, seed: opts.seeds[0]! };
      if (opts.mitigations.includes('none') && opts.rates.includes(0) && JSON.stringify(pointConfig(runCfg, plain)) === JSON.stringify(runCfg)) {
        const fc = countFaults(xb.crossbar.faults);
        knownPoints.set(pointId(plain), { correct: xb.correct, currentSum: xb.crossbar.stats.reduce((s, l) => s + l.currentSum, 0), stuckCells: fc.sa0 + fc.sa1, sa1Cells: fc.sa1, price: priceOf(xb.crossbar.mappings) });
      }
      return {
        images: opts.images,
        float: fl.top1,
        integer: it.top1,
        crossbar: xb.top1,
        crossbarFaults: { rate: cfg.faults.rate, ratio: cfg.faults.sa1Sa0Ratio, seed: cfg.faults.seed, mitigation: cfg.mitigation.method },
      };
    });
    // Co-simulation and the BIST → MT-map loop run beside the sweep: their main-thread parts
    // (programming the co-simulated crossbar, the layers' inputs, MT-map from the BIST's map)
    // between the sweep's points, the simulators in child processes on the other core. Their log
    // lines are kept and printed after the sweep, in the order they came.
    const cosim: CosimVerdict[] = [];
    let bistMt: FlowReport['bistMt'] = null;
    let bistMtSkipped: string | null = simulator ? null : cosimSkipped;
    const loopSim = simulator?.name === 'cxxrtl' ? detectAll().find((x) => x.simulator.name !== 'cxxrtl' && x.detection.available)?.simulator ?? null : simulator;
    if (simulator && !loopSim) bistMtSkipped = 'the loop runs on Icarus or Verilator, neither is installed';
    const loopLayer = opts.cosimLayers[opts.cosimLayers.length - 1];
    const beside = (name: string, f: (progress: Progress) => Promise<void>): Promise<() => void> => {
      const lines: string[] = [];
      const buffered: Progress = { start() {}, tick() {}, stop() {}, log: (l) => lines.push(l) };
      const s = performance.now();
      return f(buffered).then(
        () => {
          const seconds = (performance.now() - s) / 1000;
          return () => {
            progress.log(`── ${name}`);
            for (const l of lines) progress.log(l);
            progress.log(`   ${name}: ${((s - t0) / 1000).toFixed(1)} – ${((s - t0) / 1000 + seconds).toFixed(1)} s of the run (${seconds.toFixed(1)} s; CPU counted in the steps it overlaps)`);
            steps.push({ step: name, seconds, startSeconds: (s - t0) / 1000 });
          };
        },
        (e: unknown) => () => {
          for (const l of lines) progress.log(l);
          throw e;
        },
      );
    };
    const cosimName = `co-simulation: ${opts.cosimLayers.join(', ')} (${simulator?.name ?? ''}), beside the sweep`;
    const cosimDone = simulator
      ? beside(cosimName, async (progress) => {
          progress.log(`   programming the crossbar for co-simulation (${opts.cosimFaultRate * 100} % stuck cells ${cosimCfg.faults.sa1Sa0Ratio}, seed ${cosimCfg.faults.seed}, ${opts.cosimMitigation})`);
          // The sweep starts first; this chain's synchronous parts then run between the sweep's steps.
          await new Promise<void>((resolve) => setImmediate(resolve));
          const crossbar = programCrossbar(p, cosimCfg);
          const waited = performance.now();
          const build = await cosimBuild!;
          if (!(build instanceof Error)) progress.log(`   co-simulation model ready (${build.cached ? 'from the cache' : `built in ${build.buildSeconds.toFixed(1)} s in the background`}; waited ${((performance.now() - waited) / 1000).toFixed(1)} s for it)`);
          for (const layer of opts.cosimLayers) {
            const dir = join(stage, 'cosim', layer);
            try {
              if (build instanceof Error) throw build;
              const r = await cosimLayerTile({
                build,
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
        })
      : null;
    // The test-and-repair loop on one tile: the last co-simulated layer (the default's fc2), a few patches.
    const loopName = `BIST → MT-map → write path → inference: ${loopLayer} (${loopSim?.name ?? ''}), beside the sweep`;
    const loopDone = loopSim && loopLayer
      ? beside(loopName, async (progress) => {
          const loopCfg: Config = { ...runCfg, experiment: { ...runCfg.experiment, images: 1 }, faults: { ...runCfg.faults, rate: opts.cosimFaultRate, mapFile: null } };
          await new Promise<void>((resolve) => setImmediate(resolve));
          try {
            const b = await cosimBistMt({ cfg: loopCfg, layer: loopLayer, rt: 0, ct: 0, images: 1, patches: Math.min(4, opts.cosimPatches), sampleSeed: 1, simulator: loopSim.name, progress, prepared: p });
            const test = bistTestCostText(bistTestCost(loopCfg, b.design, { stuck: b.stuck }));
            const program = programCostText(programCost(loopCfg, b.design, b.cellLevels, b.stuckMap));
            bistMt = { layer: loopLayer, ok: b.ok, simulator: b.simulator, seconds: b.seconds, text: `${b.text}  ${test}\n  ${program}\n` };
            progress.log(`   ${b.text.split('\n')[0]}`);
          } catch (e) {
            if (!isUserError(e)) throw e;
            bistMtSkipped = e.message;
            progress.log(`   not run: ${e.message}`);
          }
        })
      : null;

    const sweepResult = await step('fault sweep', () =>
      runSweepAsync(p, { rates: opts.rates, ratios: opts.ratios, seeds: opts.seeds, mitigations: opts.mitigations, images: opts.images }, { index: 0, count: 1 }, progress, knownPoints),
    );
    const summary = summarize(sweepResult);

    let synth: SynthReport | null = null;
    if (synthPromise) {
      await step('synthesis (waiting for Yosys)', async () => {
        const r = await synthPromise;
        if (r instanceof Error) {
          synthSkipped = `Yosys failed: ${r.message.split('\n')[0]}`;
          progress.log(`   ${synthSkipped}; the cost model estimates the periphery instead`);
        } else {
          // The march test's time and energy beside the MT price, for this run's config.
          const bistTest = bistTestFor(runCfg, gen.manifest.rtlConfig, gen.manifest.options, 'this run\'s config');
          synth = bistTest ? { ...r, bistTest } : r;
        }
      });
      steps.push({ step: 'synthesis (Yosys, in parallel)', seconds: (performance.now() - synthStart) / 1000, startSeconds: (synthStart - t0) / 1000 });
    }
    const synthFiles: Record<string, string> = synth ? { 'synth/synth-report.json': JSON.stringify(synth, null, 2) + '\n', 'synth/synth-report.md': reportMarkdown(synth) } : {};
    for (const [name, text] of Object.entries(synthFiles)) out.write(name, text);

    const cost = await step('energy, latency, area', () =>
      runCost(p, { images: costImages, rates: [], ratios: opts.ratios, mitigations: opts.mitigations, synthReport: synth ? join(stage, 'synth', 'synth-report.json') : null, compareNeurosim: false }, progress),
    );
    // The co-simulation and the loop finish beside the sweep (or, on a fresh machine, once the
    // CXXRTL build that the cost step ran beside is done); their logs come here, in order.
    if (cosimDone) await step('co-simulation: waiting for the simulators', async () => (await cosimDone)());
    if (loopDone) await step('BIST → MT-map loop: waiting for the simulator', async () => (await loopDone)());
    // MT's regulation and the SAF / MT rows of what moves the numbers, priced from the sweep's own points (no engine run).
    const mtRegulation = regulationFromSweep(p, cost, sweepResult.points);
    cost.sensitivity.push(...regulationSensitivity(mtRegulation));
    for (const [name, text] of Object.entries(await costFiles(cost))) out.write(`cost/${name}`, text);

    // The timeline's order: steps beside others are recorded when they are waited for.
    steps.sort((a, b) => (a.startSeconds ?? 0) - (b.startSeconds ?? 0));
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
      bistMt,
      bistMtSkipped,
      cost,
      mtRegulation,
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
    for (const [name, text] of Object.entries(sweepFiles)) out.write(name, text);
    report.totalSeconds = (performance.now() - t0) / 1000;
    report.files = [...out.files(), 'report.json', 'report.md', 'report.html'].sort();
    out.write('report.json', JSON.stringify(report, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 1) + '\n');
    out.write('report.md', flowMarkdown(report));
    out.write('report.html', flowHtml(report, charts));
    out.commit();
    return report;
  } catch (e) {
    out.abort();
    throw e;
  }
}

/**
 * CXXRTL: the tile compiled to C++ by Yosys `write_cxxrtl` (the bundled @yowasp/yosys, run
 * through src/synth/yosys.ts) and built with g++ against the CXXRTL runtime headers that
 * ship inside @yowasp/yosys (extracted next to the build). The testbench is the C++ twin
 * of memxbar_cosim_tb.v (testbench/memxbar_cosim_cxxrtl.cc): same plusargs, same files,
 * same output lines and cycles. Needs no apt package beyond a C++ compiler. Two-state.
 * Building is quick for small tiles and slow for the default 128 x 128 one (see below);
 * the build is cached like every other.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ToolError } from '../../errors.ts';
import type { GeneratedRtl } from '../../rtl/generate.ts';
import { runYosys, yosysPackageVersion } from '../../synth/yosys.ts';
import { plusargs, tbSources, TESTBENCH_DIR, type RunFiles, type TbCapacity, type TbSources } from '../testbench.ts';
import { checkExit, probe, runProcess } from './process.ts';
import { checkTbLog, type Detection, type SimBuild, type Simulator } from './simulator.ts';
import { shareRepeatedWiring, splitCxxrtl } from './cxxrtlShare.ts';

const HARNESS = 'memxbar_cosim_cxxrtl.cc';
const RUN_TIMEOUT_MS = 6 * 3600_000;
const BUILD_TIMEOUT_MS = 60 * 60_000;
/** Generated C++ above this size is compiled without optimization. */
const LARGE_CXX_BYTES = 500_000;
/**
 * For a build that simulates a few vectors (`fewVectors`: `memxbar run`'s co-simulation), C++
 * above this size is compiled without optimization too: on the default 128 x 128 tile with MT
 * (0.34 MB after sharing) g++ spent more than 140 CPU s on `eval()` at -O1 against 27 s at -O0
 * (same loaded machine), while the run's 17 vectors take about 5 s at -O0 against 0.9 s at -O1
 * (docs/cosim.md, "CXXRTL build"). Such a build lives in a folder of its own (`quick/`); a
 * model built at -O1 before is used instead when there is one.
 */
const QUICK_CXX_BYTES = 100_000;

type Tree = { [name: string]: Tree | string | Uint8Array };

/** Write the CXXRTL runtime headers shipped in @yowasp/yosys under `dir` (dir/cxxrtl/cxxrtl.h …). */
async function extractRuntime(dir: string): Promise<void> {
  const bundle = createRequire(import.meta.url).resolve('@yowasp/yosys');
  const resources = join(dirname(bundle), 'resources-yosys.js');
  const mod = (await import(pathToFileURL(resources).href)) as { filesystem: Tree };
  let node: Tree | string | Uint8Array | undefined = mod.filesystem;
  for (const part of ['share', 'include', 'backends', 'cxxrtl', 'runtime']) node = typeof node === 'object' && !(node instanceof Uint8Array) ? (node as Tree)[part] : undefined;
  if (!node || typeof node === 'string' || node instanceof Uint8Array) throw new ToolError('the CXXRTL runtime headers are not in @yowasp/yosys (share/include/backends/cxxrtl/runtime)', '', 'cxxrtl');
  const write = (t: Tree, at: string) => {
    for (const [name, v] of Object.entries(t)) {
      const path = join(at, name);
      if (typeof v === 'string' || v instanceof Uint8Array) {
        mkdirSync(at, { recursive: true });
        writeFileSync(path, v);
      } else write(v, path);
    }
  };
  write(node, dir);
}

export const cxxrtl: Simulator = {
  name: 'cxxrtl',
  fourState: false,

  detect(): Detection {
    const cxx = probe('g++', ['--version']);
    if (cxx === null) return { available: false, detail: 'g++ not found (CXXRTL compiles the tile to C++: apt-get install -y g++)' };
    return { available: true, detail: `Yosys ${yosysPackageVersion()} write_cxxrtl, ${cxx}` };
  },

  async build(gen: GeneratedRtl, opts: { capacity: TbCapacity; trace: boolean; onLog?: (line: string) => void; fewVectors?: boolean }): Promise<SimBuild> {
    const det = this.detect();
    if (!det.available) throw new ToolError(det.detail, '', 'cxxrtl');
    const harness = readFileSync(join(TESTBENCH_DIR, HARNESS), 'utf8');
    const src = tbSources(gen, opts.capacity, 'cxxrtl', [det.detail, harness]);
    // Two models of the same RTL: the one every run uses, with the debug information of the
    // design's own wires only (write_cxxrtl -g1: no debug_eval(), a third of g++'s work), and,
    // built only when a run dumps a VCD (a mismatch's failing window), the one whose VCD also
    // carries every wire Yosys inlined (-g4, write_cxxrtl's default). Both compute the same cycles.
    const quick = opts.fewVectors === true;
    const main = await compileModel(gen, src, harness, opts.trace, quick, opts.onLog);
    let full: Promise<Compiled> | null = opts.trace ? Promise.resolve(main) : null;
    return {
      simulator: 'cxxrtl',
      buildSeconds: main.seconds,
      cached: main.cached,
      capacity: opts.capacity,
      async run(files: RunFiles) {
        const binary = files.vcd ? (await (full ??= compileModel(gen, src, harness, true, quick, opts.onLog))).binary : main.binary;
        const r = await runProcess(binary, plusargs(files), { cwd: src.dir, timeoutMs: RUN_TIMEOUT_MS, where: 'cxxrtl' });
        checkExit(r, 'the CXXRTL model', 'cxxrtl');
        const bad = checkTbLog(r.output, files.vcd !== undefined);
        if (bad) throw new ToolError(`the CXXRTL model: ${bad}`, r.output, 'cxxrtl');
        return { log: r.output, seconds: r.seconds };
      },
    };
  },
};

interface Compiled {
  binary: string;
  cached: boolean;
  seconds: number;
}

/**
 * Yosys write_cxxrtl, then g++: the model of `gen` with the testbench harness, in `src.dir`
 * (`debug`: with every inlined wire's debug information, in src.dir/debug; `quick`: a large
 * model compiled for build time, in src.dir/quick, QUICK_CXX_BYTES). Found again when built before.
 */
async function compileModel(gen: GeneratedRtl, src: TbSources, harness: string, debug: boolean, quick: boolean, onLog?: (line: string) => void): Promise<Compiled> {
  const fullDir = debug ? join(src.dir, 'debug') : src.dir;
  const quickDir = debug ? join(src.dir, 'quick', 'debug') : join(src.dir, 'quick');
  for (const d of quick ? [fullDir, quickDir] : [fullDir]) {
    const built = join(d, 'Vcxxrtl');
    if (existsSync(built)) return { binary: built, cached: true, seconds: 0 };
  }
  onLog?.(`cxxrtl: Yosys write_cxxrtl${debug ? ' (every wire in the VCD)' : ''} and g++ (${fullDir})`);
  const t0 = performance.now();
  const rtl: Record<string, string> = {};
  for (const [name, text] of gen.files) if (name.endsWith('.v')) rtl[name] = text;
  const y = await runYosys([`read_verilog -sv ${Object.keys(rtl).join(' ')}`, `hierarchy -check -top ${gen.manifest.top}`, 'proc', 'flatten', 'opt_clean', `write_cxxrtl ${debug ? '' : '-g1 '}-header memxbar_tile.cc`], rtl);
  const header = y.files['memxbar_tile.h'];
  const generated = y.files['memxbar_tile.cc'];
  if (header === undefined || generated === undefined) throw new ToolError(`Yosys wrote no ${header === undefined ? 'memxbar_tile.h' : 'memxbar_tile.cc'}`, y.log, 'cxxrtl');
  // The same model in fewer bytes: repeated wiring computed once per function (cxxrtlShare.ts).
  const shared = shareRepeatedWiring(generated);
  const tileCxx = shared.text;
  onLog?.(`cxxrtl: ${(generated.length / 1e6).toFixed(2)} MB of C++ from Yosys, ${(tileCxx.length / 1e6).toFixed(2)} MB after computing ${shared.hoisted} repeated wiring expressions once (${shared.replaced} copies)`);
  // g++ struggles with the one huge eval() of a large tile: the default 128 x 128 tile with
  // MT, 0.74 MB of C++ after sharing (2.27 MB before), took 73 s of CPU at -O0 and more than
  // 183 s at -O1 (docs/cosim.md, "CXXRTL build"): optimize small designs only.
  const large = tileCxx.length > LARGE_CXX_BYTES;
  const tileOpt = large || (quick && tileCxx.length > QUICK_CXX_BYTES) ? '-O0' : '-O1';
  // An -O1 model is the full one wherever it was asked for; an -O0 one asked for few vectors only goes to quick/.
  const dir = tileOpt === '-O0' && !large ? quickDir : fullDir;
  const binary = join(dir, 'Vcxxrtl');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'memxbar_tile.h'), header);
  writeFileSync(join(dir, 'memxbar_tile.cc'), tileCxx);
  writeFileSync(join(dir, HARNESS), harness);
  const runtime = join(dir, 'runtime');
  await extractRuntime(runtime);
  const defs = Object.entries(src.params).map(([k, v]) => `-DTB_${k}=${v}`);
  for (const d of src.defines) defs.push(`-D${d}`);
  const common = ['-std=c++14', '-w', `-I${runtime}`, `-I${dir}`];
  if (tileOpt === '-O0') onLog?.(`cxxrtl: the generated C++ is large (${(tileCxx.length / 1e6).toFixed(2)} MB)${large ? '' : ' and the run simulates a few vectors'}: compiling at -O0`);
  // The model's large functions in translation units of their own (splitCxxrtl), all compiled
  // in parallel with the harness, then the link. Should a split not compile, the one file does.
  const compile = (file: string, opt: string, extra: string[] = []) =>
    runProcess('g++', [...common, opt, ...extra, '-c', file, '-o', file.replace(/\.cc$/, '.o')], { cwd: dir, timeoutMs: BUILD_TIMEOUT_MS, where: 'cxxrtl' });
  const parts = splitCxxrtl(tileCxx);
  for (const [name, text] of parts) writeFileSync(join(dir, name), text);
  const [harnessRun, ...tileRuns] = await Promise.all([compile(HARNESS, '-O2', defs), ...parts.map(([name]) => compile(name, tileOpt))]);
  checkExit(harnessRun!, `g++ ${HARNESS}`, 'cxxrtl');
  let objects = parts.map(([name]) => name.replace(/\.cc$/, '.o'));
  if (tileRuns.some((r) => r.status !== 0 || r.timedOut)) {
    if (parts.length > 1) onLog?.('cxxrtl: the split model did not compile; compiling it as one file');
    checkExit(await compile('memxbar_tile.cc', tileOpt), 'g++ memxbar_tile.cc', 'cxxrtl');
    objects = ['memxbar_tile.o'];
  }
  const l = await runProcess('g++', [...objects, HARNESS.replace(/\.cc$/, '.o'), '-o', `${binary}.tmp`], { cwd: dir, timeoutMs: BUILD_TIMEOUT_MS, where: 'cxxrtl' });
  checkExit(l, 'g++ (link)', 'cxxrtl');
  renameSync(`${binary}.tmp`, binary);
  return { binary, cached: false, seconds: (performance.now() - t0) / 1000 };
}

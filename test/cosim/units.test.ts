/**
 * The co-simulation pieces alone: the behavioural array's bit-plane currents (exhaustive
 * over every row pattern of a small array, Icarus), the vector format (seeded random round
 * trips, widths and signs at the extremes), the output checker (directed cases), the patch
 * sample, the layer names, and the row-tile restriction of the reference model (the
 * restricted products of all row tiles add up to the layer's product, on a real layer).
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { firstMismatch, parseSimOutput } from '../../src/cosim/compare.ts';
import { layerLabel, resolveLayer, samplePatches } from '../../src/cosim/layer.ts';
import { expectedWords, rowTileProduct } from '../../src/cosim/tile.ts';
import { DEFAULT_MAX_VECS, regCapacity, tbDefines, tbParameters, TESTBENCH_DIR } from '../../src/cosim/testbench.ts';
import { actsHex, readVectorSet, renderVectorSet } from '../../src/cosim/vectors.ts';
import { crossbarMatmul } from '../../src/crossbar/reference.ts';
import { ConfigError, DataError } from '../../src/errors.ts';
import { generateRtl } from '../../src/rtl/generate.ts';
import { goldenConfig } from '../rtl/configs.ts';
import { rng } from '../rtl/random.ts';
import { icarusCompile, run, tempDir } from '../rtl/tools.ts';
import { drawFaults, noFaults } from '../../src/crossbar/faults.ts';
import { programCrossbarWithFaults } from '../../src/session/eval.ts';
import { workload, workloadConfig } from './workload.ts';
import { saRatio } from '../../src/config/schema.ts';

describe('memxbar_analog column currents (bit planes), Icarus', () => {
  it('every row pattern of an 8-row array: I[j] = Σ row_in[r]·G[r][j], no carry between lanes at the largest sums; an X cell makes the currents unknown (seed 81)', () => {
    const ROWS = 8;
    const COLS = 4;
    const GW = 7;
    const r = rng(81);
    // Column 0: all at the top of the word (the largest sum: a carry would corrupt column 1);
    // 1: zeros and ones; 2, 3: seeded random. Lanes are LW = GW + clog2(ROWS + 1) bits.
    const LW = GW + Math.ceil(Math.log2(ROWS + 1));
    const g = Array.from({ length: ROWS }, (_, i) => [2 ** GW - 1, i % 2, r.int(0, 2 ** GW - 1), r.int(0, 2 ** GW - 1)]);
    const dir = tempDir('cosim-analog');
    const cells = g.flatMap((row, i) => row.map((v, j) => (i === 6 && j === 3 ? 'xx' : v.toString(16).padStart(2, '0'))));
    writeFileSync(join(dir, 'cells.hex'), cells.join('\n') + '\n');
    writeFileSync(
      join(dir, 'tb.v'),
      `module tb;
  reg [${ROWS - 1}:0] row_in;
  wire [0:0] cmp; wire [0:0] therm;
  memxbar_analog #(.ROWS(${ROWS}), .COLS(${COLS}), .U(${COLS}), .N_ADC(1), .CPA(${COLS}), .CW(3), .QW(2), .MW(1), .GW(${GW}), .DG(1), .CELLS_HEX("${join(dir, 'cells.hex')}"))
    a (.row_in(row_in), .col_sel(2'd0), .adc_shift(1'b0), .dac_code(3'd0), .cmp(cmp), .therm(therm));
  integer p;
  initial begin
    for (p = 0; p < ${2 ** ROWS}; p = p + 1) begin
      row_in = p;
      #1 $display("%0d %0d %0d %0d %0d", p, a.lanes[0 +: ${LW}], a.lanes[${LW} +: ${LW}], a.lanes[${2 * LW} +: ${LW}], a.lanes[${3 * LW} +: ${LW}]);
    end
    $finish;
  end
endmodule
`,
    );
    const image = join(dir, 'tb.vvp');
    const c = icarusCompile([join(dir, 'tb.v'), join(TESTBENCH_DIR, 'memxbar_analog.v')], 'tb', image);
    expect(c.status, c.output).toBe(0);
    const out = run('vvp', ['-n', image]).output.trim().split('\n').filter((l) => /^\d/.test(l));
    expect(out).toHaveLength(2 ** ROWS);
    for (const line of out) {
      const [p, ...cur] = line.split(' ');
      const pattern = Number(p);
      for (let j = 0; j < COLS; j++) {
        const active = Array.from({ length: ROWS }, (_, i) => (pattern >> i) & 1);
        if (active[6]) {
          expect(cur[j], `pattern ${pattern}: the X cell (row 6) is driven`).toBe('x');
          continue;
        }
        const want = active.reduce((s, a, i) => s + a * g[i]![j]!, 0);
        expect(Number(cur[j]), `pattern ${pattern}, column ${j}`).toBe(want);
      }
    }
  });
});

describe('the co-simulation testbench', () => {
  for (const name of ['t16-offset-1b', 't16-diff-2b']) {
    it(`lints clean with ${name}'s parameters: verilator -Wall --timing, iverilog -Wall`, () => {
      const gen = generateRtl({ config: goldenConfig(name) });
      const dir = tempDir('cosim-lint');
      for (const [file, text] of gen.files) writeFileSync(join(dir, file), text);
      const params = tbParameters(gen, { maxRegs: regCapacity(gen), maxVecs: DEFAULT_MAX_VECS });
      const defines = tbDefines(gen);
      const tb = [join(TESTBENCH_DIR, 'memxbar_cosim_tb.v'), join(TESTBENCH_DIR, 'memxbar_analog.v')];
      const v = run('verilator', ['--lint-only', '-Wall', '--timing', '--top-module', 'memxbar_cosim_tb', '-y', dir, ...Object.entries(params).map(([k, x]) => `-G${k}=${x}`), ...defines.map((x) => `+define+${x}`), ...tb]);
      expect(v.output, 'verilator').toBe('');
      const i = icarusCompile([...tb, ...readdirSync(dir).filter((f) => f.endsWith('.v')).map((f) => join(dir, f))], 'memxbar_cosim_tb', join(dir, 'tb.vvp'), [
        ...Object.entries(params).map(([k, x]) => `-Pmemxbar_cosim_tb.${k}=${x}`),
        ...defines.map((x) => `-D${x}`),
      ]);
      expect(i.output, 'iverilog').toBe('');
    });
  }
});

describe('vector format', () => {
  const cfg = goldenConfig('t16-diff-2b');
  const gen = generateRtl({ config: cfg });
  const d = gen.design;

  it('round trip through the files and the manifest (seeded random, extremes, seed 91)', () => {
    const r = rng(91);
    const top = (1n << BigInt(d.psumBits - 1)) - 1n;
    const set = {
      g: Array.from({ length: d.rows }, () => Array.from({ length: d.cols }, () => r.pick([d.gMin, d.gMax, r.int(d.gMin, d.gMax)]))),
      regs: [
        { addr: 0, data: 0 },
        { addr: 2 ** d.regAddrBits - 1, data: 0xffffffff },
        { addr: r.int(0, 2 ** d.regAddrBits - 1), data: r.int(0, 2 ** 31) },
      ],
      acts: [Int32Array.from({ length: d.rows }, () => 2 ** d.actBits - 1), new Int32Array(d.rows), Int32Array.from({ length: d.rows }, () => r.int(0, 2 ** d.actBits - 1))],
      expected: [Array(d.weightCols).fill(top), Array(d.weightCols).fill(-top - 1n), Array.from({ length: d.weightCols }, () => BigInt(r.int(-1000, 1000)))],
    };
    const files = renderVectorSet(gen, set, { test: 'round trip' });
    const dir = mkdtempSync(join(tmpdir(), 'memxbar-vectors-'));
    for (const [name, text] of files) writeFileSync(join(dir, name), text);
    const back = readVectorSet(dir);
    expect(back.set.g).toEqual(set.g);
    expect(back.set.regs).toEqual(set.regs.map((w) => ({ addr: w.addr, data: w.data >>> 0 })));
    expect(back.set.acts).toEqual(set.acts);
    expect(back.set.expected).toEqual(set.expected);
    const m = back.manifest;
    expect(m.configHash).toBe(gen.manifest.configHash);
    expect(m.files.acts.bits).toBe(d.rows * d.actBits);
    expect(m.files.expected).toMatchObject({ bits: d.psumBits, signed: true, words: 3 * d.weightCols });
    // Every line has exactly ceil(bits/4) digits.
    for (const spec of Object.values(m.files)) {
      const lines = readFileSync(join(dir, spec.file), 'utf8').trim().split('\n');
      expect(lines.every((l) => l.length === Math.ceil(spec.bits / 4)), spec.file).toBe(true);
    }
  });

  it('refuses a short file and a bad word, naming the file and line', () => {
    const files = renderVectorSet(gen, { g: Array.from({ length: d.rows }, () => new Array(d.cols).fill(d.gMin)), regs: [], acts: [new Int32Array(d.rows)], expected: [new Array(d.weightCols).fill(0n)] }, {});
    const dir = mkdtempSync(join(tmpdir(), 'memxbar-vectors-'));
    for (const [name, text] of files) writeFileSync(join(dir, name), text);
    writeFileSync(join(dir, 'acts.hex'), 'zz\n');
    expect(() => readVectorSet(dir)).toThrow(DataError);
    expect(() => readVectorSet(dir)).toThrow(/acts\.hex: line 1: not a hex word/);
    writeFileSync(join(dir, 'acts.hex'), '');
    expect(() => readVectorSet(dir)).toThrow(/0 words, the manifest says 1/);
  });

  it('writes an unknown activation code as x digits of its row (8-bit codes), refuses it otherwise', () => {
    const g8 = generateRtl({ config: goldenConfig('t16-offset-1b') });
    const d8 = g8.design;
    expect(d8.actBits % 4).toBe(0);
    const text = actsHex(g8, [Int32Array.from({ length: d8.rows }, (_, r) => (r === 0 ? -1 : r === 1 ? 2 ** d8.actBits - 1 : 0))]).trim();
    expect(text).toBe('0'.repeat(((d8.rows - 2) * d8.actBits) / 4) + 'f'.repeat(d8.actBits / 4) + 'x'.repeat(d8.actBits / 4));
    if (d.actBits % 4 !== 0) expect(() => actsHex(gen, [Int32Array.from({ length: d.rows }, () => -1)])).toThrow(RangeError);
  });
});

describe('output checker', () => {
  const gen = generateRtl({ config: goldenConfig('t16-offset-1b') });
  const d = gen.design;
  const W = d.weightCols;
  const hex = (v: bigint) => (v < 0n ? v + (1n << BigInt(d.psumBits)) : v).toString(16).padStart(Math.ceil(d.psumBits / 4), '0');
  const expected = [Array.from({ length: W }, (_, o) => BigInt(o - 1)), Array.from({ length: W }, (_, o) => BigInt(10 * o))];
  const lines = (words: bigint[][], cycle0 = 100) => words.flatMap((ws, v) => ws.map((x, o) => `${v} ${o} ${hex(x)} ${cycle0 + v * 50 + o}`)).join('\n');

  it('a full match; negative words decode from two\'s complement', () => {
    const out = parseSimOutput(lines(expected), d);
    expect(out.words.map((w) => w.value)).toEqual(expected.flat());
    expect(firstMismatch(d, out, expected)).toBeNull();
  });

  it('directed failures: wrong value, X bits, index out of order, missing word, X on a control output', () => {
    const wrong = expected.map((ws) => [...ws]);
    wrong[1]![2] = 7n;
    expect(firstMismatch(d, parseSimOutput(lines(wrong), d), expected)).toMatchObject({ kind: 'value', vector: 1, column: 2, expected: 20n, gotValue: 7n, cycle: 152, windowStart: 100 + W - 1 });
    const xText = lines(expected).replace(/^0 1 [0-9a-f]+/m, `0 1 ${'x'.repeat(Math.ceil(d.psumBits / 4))}`);
    expect(firstMismatch(d, parseSimOutput(xText, d), expected)).toMatchObject({ kind: 'x', vector: 0, column: 1 });
    const swapped = lines(expected).replace(/^0 0 /m, '0 1 ');
    expect(firstMismatch(d, parseSimOutput(swapped, d), expected)).toMatchObject({ kind: 'index', vector: 0, column: 0 });
    const short = lines([expected[0]!]);
    expect(firstMismatch(d, parseSimOutput(short, d), expected)).toMatchObject({ kind: 'missing', vector: 1, column: 0, cycle: null });
    expect(firstMismatch(d, parseSimOutput(`${short}\nX 321 control`, d), expected)).toMatchObject({ kind: 'x-control', vector: 1, cycle: 321 });
  });
});

describe('patch sample', () => {
  it('is seeded, sorted, distinct, and everything when k covers all', () => {
    const a = samplePatches(1000, 10, 4);
    expect(a).toEqual(samplePatches(1000, 10, 4));
    expect(a).not.toEqual(samplePatches(1000, 10, 5));
    expect([...a].sort((x, y) => x - y)).toEqual(a);
    expect(new Set(a).size).toBe(10);
    expect(a.every((v) => v >= 0 && v < 1000)).toBe(true);
    expect(samplePatches(5, null, 1)).toEqual([0, 1, 2, 3, 4]);
    expect(samplePatches(5, 9, 1)).toEqual([0, 1, 2, 3, 4]);
    expect(() => samplePatches(5, 0, 1)).toThrow(ConfigError);
  });
});

describe('layers of the shipped VGG8-w0.5', () => {
  it('by name, index, and kind with rank; an unknown one lists them all', () => {
    const { p } = workload('faults');
    expect(resolveLayer(p, '/7/Conv')).toBe(2);
    expect(resolveLayer(p, '2')).toBe(2);
    expect(resolveLayer(p, 'conv3')).toBe(2);
    expect(resolveLayer(p, 'fc1')).toBe(6);
    expect(resolveLayer(p, 'FC2')).toBe(7);
    expect(layerLabel(p, 7)).toBe('fc2 (/24/Gemm)');
    expect(() => resolveLayer(p, 'conv9')).toThrow(/no compute layer "conv9"; the network has 0: conv1 \(\/0\/Conv\), .*7: fc2 \(\/24\/Gemm\)/);
  });

  it('the row-tile restricted products add up to the layer product (fc2, faults, real inputs)', () => {
    const { p, xb } = workload('faults');
    const q = p.qn.layers[7]!;
    const L = xb.mappings[7]!.layout;
    const x = Int32Array.from({ length: 2 * L.R }, (_, i) => (i * 37) % 256);
    const full = new Float64Array(L.C * 2);
    crossbarMatmul(xb, q, x, 2, full);
    const sum = new Float64Array(L.C * 2);
    for (let rt = 0; rt < L.rowTiles; rt++) rowTileProduct(xb, 7, x, 2, rt).forEach((v, i) => (sum[i] += v));
    expect([...sum]).toEqual([...full]);
    // Words of the one column tile: outputs 0..9, then 0 for the unused weight columns.
    const gen = generateRtl({ config: workload('faults').cfg });
    const words = expectedWords(gen.design, full, L.C, 2, 0);
    expect(words[1]!.slice(0, L.C)).toEqual(Array.from({ length: L.C }, (_, o) => BigInt(full[o * 2 + 1]!)));
    expect(words[1]!.slice(L.C).every((w) => w === 0n)).toBe(true);
  });

  it('MT\'s column offsets are the layer\'s, not a tile\'s: the row-tile products add up to the layer product without them (differential mt-map, fc2)', () => {
    const { p } = workload('no faults');
    // 30 % stuck cells (5:1, seed 7) in fc2 only: the other layers map quickly.
    const cfg = workloadConfig('faults + MT', ['tile.signedScheme="differential"']);
    const xb = programCrossbarWithFaults(p, cfg, (layers) => layers.map((l, i) => (i === 7 ? drawFaults([l], 0.3, saRatio('5:1'), 7)[0]! : noFaults([l])[0]!)));
    const m = xb.mappings[7]!;
    const L = m.layout;
    expect(m.columnOffset!.some((v) => v !== 0)).toBe(true);
    const x = Int32Array.from({ length: 2 * L.R }, (_, i) => (i * 37) % 256);
    const full = new Float64Array(L.C * 2);
    crossbarMatmul(xb, m.q, x, 2, full);
    const sum = new Float64Array(L.C * 2);
    for (let rt = 0; rt < L.rowTiles; rt++) rowTileProduct(xb, 7, x, 2, rt).forEach((v, i) => (sum[i] += v));
    expect([...sum].map((v, i) => v + m.columnOffset![Math.floor(i / 2)]!)).toEqual([...full]);
  });
});

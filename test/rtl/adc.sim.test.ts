/**
 * ADC interface modules alone (Icarus), exhaustive over small input spaces:
 *  - SAR controller + an ideal comparator: every current in a range around the full
 *    scale converts to clamp(rdiv(I, step)) (offset binary when signed);
 *  - flash encoder: every thermometer pattern (bubbles included) against a naive model
 *    of the one-hot/OR-plane encoder, and every clean thermometer code to its count.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateRtl } from '../../src/rtl/generate.ts';
import { goldenConfig, extraConfig } from './configs.ts';
import { icarusCompile, materialize, requireTool, run } from './tools.ts';
import type { Config } from '../../src/config/schema.ts';

const rdiv = (x: number, d: number) => Math.floor((2 * x + d) / (2 * d));

function simulate(dir: string, top: string, tb: string, files: string[]): string {
  writeFileSync(join(dir, `${top}.v`), tb);
  const image = join(dir, `${top}.vvp`);
  const c = icarusCompile([join(dir, `${top}.v`), ...files.map((f) => join(dir, f))], top, image);
  if (c.status !== 0) throw new Error(c.output);
  const r = run('vvp', ['-n', image], dir);
  if (r.status !== 0) throw new Error(r.output);
  return readFileSync(join(dir, 'out.txt'), 'utf8');
}

function sarCase(name: string, config: Config) {
  it(`SAR, ${name}: every current converts to the clamped rdiv code`, () => {
    requireTool('iverilog');
    const gen = generateRtl({ config });
    const d = gen.design;
    const dir = materialize(gen, 'sar');
    const step = 3;
    const cw = d.codeBits;
    const offset = d.signedCodes ? 2 ** (cw - 1) : 0;
    const lo = d.signedCodes ? -(offset + 2) * step : 0;
    const hi = (2 ** cw - offset + 2) * step;
    const currents: number[] = [];
    for (let i = lo; i <= hi; i++) currents.push(i);
    const n = d.adcs;
    while (currents.length % n) currents.push(0);
    writeFileSync(join(dir, 'cur.hex'), currents.map((c) => BigInt.asUintN(64, BigInt(c)).toString(16)).join('\n') + '\n');
    const tb = `
module tb_sar;
    reg clk = 1'b0, rst = 1'b1, start = 1'b0;
    reg signed [63:0] cur [0:${currents.length - 1}];
    reg [${n}-1:0] cmp;
    wire [${n * cw - 1}:0] dac_code, code;
    wire done;
    memxbar_sar_ctrl dut (.clk(clk), .rst(rst), .start(start), .cmp(cmp), .dac_code(dac_code), .code(code), .done(done));
    integer a, b, fd;
    reg signed [63:0] level;
    always #5 clk = ~clk;
    always @* for (a = 0; a < ${n}; a = a + 1) begin
        level = $signed({${64 - cw}'d0, dac_code[a*${cw} +: ${cw}]}) - ${offset};
        cmp[a] = (2 * cur[b * ${n} + a] + ${step} >= 2 * level * ${step});
    end
    initial begin
        $readmemh("cur.hex", cur);
        fd = $fopen("out.txt", "w");
        b = 0;
        @(negedge clk) rst = 1'b0;
        for (b = 0; b < ${currents.length / n}; b = b + 1) begin
            @(negedge clk) start = 1'b1;
            @(negedge clk) start = 1'b0;
            while (!done) @(negedge clk);
            for (a = 0; a < ${n}; a = a + 1) $fwrite(fd, "%0d\\n", code[a*${cw} +: ${cw}]);
        end
        $fclose(fd);
        $finish;
    end
endmodule
`;
    const got = simulate(dir, 'tb_sar', tb, ['memxbar_sar_ctrl.v']).trim().split('\n').map(Number);
    const expected = currents.map((c) => Math.min(2 ** cw - 1, Math.max(0, rdiv(c, step) + offset)));
    expect(got).toEqual(expected);
  });
}

function flashCase(name: string, config: Config) {
  it(`flash, ${name}: every thermometer pattern encodes like the one-hot/OR-plane model`, () => {
    requireTool('iverilog');
    const gen = generateRtl({ config });
    const d = gen.design;
    const dir = materialize(gen, 'flash');
    const th = d.thermBits;
    const cw = d.codeBits;
    const patterns: bigint[] = [];
    if (th <= 15) for (let p = 0n; p < 1n << BigInt(th); p++) patterns.push(p);
    else for (let k = 0; k <= th; k++) patterns.push((1n << BigInt(k)) - 1n);
    const n = d.adcs;
    while (patterns.length % n) patterns.push(0n);
    writeFileSync(join(dir, 'therm.hex'), patterns.map((p) => p.toString(16)).join('\n') + '\n');
    const tb = `
module tb_flash;
    reg clk = 1'b0, rst = 1'b1, start = 1'b0;
    reg [${th - 1}:0] pat [0:${patterns.length - 1}];
    reg [${n * th - 1}:0] therm;
    wire [${n * cw - 1}:0] code;
    wire done;
    memxbar_flash_enc dut (.clk(clk), .rst(rst), .start(start), .therm(therm), .code(code), .done(done));
    integer a, b, fd;
    always #5 clk = ~clk;
    initial begin
        $readmemh("therm.hex", pat);
        fd = $fopen("out.txt", "w");
        @(negedge clk) rst = 1'b0;
        for (b = 0; b < ${patterns.length / n}; b = b + 1) begin
            for (a = 0; a < ${n}; a = a + 1) therm[a*${th} +: ${th}] = pat[b * ${n} + a];
            start = 1'b1;
            @(negedge clk) start = 1'b0;
            if (!done) $display("done missing");
            for (a = 0; a < ${n}; a = a + 1) $fwrite(fd, "%0d\\n", code[a*${cw} +: ${cw}]);
        end
        $fclose(fd);
        $finish;
    end
endmodule
`;
    const got = simulate(dir, 'tb_flash', tb, ['memxbar_flash_enc.v']).trim().split('\n').map(Number);
    const model = (p: bigint) => {
      let code = 0;
      for (let i = 0; i < th; i++) {
        const ti = (p >> BigInt(i)) & 1n;
        const tn = i + 1 < th ? (p >> BigInt(i + 1)) & 1n : 0n;
        if (ti === 1n && tn === 0n) code |= i + 1;
      }
      return code;
    };
    expect(got).toEqual(patterns.map(model));
    // Clean thermometer codes: k comparators fired → code k.
    for (let k = 0; k <= th; k++) expect(model((1n << BigInt(k)) - 1n)).toBe(k);
  });
}

describe('ADC interface modules (simulation)', () => {
  sarCase('4-bit unsigned (t16-offset-1b)', goldenConfig('t16-offset-1b'));
  const flashOdd = extraConfig('lossless-flash-odd');
  sarCase('5-bit signed lossless (differential)', { ...flashOdd, tile: { ...flashOdd.tile, adcKind: 'sar' } });
  sarCase('3-bit signed, clamped (differential)', { ...goldenConfig('t16-diff-2b'), tile: { ...goldenConfig('t16-diff-2b').tile, adcKind: 'sar' } });
  flashCase('3-bit signed (t16-diff-2b)', goldenConfig('t16-diff-2b'));
  flashCase('4-bit lossless (lossless-flash-odd)', extraConfig('lossless-flash-odd'));
});

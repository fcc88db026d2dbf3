import { describe, expect, it } from 'vitest';
import { ToolError } from '../../src/errors.ts';
import { runYosys, yosysPackageVersion } from '../../src/synth/yosys.ts';

const counter = 'module counter(input clk, input rst, output reg [3:0] q);\n  always @(posedge clk) q <= rst ? 4\'d0 : q + 4\'d1;\nendmodule\n';

describe('runYosys', () => {
  it('runs a script over in-memory files and returns the files it wrote', async () => {
    const r = await runYosys(['read_verilog counter.v', 'synth -top counter', 'tee -q -o stat.json stat -json'], { 'counter.v': counter });
    expect(Object.keys(r.files).sort()).toEqual(['counter.v', 'stat.json']);
    expect(JSON.parse(r.files['stat.json']!).design.num_cells).toBeGreaterThan(0);
    expect(r.log).toContain('Executing SYNTH pass');
    expect(r.warnings).toEqual([]);
    expect(yosysPackageVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('collects Warning: lines', async () => {
    const v = 'module w(input a, output y, output z);\n  assign y = a;\nendmodule\n';
    const r = await runYosys(['read_verilog w.v', 'hierarchy -top w', 'proc', 'check'], { 'w.v': v });
    expect(r.warnings.some((w) => /z/.test(w))).toBe(true);
  });

  it('turns a failure into a ToolError that carries the log and names the error', async () => {
    const err = await runYosys(['read_verilog bad.v'], { 'bad.v': 'module bad(; endmodule\n' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    const te = err as ToolError;
    expect(te.message).toMatch(/Yosys failed \(exit 1\).*syntax error/);
    expect(te.log).toContain('bad.v:1');
    expect(te.where).toBe('yosys');
  });

  it('runs several scripts in parallel', async () => {
    const runs = await Promise.all([1, 2, 3].map(() => runYosys(['read_verilog counter.v', 'synth -top counter'], { 'counter.v': counter })));
    expect(runs).toHaveLength(3);
  });
});

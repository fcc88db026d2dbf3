import { describe, expect, it } from 'vitest';
import { asicScript, instanceCounts, runAsic, SHIFTX_BMUX_MAP } from '../../src/synth/flows.ts';
import { runYosys } from '../../src/synth/yosys.ts';

// x[i] with a variable index: a one-bit $shiftx. 20 bits and a 5-bit index, so indices 20..31
// fall past the end (undefined in Verilog); a 3-bit result keeps Yosys's generic rule.
const sel = `module sel(input [19:0] x, input [4:0] i, input [23:0] w, input [2:0] j, output y, output [2:0] z);
  assign y = x[i];
  assign z = w[j * 3 +: 3];
endmodule
`;

describe('ASIC recipe: one-bit $shiftx as a mux tree', () => {
  it('is the same function as the RTL (SAT-proven, out-of-range indices free) and a tree of at most 2^S - 1 muxes', async () => {
    const r = await runYosys(
      [
        'read_verilog sel.v',
        'proc',
        'copy sel gold',
        'rename sel gate',
        'techmap -map shiftx.v gate',
        'techmap gate',
        'opt gate',
        'tee -q -o gate.json stat -json gate',
        'miter -equiv -flatten -make_assert -ignore_gold_x gold gate miter',
        'sat -verify -prove-asserts miter',
      ],
      { 'sel.v': sel, 'shiftx.v': SHIFTX_BMUX_MAP },
      { cache: false },
    );
    expect(r.log).toContain('SAT proof finished - no model found: SUCCESS!');
    const byType = (JSON.parse(r.files['gate.json']!) as { modules: Record<string, { num_cells_by_type: Record<string, number> }> }).modules['\\gate']!.num_cells_by_type;
    expect(byType['$_MUX_'] ?? 0).toBeGreaterThan(0);
    expect(r.log).toMatch(/_memxbar_shiftx_bmux/);
  });

  it('the default recipe maps the rule between the coarse and fine steps; the baseline recipe does not', () => {
    const d = asicScript('t', ['t.v']);
    const b = asicScript('t', ['t.v'], [], null, 'baseline');
    expect(d).toContain('techmap -map memxbar_shiftx_bmux.v');
    expect(d.indexOf('techmap -map memxbar_shiftx_bmux.v')).toBeGreaterThan(d.indexOf('synth -top t -run :fine'));
    expect(d.indexOf('techmap -map memxbar_shiftx_bmux.v')).toBeLessThan(d.indexOf('synth -top t -run fine:'));
    expect(b).toContain('synth -top t');
    expect(b.join(';')).not.toContain('shiftx');
  });

  it("a 16-row remap: both recipes give the same area within 2 % (ABC's structural choices only)", async () => {
    const remap = `module remap(input [15:0] lsb, input [79:0] src, output [15:0] phys);
  wire [31:0] pad = {16'd0, lsb};
  genvar r;
  generate for (r = 0; r < 16; r = r + 1) begin : g
    assign phys[r] = pad[src[r * 5 +: 5]];
  end endgenerate
endmodule
`;
    const [d, b] = await Promise.all([runAsic('remap', { 'remap.v': remap }, [], { cache: false }), runAsic('remap', { 'remap.v': remap }, [], { cache: false, recipe: 'baseline' })]);
    expect(d.totalAreaUm2).toBeGreaterThan(0);
    expect(Math.abs(d.totalAreaUm2 - b.totalAreaUm2) / b.totalAreaUm2).toBeLessThan(0.02);
  });
});

describe('bench rows of the synthesis flows', () => {
  it('give per flow the CPU ratio baseline / default and the area change, and the sum over flows', async () => {
    const { synthFlowRows } = await import('../../src/bench/suite.ts');
    const t = (flow: string, recipe: 'baseline' | 'default', cpuS: number, areaUm2: number) => ({ flow, recipe, cpuS, yosysS: 0, areaUm2, transistors: 0, modules: [] });
    const rows = synthFlowRows([t('ASIC flow, MT on', 'baseline', 60, 1000), t('ASIC flow, MT on', 'default', 30, 990), t('ASIC flow, MT off', 'baseline', 20, 500), t('ASIC flow, MT off', 'default', 10, 500)]);
    expect(rows).toHaveLength(3);
    expect(rows[0]!.path).toContain('ASIC flow, MT on: 30.0 s CPU (baseline recipe 60.0 s, ×2.00 less)');
    expect(rows[0]!.path).toContain('-1.00 %');
    expect(rows[1]!.path).toContain('0.00 %');
    expect(rows[2]!.path).toContain('40.0 s CPU (baseline recipe 80.0 s, ×2.00 less)');
  });
});

describe('module instances (hierarchy kept)', () => {
  it('counts a leaf once per instance along every path; a module outside the top counts 0', () => {
    const stat = {
      design: { num_cells: 0 },
      modules: {
        '\\top': { num_cells: 3, num_cells_by_type: { mid: 2, leaf: 1, AND2_X1: 5 } },
        '\\mid': { num_cells: 4, num_cells_by_type: { '\\leaf': 3, INV_X1: 1 } },
        '\\leaf': { num_cells: 1, num_cells_by_type: { MUX2_X1: 1 } },
        '\\unused': { num_cells: 1, num_cells_by_type: { leaf: 4 } },
      },
    };
    expect(instanceCounts(stat, 'top')).toEqual({ top: 1, mid: 2, leaf: 7, unused: 0 });
  });
});

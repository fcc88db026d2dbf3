/**
 * Exit codes of the CLI: 0 success, 2 bad input (one line), 1 a design that failed a
 * check — a co-simulation mismatch, so that a script can tell "the RTL is wrong" from
 * "the command was wrong". The simulator is replaced by a canned mismatch here; the real
 * mismatch path (report, diagnosis, VCD) is tested in test/cosim/tile.cosim.test.ts.
 */
import { describe, expect, it, vi } from 'vitest';
import type { CosimResult } from '../../src/cosim/cosim.ts';
import { CheckFailedError, ConfigError } from '../../src/errors.ts';
import { runCli } from '../cli-harness.ts';

vi.mock('../../src/cosim/cosim.ts', () => ({
  cosimLayerTile: async (): Promise<Partial<CosimResult> & { label: string }> => ({
    ok: false,
    label: 'fc2 (/24/Gemm)',
    simulator: 'icarus',
    vectors: 1,
    words: 15,
    files: [],
    text: 'MISMATCH\n  kind            : wrong value\n',
    mismatch: { kind: 'value', layer: 'fc2 (/24/Gemm)', layerIndex: 7, tile: { rt: 3, ct: 0 }, vector: 0, patch: 0, patchText: 'image 0', column: 4, output: 4, cycle: 812, run: 0, window: null, expected: '5', got: '6', diagnosis: null, vcd: null },
  }),
}));

describe('exit codes', () => {
  it('a co-simulation mismatch exits 1 with one line naming the layer, tile, vector and column', async () => {
    const r = await runCli('cosim', '--layer', 'fc2', '--tile', '3,0', '--out', 'unused', '-q');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^MISMATCH/);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe('memxbar: error: co-simulation mismatch in fc2 (/24/Gemm) tile (3, 0), vector 0, column 4; report and VCD in unused');
  });

  it('bad input exits 2, a failed check 1', () => {
    expect(new ConfigError('x', 'tile.rows').exitCode).toBe(2);
    expect(new CheckFailedError('x').exitCode).toBe(1);
  });
});

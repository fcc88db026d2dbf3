import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runYosys } from '../../src/synth/yosys.ts';

describe('Yosys runs cached by content', () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.MEMXBAR_CACHE_DIR;
    process.env.MEMXBAR_CACHE_DIR = mkdtempSync(join(tmpdir(), 'memxbar-yosys-cache-'));
  });
  afterEach(() => {
    process.env.MEMXBAR_CACHE_DIR = saved;
  });

  const design = (w: number) => ({ 'a.v': `module a(input [${w - 1}:0] x, y, output [${w - 1}:0] z); assign z = x + y; endmodule\n` });
  const script = ['read_verilog a.v', 'synth -top a', 'tee -q -o s.json stat -json'];

  it('an identical run is reused with the same files and log; another input runs again', async () => {
    const first = await runYosys(script, design(4));
    expect(first.cached).toBeUndefined();
    const again = await runYosys(script, design(4));
    expect(again.cached).toBe(true);
    expect(again.files).toEqual(first.files);
    expect(again.log).toBe(first.log);
    const other = await runYosys(script, design(5));
    expect(other.cached).toBeUndefined();
    expect(other.files['s.json']).not.toBe(first.files['s.json']);
    const fresh = await runYosys(script, design(4), { cache: false });
    expect(fresh.cached).toBeUndefined();
    expect(fresh.files['s.json']).toBe(first.files['s.json']);
  });
});

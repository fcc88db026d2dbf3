/** The output-folder rules of `memxbar run` (src/run/flow.ts RUN_FILES, src/util/output.ts). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.ts';
import { RUN_FILES } from '../../src/run/flow.ts';
import { checkOutDir } from '../../src/util/output.ts';
import { tempDir } from '../rtl/tools.ts';

describe('memxbar run --out', () => {
  it('accepts a new folder, an empty one, and one holding a user file under another name', () => {
    const d = tempDir('outdir');
    checkOutDir(join(d, 'new'), RUN_FILES);
    checkOutDir(d, RUN_FILES);
    writeFileSync(join(d, 'notes.txt'), 'x');
    checkOutDir(d, RUN_FILES);
  });

  it('accepts a folder an earlier run wrote (an older run\'s marker lists its files)', () => {
    const d = tempDir('outdir');
    writeFileSync(join(d, 'report.html'), 'x');
    writeFileSync(join(d, '.memxbar-run.json'), JSON.stringify({ tool: 'memxbar run', files: ['report.html', '.memxbar-run.json'] }));
    checkOutDir(d, RUN_FILES);
  });

  it('refuses a file, and a user file where the run writes (report.*, or under rtl/ … cosim/)', () => {
    const d = tempDir('outdir');
    writeFileSync(join(d, 'f'), 'x');
    expect(() => checkOutDir(join(d, 'f'), RUN_FILES)).toThrow(DataError);
    expect(() => checkOutDir(join(d, 'f'), RUN_FILES)).toThrow(/--out .*f: exists and is not a folder/);
    const a = join(d, 'a');
    mkdirSync(a);
    writeFileSync(join(a, 'report.html'), 'mine');
    expect(() => checkOutDir(a, RUN_FILES)).toThrow(/would overwrite report.html, which memxbar did not write/);
    const b = join(d, 'b');
    mkdirSync(join(b, 'rtl'), { recursive: true });
    writeFileSync(join(b, 'rtl', 'my_tile.v'), 'mine');
    expect(() => checkOutDir(b, RUN_FILES)).toThrow(/would overwrite rtl\/my_tile.v/);
  });
});

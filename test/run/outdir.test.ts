/** The output-folder rules of `memxbar run` (src/run/flow.ts checkOutDir). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.ts';
import { checkOutDir, MARKER_FILE } from '../../src/run/flow.ts';
import { tempDir } from '../rtl/tools.ts';

describe('memxbar run --out', () => {
  it('accepts a new folder and an empty one', () => {
    const d = tempDir('outdir');
    expect(checkOutDir(join(d, 'new'))).toEqual({ exists: false, previous: [] });
    expect(checkOutDir(d)).toEqual({ exists: true, previous: [] });
  });

  it('accepts a folder an earlier run wrote, with the files it listed', () => {
    const d = tempDir('outdir');
    writeFileSync(join(d, 'report.html'), 'x');
    writeFileSync(join(d, MARKER_FILE), JSON.stringify({ tool: 'memxbar run', files: ['report.html', MARKER_FILE] }));
    expect(checkOutDir(d)).toEqual({ exists: true, previous: ['report.html', MARKER_FILE] });
  });

  it('refuses a file, a folder of someone else\'s files, and an unreadable marker', () => {
    const d = tempDir('outdir');
    writeFileSync(join(d, 'f'), 'x');
    expect(() => checkOutDir(join(d, 'f'))).toThrow(DataError);
    expect(() => checkOutDir(join(d, 'f'))).toThrow(/--out .*f: exists and is not a folder/);
    expect(() => checkOutDir(d)).toThrow(/the folder holds 1 entries that memxbar run did not write/);
    const m = join(d, 'm');
    mkdirSync(m);
    writeFileSync(join(m, MARKER_FILE), '{"files": 3}');
    expect(() => checkOutDir(m)).toThrow(/unreadable marker of a previous run: files is not a list of names/);
  });
});

/** Output files: whole or not at all, and never over a file memxbar did not write. */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.ts';
import { OWNED_LIST, writeAllAtomic } from '../../src/util/fsx.ts';
import { tempDir } from '../rtl/tools.ts';

describe('writeAllAtomic', () => {
  it('overwrites what memxbar wrote before', () => {
    const d = tempDir('fsx');
    writeAllAtomic(d, { 'a.csv': '1', 'sub/b.md': '2' });
    writeAllAtomic(d, { 'a.csv': '3', 'sub/b.md': '4' });
    expect(readFileSync(join(d, 'a.csv'), 'utf8')).toBe('3');
    expect(readFileSync(join(d, 'sub/b.md'), 'utf8')).toBe('4');
    expect(JSON.parse(readFileSync(join(d, OWNED_LIST), 'utf8'))).toEqual(['a.csv', 'sub/b.md']);
  });

  it('refuses to overwrite a user file, naming it, and writes nothing at all', () => {
    const d = tempDir('fsx');
    writeFileSync(join(d, 'sweep.csv'), 'my data');
    let err: unknown;
    try {
      writeAllAtomic(d, { 'sweep.json': '{}', 'sweep.csv': 'x' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataError);
    expect(String((err as Error).message)).toBe(`--out ${d}: would overwrite sweep.csv, which memxbar did not write; choose another output folder or move it`);
    expect(readFileSync(join(d, 'sweep.csv'), 'utf8')).toBe('my data');
    expect(readdirSync(d)).toEqual(['sweep.csv']);
  });
});

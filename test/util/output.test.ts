/** Output folders (src/util/output.ts): whole or not at all, never over a file memxbar did not write. */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.ts';
import { checkOutDir, OWNED_LIST, openStage, ownedFiles, writeOutputs } from '../../src/util/output.ts';
import { tempDir } from '../rtl/tools.ts';

const owned = (d: string) => (JSON.parse(readFileSync(join(d, OWNED_LIST), 'utf8')) as { files: Record<string, string> }).files;

describe('writeOutputs', () => {
  it('overwrites what memxbar wrote before and records who wrote each file', () => {
    const d = tempDir('output');
    writeOutputs(d, { 'a.csv': '1', 'sub/b.md': '2' }, { command: 'sweep' });
    writeOutputs(d, { 'a.csv': '3', 'sub/b.md': '4' }, { command: 'sweep' });
    expect(readFileSync(join(d, 'a.csv'), 'utf8')).toBe('3');
    expect(readFileSync(join(d, 'sub/b.md'), 'utf8')).toBe('4');
    expect(owned(d)).toEqual({ 'a.csv': 'sweep', 'sub/b.md': 'sweep' });
    expect(readdirSync(d).sort()).toEqual([OWNED_LIST, 'a.csv', 'sub']);
  });

  it('refuses to overwrite a user file, naming it, and writes nothing at all', () => {
    const d = tempDir('output');
    writeFileSync(join(d, 'sweep.csv'), 'my data');
    let err: unknown;
    try {
      writeOutputs(d, { 'sweep.json': '{}', 'sweep.csv': 'x' }, { command: 'sweep' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataError);
    expect(String((err as Error).message)).toBe(`--out ${d}: would overwrite sweep.csv, which memxbar did not write; choose another output folder or move it`);
    expect(readFileSync(join(d, 'sweep.csv'), 'utf8')).toBe('my data');
    expect(readdirSync(d)).toEqual(['sweep.csv']);
  });

  it('a failure while writing leaves the folder as it was, and a new folder is not left behind', () => {
    const d = tempDir('output');
    writeOutputs(d, { 'a.csv': 'old' }, { command: 'x' });
    const fail = { afterStageWrite: (_n: string, i: number) => { if (i === 1) throw new Error('disk full (simulated)'); } };
    expect(() => writeOutputs(d, { 'a.csv': 'new', 'b.csv': 'new' }, { command: 'x', ...fail })).toThrow(/disk full/);
    expect(readdirSync(d).sort()).toEqual([OWNED_LIST, 'a.csv']);
    expect(readFileSync(join(d, 'a.csv'), 'utf8')).toBe('old');
    const fresh = join(d, 'new', 'deeper');
    expect(() => writeOutputs(fresh, { 'a.csv': '1', 'b.csv': '2' }, { command: 'x', ...fail })).toThrow(/disk full/);
    expect(readdirSync(d).sort()).toEqual([OWNED_LIST, 'a.csv']);
  });

  it('replace removes only the files the same command wrote before and no longer writes', () => {
    const d = tempDir('output');
    writeFileSync(join(d, 'notes.txt'), 'mine');
    writeOutputs(d, { 'r/a.v': '1', 'r/b.v': '2' }, { command: 'gen', replace: true });
    writeOutputs(d, { 'other.csv': '3' }, { command: 'sweep' });
    writeOutputs(d, { 'r/a.v': '4' }, { command: 'gen', replace: true });
    expect(readdirSync(join(d, 'r'))).toEqual(['a.v']);
    expect(readFileSync(join(d, 'notes.txt'), 'utf8')).toBe('mine');
    expect(owned(d)).toEqual({ 'other.csv': 'sweep', 'r/a.v': 'gen' });
  });

  it('an older run marker (.memxbar-run.json) makes its files memxbar\'s', () => {
    const d = tempDir('output');
    writeFileSync(join(d, 'report.html'), 'old');
    writeFileSync(join(d, '.memxbar-run.json'), JSON.stringify({ tool: 'memxbar run', files: ['report.html', '.memxbar-run.json'] }));
    expect([...ownedFiles(d).keys()].sort()).toEqual(['.memxbar-run.json', 'report.html']);
    const s = openStage(d, { command: 'run', replace: true });
    s.write('report.md', 'new');
    s.commit();
    expect(readdirSync(d).sort()).toEqual([OWNED_LIST, 'report.md']);
  });
});

describe('checkOutDir', () => {
  it('accepts a new folder (and does not make it), refuses a file and a user file among the names', () => {
    const d = tempDir('output');
    checkOutDir(join(d, 'new', 'deeper'), ['x.csv']);
    expect(readdirSync(d)).toEqual([]);
    writeFileSync(join(d, 'f'), 'x');
    expect(() => checkOutDir(join(d, 'f'))).toThrow(/--out .*f: exists and is not a folder/);
    expect(() => checkOutDir(join(d, 'f', 'sub'))).toThrow(/ENOTDIR/);
    mkdirSync(join(d, 'o', 'cosim', 'fc2'), { recursive: true });
    writeFileSync(join(d, 'o', 'cosim', 'fc2', 'mine.txt'), 'x');
    checkOutDir(join(d, 'o'), ['report.html', 'sweep/']);
    expect(() => checkOutDir(join(d, 'o'), ['report.html', 'cosim/'])).toThrow(/would overwrite cosim\/fc2\/mine.txt, which memxbar did not write/);
  });
});

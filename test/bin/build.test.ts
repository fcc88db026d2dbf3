/**
 * The compiled form the CLI starts from (bin/build.js → dist/, bin/fresh.js, bin/memxbar.js):
 * every source compiles, the compiled modules find presets/, templates/ and assets/ from their
 * own location, and a build older than any source is never run.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript module without types
import { distIsFresh } from '../../bin/fresh.js';

const ROOT = join(__dirname, '..', '..');

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith(ext)).map((f) => f.slice(0, -ext.length)).sort();
}

describe('bin/fresh.js', () => {
  const dir = mkdtempSync(join(tmpdir(), 'memxbar-fresh-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const src = join(dir, 'src');
  const stamp = join(dir, 'dist', 'BUILD-STAMP');
  mkdirSync(join(src, 'a'), { recursive: true });
  mkdirSync(join(dir, 'dist'));
  const setTime = (p: string, s: number) => utimesSync(p, s, s);

  it('no stamp: not fresh', () => {
    writeFileSync(join(src, 'a', 'x.ts'), '');
    expect(distIsFresh(src, stamp)).toBe(false);
  });
  it('a stamp newer than every file and folder: fresh; an edited file or a changed folder makes it stale', () => {
    writeFileSync(stamp, '');
    for (const p of [src, join(src, 'a'), join(src, 'a', 'x.ts')]) setTime(p, 1000);
    setTime(stamp, 2000);
    expect(distIsFresh(src, stamp)).toBe(true);
    setTime(join(src, 'a', 'x.ts'), 3000); // an edit
    expect(distIsFresh(src, stamp)).toBe(false);
    setTime(join(src, 'a', 'x.ts'), 1000);
    setTime(join(src, 'a'), 3000); // a file added or removed in a folder
    expect(distIsFresh(src, stamp)).toBe(false);
  });
});

describe('bin/build.js', () => {
  // Built beside dist/ (same depth under the package root), so paths resolve as they do from dist/.
  const out = join(ROOT, `.dist-test-${process.pid}`);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('compiles every source, rewrites .ts imports, and the compiled CLI finds presets/, templates/ and assets/', () => {
    const b = spawnSync(process.execPath, [join(ROOT, 'bin', 'build.js'), out], { encoding: 'utf8' });
    expect(b.status, b.stderr + b.stdout).toBe(0);
    expect(filesUnder(out, '.js')).toEqual(filesUnder(join(ROOT, 'src'), '.ts'));
    for (const f of filesUnder(out, '.js')) expect(readFileSync(join(out, `${f}.js`), 'utf8'), f).not.toMatch(/from '\.{1,2}\/[^']*\.ts'|import\('\.{1,2}\/[^']*\.ts'\)/);
    const rtl = mkdtempSync(join(tmpdir(), 'memxbar-dist-gen-'));
    try {
      const cli = (args: string[]) =>
        spawnSync(process.execPath, ['--input-type=module', '-e', `const { main } = await import(${JSON.stringify(join(out, 'cli', 'main.js'))}); process.exitCode = await main([process.execPath, "memxbar", ...${JSON.stringify(args)}]);`], { encoding: 'utf8', cwd: tmpdir() });
      const presets = cli(['config', '--presets']);
      expect(presets.status, presets.stderr).toBe(0);
      expect(presets.stdout).toMatch(/^neurosim-v1\.4: /m);
      const gen = cli(['gen', '--preset', 'neurosim-v1.4', '--out', join(rtl, 'out')]);
      expect(gen.status, gen.stderr).toBe(0);
      expect(readdirSync(join(rtl, 'out'))).toContain('manifest.json');
      const faults = cli(['faults', '--out', join(rtl, 'faults.csv'), '--fault-rate', '1', '-q']);
      expect(faults.status, faults.stderr).toBe(0); // the shipped model, from assets/
      expect(relative(ROOT, out)).not.toMatch(/^\.\./);
    } finally {
      rmSync(rtl, { recursive: true, force: true });
    }
  });
});

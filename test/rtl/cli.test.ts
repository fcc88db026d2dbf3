import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { register as registerGen } from '../../src/cli/commands/gen.ts';
import { UnsupportedError } from '../../src/errors.ts';
import { RtlDriftError } from '../../src/rtl/generate.ts';
import { runCommand } from './cliHarness.ts';
import { goldenConfigPath, goldenRtlDir } from './configs.ts';
import { tempDir } from './tools.ts';

describe('memxbar gen', () => {
  it('writes the files and manifest; --check passes on them', async () => {
    const out = join(tempDir('cli'), 'rtl-out');
    const cfg = goldenConfigPath('t16-diff-2b');
    const r = await runCommand([registerGen], ['gen', '--config', cfg, '--out', out]);
    expect(r.error).toBeNull();
    expect(r.stdout).toMatch(/wrote 9 files to .*rtl-out/);
    expect(readdirSync(out)).toContain('manifest.json');
    const c = await runCommand([registerGen], ['gen', '--config', cfg, '--check', out]);
    expect(c.error).toBeNull();
    expect(c.stdout).toMatch(/up to date/);
  });

  it('takes -q like every command (one summary line, no file list) and -p/-s like every command', async () => {
    const out = join(tempDir('cli'), 'rtl-q');
    const r = await runCommand([registerGen], ['gen', '-c', goldenConfigPath('t16-diff-2b'), '-q', '--out', out]);
    expect(r.error).toBeNull();
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/wrote 9 files to .*rtl-q/);
    const c = await runCommand([registerGen], ['gen', '-c', goldenConfigPath('t16-diff-2b'), '-s', 'tile.adcBits=5', '--check', out]);
    expect(c.error).toBeInstanceOf(RtlDriftError);
  });

  it('--bist without --write-path is refused (UnsupportedError: one line, exit 2), nothing written; with it, the BIST module is generated', async () => {
    const out = join(tempDir('cli'), 'rtl-bist');
    const cfg = goldenConfigPath('t16-offset-1b');
    const r = await runCommand([registerGen], ['gen', '--config', cfg, '--bist', '--out', out]);
    expect(r.error).toBeInstanceOf(UnsupportedError);
    expect(String((r.error as Error).message)).toMatch(/needs the write path/);
    expect(existsSync(out)).toBe(false);
    const ok = await runCommand([registerGen], ['gen', '--config', cfg, '--write-path', '--bist', '--out', out]);
    expect(ok.error).toBeNull();
    expect(ok.stdout).toMatch(/wrote 10 files .*write path, BIST/);
    expect(readdirSync(out)).toContain('memxbar_bist.v');
  });

  it('--check fails on drift, naming the first differing file and line', async () => {
    const dir = tempDir('drift');
    for (const f of readdirSync(goldenRtlDir('t16-offset-1b'))) writeFileSync(join(dir, f), readFileSync(join(goldenRtlDir('t16-offset-1b'), f)));
    const c0 = await runCommand([registerGen], ['gen', '--config', goldenConfigPath('t16-offset-1b'), '--check', dir]);
    expect(c0.error).toBeNull();
    const c = await runCommand([registerGen], ['gen', '--config', goldenConfigPath('t16-offset-1b'), '--set', 'tile.adcBits=5', '--check', dir]);
    expect(c.error).toBeInstanceOf(RtlDriftError);
    expect((c.error as Error).message).toMatch(/memxbar_ctrl\.v:2: expected/);
  });

  it('refuses an unsupported config before writing anything', async () => {
    const out = join(tempDir('cli'), 'never');
    const r = await runCommand([registerGen], ['gen', '--preset', 'neurosim-v1.4', '--set', 'tile.adcMode=self-ranging', '--out', out]);
    expect(r.error).toBeInstanceOf(UnsupportedError);
    expect((r.error as Error).message).toMatch(/^tile\.adcMode: /);
    expect(existsSync(out)).toBe(false);
  });

  it('--no-mt drops the MT modules', async () => {
    const out = join(tempDir('cli'), 'nomt');
    const r = await runCommand([registerGen], ['gen', '--config', goldenConfigPath('t16-offset-1b'), '--no-mt', '--out', out]);
    expect(r.error).toBeNull();
    expect(readdirSync(out)).not.toContain('memxbar_mt_tables.v');
    expect(readFileSync(join(out, 'memxbar_tile.v'), 'utf8')).toContain('options: mt=off');
  });
});

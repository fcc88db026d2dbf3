/**
 * The README for users: its config reference (docs/config.md) is generated from the schema (it must not
 * drift), it has exactly two set-up commands, the test command is what CI runs, it stays
 * short, and user documents do not speak in issue numbers.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configReferenceMarkdown } from '../src/config/reference-doc.ts';

const ROOT = join(__dirname, '..');

describe('README', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const setup = readme.split('## Set up')[1]!.split('```sh')[1]!.split('```')[0]!.trim().split('\n');
  it('links the config reference, and docs/config.md holds the current table', () => {
    expect(readme).toContain('(docs/config.md)');
    expect(readFileSync(join(ROOT, 'docs', 'config.md'), 'utf8')).toContain(configReferenceMarkdown());
  });
  it('has exactly two set-up commands: the main job and the tests', () => {
    expect(setup).toHaveLength(2);
    expect(setup[0]).toMatch(/^npm ci && npx memxbar run$/);
    expect(setup[1]).toMatch(/npm test$/);
  });
  it('its test command works on a fresh Debian machine and is what .ci/run runs', () => {
    const cmd = setup[1]!;
    // apt-get update before apt-get install (a fresh machine has no package lists).
    expect(cmd.indexOf('apt-get update')).toBeGreaterThanOrEqual(0);
    expect(cmd.indexOf('apt-get update')).toBeLessThan(cmd.indexOf('apt-get install'));
    const readmePkgs = /apt-get install -y ([\w\s-]+?) &&/.exec(cmd)![1]!.trim().split(/\s+/).sort();
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
    const ciPkgs = [...ci.matchAll(/need\+=\(([\w-]+)\)/g)].map((m) => m[1]!).sort();
    expect(readmePkgs).toEqual(ciPkgs);
    expect(ci.indexOf('apt-get update')).toBeLessThan(ci.indexOf('apt-get install'));
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).toMatch(/^npm test$/m);
  });
  it('is at most 15 KB and links the results', () => {
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(15 * 1024);
    expect(readme).toContain('(docs/results/README.md)');
  });
  it('user documents (README, docs/) name no issue numbers', () => {
    const docs = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => {
        const p = join(dir, f);
        return statSync(p).isDirectory() ? docs(p) : f.endsWith('.md') ? [p] : [];
      });
    for (const file of [join(ROOT, 'README.md'), ...docs(join(ROOT, 'docs'))]) {
      const hits = readFileSync(file, 'utf8').match(/\bissues?[ #-]*\d+/gi) ?? [];
      expect(hits, file).toEqual([]);
    }
  });
});

/**
 * The install step (bin/native-build.js): node-gyp runs again only when what the build reads
 * changed, so npm's second install of the same folder (the npx cache) skips the compile.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript module without types
import { ADDON, NATIVE_STAMP, nativeIsCurrent, nativeStamp } from '../../bin/native-build.js';

describe('bin/native-build.js', () => {
  const dir = mkdtempSync(join(tmpdir(), 'memxbar-native-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const kernels = join(dir, 'src', 'native', 'kernels');
  mkdirSync(kernels, { recursive: true });
  mkdirSync(join(dir, 'build', 'Release'), { recursive: true });
  writeFileSync(join(dir, 'binding.gyp'), '{ "targets": [] }\n');
  writeFileSync(join(kernels, 'a.cc'), 'int a() { return 1; }\n');
  writeFileSync(join(kernels, 'a.h'), 'int a();\n');

  it('no addon or no stamp: not current', () => {
    expect(nativeIsCurrent(dir)).toBe(false);
    writeFileSync(join(dir, ADDON), 'binary');
    expect(nativeIsCurrent(dir)).toBe(false);
  });

  it('the stamp of the same sources: current; the stamp is stable', () => {
    const s = nativeStamp(dir);
    expect(s).toMatch(/^[0-9a-f]{64}$/);
    expect(nativeStamp(dir)).toBe(s);
    writeFileSync(join(dir, NATIVE_STAMP), `${s}\n`);
    expect(nativeIsCurrent(dir)).toBe(true);
  });

  it('a kernel, a header, a new file or binding.gyp changed: stale', () => {
    const s = nativeStamp(dir);
    writeFileSync(join(kernels, 'a.cc'), 'int a() { return 2; }\n');
    expect(nativeStamp(dir)).not.toBe(s);
    expect(nativeIsCurrent(dir)).toBe(false);
    writeFileSync(join(kernels, 'a.cc'), 'int a() { return 1; }\n');
    expect(nativeStamp(dir)).toBe(s);
    writeFileSync(join(kernels, 'a.h'), 'int a(); // changed\n');
    expect(nativeStamp(dir)).not.toBe(s);
    writeFileSync(join(kernels, 'a.h'), 'int a();\n');
    writeFileSync(join(kernels, 'b.cc'), '\n');
    expect(nativeStamp(dir)).not.toBe(s);
    rmSync(join(kernels, 'b.cc'));
    writeFileSync(join(dir, 'binding.gyp'), '{ "targets": [ ] }\n');
    expect(nativeStamp(dir)).not.toBe(s);
  });
});

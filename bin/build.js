#!/usr/bin/env node
// Compiles src/ (TypeScript) to dist/ (JavaScript, same layout) so that `memxbar` starts without
// transpiling; run by `npm ci` / `npm install` (package.json "prepare", with --if-stale) and by
// `npm run build` (always).
// Type errors are `npm run typecheck`'s job; this only strips types and rewrites `.ts` imports.
// dist/ is deleted first, then written, then stamped: bin/memxbar.js runs it only while the stamp
// is newer than every file and folder under src/ (bin/fresh.js). `node bin/build.js <dir>` writes to
// <dir> instead (tests of the compiled form).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, lstatSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIST, STAMP_NAME, distIsFresh } from './fresh.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// The project's own command in node_modules/.bin (npm links only the dependencies' bins there),
// for npm scripts and a PATH that includes node_modules/.bin. `npx memxbar` does not use it: npm
// 11 installs the project itself into its npx cache once per folder (libnpmexec `exec`), which
// runs "prepare" (here, with --if-stale) and "install" (bin/native-build.js) again; both skip the
// work already done.
function linkOwnBin() {
  if (root.split(/[\\/]/).includes('node_modules') || !existsSync(join(root, 'node_modules'))) return;
  const binDir = join(root, 'node_modules', '.bin');
  const link = join(binDir, 'memxbar');
  try {
    lstatSync(link);
    return; // already there (a previous install)
  } catch {
    mkdirSync(binDir, { recursive: true });
    symlinkSync(join('..', '..', 'bin', 'memxbar.js'), link);
  }
}
linkOwnBin();
// `--if-stale` (package.json "prepare"): leave a dist/ that is newer than every source as it is.
if (process.argv.includes('--if-stale') && distIsFresh()) {
  console.log('memxbar build: dist/ is newer than every source, not rebuilt');
  process.exit(0);
}
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  // Installed without dev dependencies: no compiler, and memxbar runs the sources through tsx.
  console.log('memxbar build: typescript is not installed, dist/ not built (memxbar runs src/ through tsx, slower start)');
  process.exit(0);
}
const outArg = process.argv.slice(2).find((a) => !a.startsWith('--'));
const out = outArg ? resolve(outArg) : DIST;
rmSync(out, { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', out], { stdio: 'inherit' });
if (r.status !== 0) {
  console.error(`memxbar build: tsc -p tsconfig.build.json failed (exit ${r.status ?? r.signal})`);
  process.exit(1);
}
writeFileSync(join(out, STAMP_NAME), 'dist/ compiled from src/ by bin/build.js; bin/fresh.js compares this file\'s time with src/\n');

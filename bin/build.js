#!/usr/bin/env node
// Compiles src/ (TypeScript) to dist/ (JavaScript, same layout) so that `memxbar` starts without
// transpiling; run by `npm ci` / `npm install` (package.json "prepare") and by `npm run build`.
// Type errors are `npm run typecheck`'s job; this only strips types and rewrites `.ts` imports.
// dist/ is deleted first, then written, then stamped: bin/memxbar.js runs it only while the stamp
// is newer than every file and folder under src/ (bin/fresh.js). `node bin/build.js <dir>` writes to
// <dir> instead (tests of the compiled form).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, lstatSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIST, STAMP_NAME } from './fresh.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// `npx memxbar` looks in the project's own node_modules/.bin before anything else; npm links the
// bins of dependencies there, not the project's own, so without this link npx installs the
// project folder into its cache (re-running node-gyp: ~35 s of CPU) before the first command.
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
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  // Installed without dev dependencies: no compiler, and memxbar runs the sources through tsx.
  console.log('memxbar build: typescript is not installed, dist/ not built (memxbar runs src/ through tsx, slower start)');
  process.exit(0);
}
const out = process.argv[2] ? resolve(process.argv[2]) : DIST;
rmSync(out, { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', out], { stdio: 'inherit' });
if (r.status !== 0) {
  console.error(`memxbar build: tsc -p tsconfig.build.json failed (exit ${r.status ?? r.signal})`);
  process.exit(1);
}
writeFileSync(join(out, STAMP_NAME), 'dist/ compiled from src/ by bin/build.js; bin/fresh.js compares this file\'s time with src/\n');

#!/usr/bin/env node
// npm's install step (package.json "install"; also `npm run install`): builds the native kernels
// with node-gyp, unless build/Release already holds the build of these very sources for this
// Node ABI and CPU (-march=native). The stamp beside the addon is a hash of what the build reads.
//
// Why skip: `npx memxbar` in the project folder installs the project itself into npm's npx cache
// the first time it runs there (npm 11, libnpmexec `exec`: a local package whose bin matches the
// command is installed "so that its bin links get set up"), which runs this step again on the
// same folder. Without the check, a new user's first `npx memxbar run` waits for every kernel to
// compile again (about 25 s of g++ on 2 cores) before the run starts.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ADDON = join('build', 'Release', 'memxbar_native.node');
export const NATIVE_STAMP = join('build', 'Release', 'memxbar_native.stamp');

/** Hash of what the build depends on: binding.gyp, every kernel source, node-addon-api's version, the Node ABI, the CPU. */
export function nativeStamp(root = ROOT) {
  const h = createHash('sha256');
  const add = (label, data) => h.update(`${label}\0`).update(data).update('\0');
  add('binding.gyp', readFileSync(join(root, 'binding.gyp')));
  const kernels = join(root, 'src', 'native', 'kernels');
  for (const f of readdirSync(kernels).sort()) add(f, readFileSync(join(kernels, f)));
  let addonApi = 'absent';
  try {
    addonApi = JSON.parse(readFileSync(join(root, 'node_modules', 'node-addon-api', 'package.json'), 'utf8')).version;
  } catch {
    // not installed yet: node-gyp will fail on the include path and say so
  }
  add('node-addon-api', addonApi);
  add('node', `${process.versions.modules} ${process.platform} ${process.arch}`);
  add('cpu', cpus()[0]?.model ?? 'unknown');
  return h.digest('hex');
}

/** True when the addon is built and its stamp is the stamp of the current sources. */
export function nativeIsCurrent(root = ROOT) {
  const stamp = join(root, NATIVE_STAMP);
  if (!existsSync(join(root, ADDON)) || !existsSync(stamp)) return false;
  return readFileSync(stamp, 'utf8').trim() === nativeStamp(root);
}

function main() {
  if (nativeIsCurrent()) {
    console.log(`memxbar native: ${ADDON} is the build of these sources, node-gyp skipped`);
    return 0;
  }
  rmSync(join(ROOT, NATIVE_STAMP), { force: true });
  const r = spawnSync('node-gyp', ['rebuild'], { cwd: ROOT, stdio: 'inherit' });
  if (r.error) {
    console.error(`memxbar native: cannot run node-gyp (${r.error.message}); run this step through npm (npm ci, npm run install)`);
    return 1;
  }
  if (r.status !== 0) return r.status ?? 1;
  writeFileSync(join(ROOT, NATIVE_STAMP), `${nativeStamp()}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) process.exit(main());

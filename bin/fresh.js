// Whether dist/ (bin/build.js) is the compiled form of the current src/: its stamp is newer than
// every file and folder under src/ (a folder's time changes when a file is added, removed or
// renamed in it). A checkout, an edit or a merge after the build makes it stale.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SRC = join(ROOT, 'src');
export const DIST = join(ROOT, 'dist');
export const STAMP_NAME = 'BUILD-STAMP';
export const STAMP = join(DIST, STAMP_NAME);

/** Latest modification time (ms) of `dir` and everything under it. */
export function newestUnder(dir) {
  let newest = statSync(dir).mtimeMs;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestUnder(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** True when dist/ exists, is stamped, and the stamp is newer than all of src/. */
export function distIsFresh(src = SRC, stamp = STAMP) {
  let built;
  try {
    built = statSync(stamp).mtimeMs;
  } catch {
    return false;
  }
  return built > newestUnder(src);
}

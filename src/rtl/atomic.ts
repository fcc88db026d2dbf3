/**
 * Atomic writing of a set of files into a directory: every file is first written under
 * a temporary name in the same directory; only when all writes succeeded are they
 * renamed into place (rename is atomic on one file system). On failure the temporary
 * files are removed and the directory is left as it was. Leftover temporaries of a
 * killed run are removed by the next run.
 */
import { readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirs } from '../util/fsx.ts';

const TMP_PREFIX = '.memxbar-';
const TMP_SUFFIX = '.tmp';

export interface WriteHooks {
  /** Called after each temporary file is written (tests use it to simulate a failure). */
  afterTempWrite?: (file: string, index: number) => void;
}

export function isTempName(name: string): boolean {
  return name.startsWith(TMP_PREFIX) && name.endsWith(TMP_SUFFIX);
}

/** Write `files` (name → content, in order; the last one is renamed last) into `dir`. */
export function writeFilesAtomic(dir: string, files: ReadonlyMap<string, string>, hooks: WriteHooks = {}): void {
  makeDirs(dir);
  for (const f of readdirSync(dir)) if (isTempName(f)) rmSync(join(dir, f), { force: true });
  const temps: [string, string][] = [];
  try {
    let i = 0;
    for (const [name, text] of files) {
      if (name.includes('/') || name.includes('\\') || name === '..' || name === '.') throw new Error(`internal: bad file name ${JSON.stringify(name)}`);
      const tmp = join(dir, `${TMP_PREFIX}${process.pid}-${name}${TMP_SUFFIX}`);
      temps.push([tmp, join(dir, name)]);
      writeFileSync(tmp, text);
      hooks.afterTempWrite?.(name, i++);
    }
  } catch (e) {
    for (const [tmp] of temps) rmSync(tmp, { force: true });
    throw e;
  }
  for (const [tmp, final] of temps) renameSync(tmp, final);
}

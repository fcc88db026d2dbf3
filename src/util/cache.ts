/**
 * memxbar's cache folder: results that are slow to compute and fully determined by their
 * inputs (calibrated activation scales, compiled co-simulation models), kept between runs
 * under a key that hashes every input they depend on, so a changed input is a new key and
 * never a stale hit. `$MEMXBAR_CACHE_DIR`, else `$XDG_CACHE_HOME/memxbar`, else
 * `~/.cache/memxbar` (the XDG base-directory default). Deleting the folder is always safe.
 *
 * Entries are written atomically (temp file + rename), so a crash or a second memxbar
 * process never leaves a half-written entry; an entry that cannot be read is recomputed.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAtomic } from './output.ts';

/** The cache folder (not created here). */
export function cacheHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MEMXBAR_CACHE_DIR) return env.MEMXBAR_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'memxbar');
  let home = '';
  try {
    home = homedir();
  } catch {
    /* no home folder */
  }
  return home ? join(home, '.cache', 'memxbar') : join(tmpdir(), 'memxbar-cache');
}

/** The cache's subfolder `part`, created if needed. */
export function cacheDir(part: string): string {
  const dir = join(cacheHome(), part);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A cached JSON entry, or null when absent or unreadable. */
export function readCachedJson<T>(part: string, key: string): T | null {
  const path = join(cacheHome(), part, `${key}.json`);
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** Store a JSON entry; a cache that cannot be written only costs the next run the time (never an error). */
export function writeCachedJson(part: string, key: string, value: unknown): boolean {
  try {
    writeAtomic(join(cacheDir(part), `${key}.json`), JSON.stringify(value));
    return true;
  } catch {
    return false;
  }
}

/** A cached binary entry, or null when absent or unreadable. */
export function readCachedBytes(part: string, key: string): Buffer | null {
  const path = join(cacheHome(), part, `${key}.bin`);
  if (!existsSync(path)) return null;
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

/** Store a binary entry (atomically; failure only costs the next run the time). */
export function writeCachedBytes(part: string, key: string, bytes: Uint8Array): boolean {
  try {
    writeAtomic(join(cacheDir(part), `${key}.bin`), bytes);
    return true;
  } catch {
    return false;
  }
}

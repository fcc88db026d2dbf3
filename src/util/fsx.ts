/**
 * Safe output: files are written whole or not at all (temp file + rename), output
 * folders are checked before any work, and nothing the user had is deleted.
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DataError } from '../errors.ts';

/**
 * `mkdir -p` one folder at a time from the nearest existing ancestor. Node's own
 * `recursive: true` loops forever where mkdir fails with ENOENT under an existing parent
 * (e.g. anywhere in /proc); this fails with that error instead.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      // Made meanwhile by another process (shards writing to one folder): fine.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(d).isDirectory()) throw e;
    }
  }
}

/** Create `dir` if needed and check it is a writable folder; throws DataError naming it. */
export function ensureOutDir(dir: string): string {
  try {
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new DataError('exists and is not a folder', `--out ${dir}`);
    makeDirs(dir);
    accessSync(dir, constants.W_OK);
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(`cannot write to this folder: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, `--out ${dir}`);
  }
  return dir;
}

/** Write a file atomically: a temp file next to it, then rename over the target. */
export function writeAtomic(path: string, content: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${process.pid}.${Date.now()}.tmp-${Math.random().toString(36).slice(2)}`);
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* nothing to clean */
    }
    throw new DataError(`cannot write: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, path);
  }
}

/**
 * The list of files memxbar wrote into a folder (one JSON list per folder). A file that
 * exists and is not on it is the user's: memxbar refuses to overwrite it.
 */
export const OWNED_LIST = '.memxbar-files.json';

function ownedFiles(dir: string): Set<string> {
  try {
    const v = JSON.parse(readFileSync(join(dir, OWNED_LIST), 'utf8')) as unknown;
    return new Set(Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  } catch {
    return new Set();
  }
}

/**
 * Write several files: all are rendered first by the caller; each lands atomically. Files
 * already in the folder that memxbar did not write are never overwritten: the whole write
 * is refused, before any file is touched, naming them.
 */
export function writeAllAtomic(dir: string, files: Record<string, string | Uint8Array>): string[] {
  ensureOutDir(dir);
  const owned = ownedFiles(dir);
  const names = Object.keys(files);
  const foreign = names.filter((n) => existsSync(join(dir, n)) && !owned.has(n));
  if (foreign.length) {
    const list = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? `, … (${foreign.length} files)` : '');
    throw new DataError(`would overwrite ${list}, which memxbar did not write; choose another output folder or move ${foreign.length > 1 ? 'them' : 'it'}`, `--out ${dir}`);
  }
  const written: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    makeDirs(dirname(path));
    writeAtomic(path, content);
    written.push(path);
  }
  for (const n of names) owned.add(n);
  writeAtomic(join(dir, OWNED_LIST), JSON.stringify([...owned].sort()) + '\n');
  return written;
}

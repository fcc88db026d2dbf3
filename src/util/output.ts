/**
 * Output folders: the one policy of every command that writes files (run, gen, synth,
 * sweep, merge, cost, cosim, faults, bench, the Slurm scripts).
 *
 * - Owned files. Each output folder keeps `.memxbar-files.json`: the files memxbar wrote
 *   into it (paths relative to the folder) and the command that wrote each. A file that
 *   exists and is not on the list is the user's: it is never overwritten and never deleted;
 *   a write that would replace one is refused whole, naming it.
 * - Checked before the work. `checkOutDir(dir, names)` refuses a path that is a file, a
 *   folder that cannot be made or written, and any of `names` (the files the command will
 *   write; `sub/` stands for everything under `sub`) that memxbar did not write. It leaves
 *   no trace: folders it makes to probe are removed again.
 * - Atomic. Files are written into a hidden stage folder inside the output folder (same
 *   file system) and renamed into place only when all of them were written, in the order
 *   given (so a manifest given last lands last); on an error the stage, and any folder the
 *   write created, are removed: the folder is as it was. A command whose files appear over
 *   a long run (`memxbar run`) opens the stage itself (`openStage`) and commits at the end.
 * - Re-running a command into its own folder replaces its files; with `replace`, the files
 *   that command wrote there before and does not write now are removed (only those).
 *
 * Folders written by older versions count as owned through `legacy` (the file list of a
 * memxbar gen manifest) and `.memxbar-run.json` (the marker of an older `memxbar run`).
 */
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { DataError } from '../errors.ts';

/** The list of the files memxbar wrote into a folder. */
export const OWNED_LIST = '.memxbar-files.json';
/** The marker an older `memxbar run` left (its `files` are owned by `run`). */
const LEGACY_RUN_MARKER = '.memxbar-run.json';
const STAGE_PREFIX = '.memxbar-stage-';

/** A stage folder of a write in progress (or of a killed one). */
export function isStageName(name: string): boolean {
  return name.startsWith(STAGE_PREFIX);
}

/**
 * `mkdir -p` one folder at a time from the nearest existing ancestor. Node's own
 * `recursive: true` loops forever where mkdir fails with ENOENT under an existing parent
 * (e.g. anywhere in /proc); this fails with that error instead. Returns the folders it
 * made, outermost first.
 */
export function makeDirs(dir: string): string[] {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  const made: string[] = [];
  for (const d of missing) {
    try {
      mkdirSync(d);
      made.push(d);
    } catch (e) {
      // Made meanwhile by another process (shards writing to one folder): fine.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(d).isDirectory()) throw e;
    }
  }
  return made;
}

/** Remove folders `makeDirs` made (innermost first), as long as they are empty. */
function removeMade(made: string[]): void {
  for (const d of [...made].reverse()) {
    try {
      if (readdirSync(d).length === 0) rmSync(d, { recursive: true });
    } catch {
      /* left in place */
    }
  }
}

/** Write one file atomically (a temp file next to it, then rename): caches and single files memxbar owns. */
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

/** The files memxbar wrote into `dir`, each with the command that wrote it ('' when unknown). */
export function ownedFiles(dir: string, legacy: readonly { command: string; files: readonly string[] }[] = []): Map<string, string> {
  const owned = new Map<string, string>();
  for (const l of legacy) for (const f of l.files) owned.set(f, l.command);
  try {
    const m = JSON.parse(readFileSync(join(dir, LEGACY_RUN_MARKER), 'utf8')) as { files?: unknown };
    if (Array.isArray(m.files)) for (const f of m.files) if (typeof f === 'string') owned.set(f, 'run');
    owned.set(LEGACY_RUN_MARKER, 'run');
  } catch {
    /* no older run here */
  }
  try {
    const v = JSON.parse(readFileSync(join(dir, OWNED_LIST), 'utf8')) as unknown;
    if (Array.isArray(v)) {
      for (const f of v) if (typeof f === 'string' && !owned.has(f)) owned.set(f, '');
    } else if (v && typeof v === 'object' && typeof (v as { files?: unknown }).files === 'object') {
      for (const [f, c] of Object.entries((v as { files: Record<string, unknown> }).files)) owned.set(f, typeof c === 'string' ? c : '');
    }
  } catch {
    /* no list: nothing here is memxbar's */
  }
  return owned;
}

/** Every file under `dir` (relative paths), skipping owned lists and stages. */
function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e.name === OWNED_LIST || isStageName(e.name)) continue;
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(join(dir, e.name), rel));
    else out.push(rel);
  }
  return out;
}

/** A relative path that stays inside its folder. */
function checkName(name: string): void {
  const parts = name.split('/');
  if (!name || name.startsWith('/') || name.includes('\\') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new Error(`internal: bad output file name ${JSON.stringify(name)}`);
  }
}

export interface OutputOptions {
  /** The command writing (recorded per file; `replace` uses it). */
  command: string;
  /** Files an older memxbar wrote here without an owned list, counted as owned. */
  legacy?: readonly { command: string; files: readonly string[] }[];
  /** Remove the files `command` wrote here before and does not write now. */
  replace?: boolean;
  /** Tests: called after each file is written into the stage (throw to simulate a failure). */
  afterStageWrite?: (name: string, index: number) => void;
}

function foreignIn(dir: string, names: Iterable<string>, legacy: OutputOptions['legacy']): string[] {
  if (!existsSync(dir)) return [];
  const owned = ownedFiles(dir, legacy);
  const foreign: string[] = [];
  for (const n of names) {
    const candidates = n.endsWith('/') ? listFiles(join(dir, n.slice(0, -1)), n.slice(0, -1)) : [n];
    for (const c of candidates) {
      const p = join(dir, c);
      if (existsSync(p) && !owned.has(c) && !foreign.includes(c)) foreign.push(c);
    }
  }
  return foreign;
}

function refuseForeign(dir: string, foreign: string[]): void {
  if (!foreign.length) return;
  const list = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? `, … (${foreign.length} files)` : '');
  throw new DataError(`would overwrite ${list}, which memxbar did not write; choose another output folder or move ${foreign.length > 1 ? 'them' : 'it'}`, `--out ${dir}`);
}

/**
 * Before the work: `dir` is a folder or can be made one, it is writable, and none of
 * `names` is a file memxbar did not write. Folders made to probe are removed again.
 */
export function checkOutDir(dir: string, names: Iterable<string> = [], opts: Pick<OutputOptions, 'legacy'> = {}): void {
  let made: string[] = [];
  try {
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new DataError('exists and is not a folder', `--out ${dir}`);
    made = makeDirs(dir);
    accessSync(dir, constants.W_OK);
  } catch (e) {
    removeMade(made);
    if (e instanceof DataError) throw e;
    throw new DataError(`cannot write to this folder: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, `--out ${dir}`);
  }
  removeMade(made);
  refuseForeign(dir, foreignIn(dir, names, opts.legacy));
}

/** A stage: files are written into `path` (relative names as in the output folder), then committed. */
export interface OutputStage {
  /** The stage folder. */
  readonly path: string;
  /** Stage one file (relative name); files are committed in the order they were staged. */
  write(name: string, content: string | Uint8Array): void;
  /** Every file staged so far (relative paths): those given to `write` in order, then any other file in the stage. */
  files(): string[];
  /** Move every staged file into the output folder (refused whole if one would replace a user's file); returns their paths. */
  commit(): string[];
  /** Remove the stage and every folder it created. */
  abort(): void;
}

/** Is process `pid` alive? (a stage of a dead process is left over from a killed run) */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Open a stage in `dir` (made if missing; removed again by `abort`). */
export function openStage(dir: string, opts: OutputOptions): OutputStage {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new DataError('exists and is not a folder', `--out ${dir}`);
  let made: string[];
  try {
    made = makeDirs(dir);
  } catch (e) {
    throw new DataError(`cannot write to this folder: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, `--out ${dir}`);
  }
  // Stages of killed runs (their process is gone) are removed; a live one is another writer's.
  for (const f of readdirSync(dir)) {
    const pid = Number(f.slice(STAGE_PREFIX.length).split('-')[0]);
    if (isStageName(f) && Number.isInteger(pid) && !alive(pid)) rmSync(join(dir, f), { recursive: true, force: true });
  }
  const path = join(dir, `${STAGE_PREFIX}${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
  try {
    mkdirSync(path);
  } catch (e) {
    removeMade(made);
    throw new DataError(`cannot write to this folder: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, `--out ${dir}`);
  }
  const order: string[] = [];
  const abort = (): void => {
    rmSync(path, { recursive: true, force: true });
    if (made.length) rmSync(made[0]!, { recursive: true, force: true });
  };
  return {
    path,
    write(name: string, content: string | Uint8Array): void {
      checkName(name);
      const p = join(path, name);
      makeDirs(dirname(p));
      writeFileSync(p, content);
      if (!order.includes(name)) order.push(name);
    },
    files: () => {
      const staged = listFiles(path);
      return [...order.filter((f) => staged.includes(f)), ...staged.filter((f) => !order.includes(f))];
    },
    commit(): string[] {
      const files = this.files();
      try {
        refuseForeign(dir, foreignIn(dir, files, opts.legacy));
      } catch (e) {
        abort();
        throw e;
      }
      const owned = ownedFiles(dir, opts.legacy);
      for (const f of files) {
        const dest = join(dir, f);
        makeDirs(dirname(dest));
        renameSync(join(path, f), dest);
      }
      rmSync(path, { recursive: true, force: true });
      if (opts.replace) {
        const now = new Set(files);
        const gone = [...owned].filter(([f, c]) => c === opts.command && !now.has(f)).map(([f]) => f);
        const root = resolve(dir) + sep;
        for (const f of gone) {
          const p = resolve(dir, f);
          if (p.startsWith(root)) rmSync(p, { force: true });
          owned.delete(f);
        }
        pruneEmptyDirs(dir, gone);
      }
      if (owned.has(LEGACY_RUN_MARKER) && !existsSync(join(dir, LEGACY_RUN_MARKER))) owned.delete(LEGACY_RUN_MARKER);
      for (const f of files) owned.set(f, opts.command);
      const list = Object.fromEntries([...owned].filter(([f]) => existsSync(join(dir, f))).sort(([a], [b]) => a.localeCompare(b)));
      writeAtomic(join(dir, OWNED_LIST), JSON.stringify({ tool: 'memxbar', files: list }, null, 1) + '\n');
      order.length = 0;
      return files.map((f) => join(dir, f));
    },
    abort,
  };
}

/**
 * Write `files` (relative name → content, in order) into `dir`: all or nothing, never over
 * a file memxbar did not write. Returns the paths written.
 */
export function writeOutputs(dir: string, files: Record<string, string | Uint8Array> | ReadonlyMap<string, string | Uint8Array>, opts: OutputOptions): string[] {
  const entries = files instanceof Map ? [...files] : Object.entries(files);
  for (const [name] of entries) checkName(name);
  refuseForeign(dir, foreignIn(dir, entries.map(([n]) => n), opts.legacy));
  const stage = openStage(dir, opts);
  try {
    let i = 0;
    for (const [name, content] of entries) {
      stage.write(name, content);
      opts.afterStageWrite?.(name, i++);
    }
  } catch (e) {
    stage.abort();
    if (e instanceof Error && !(e as NodeJS.ErrnoException).code) throw e;
    throw new DataError(`cannot write: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, `--out ${dir}`);
  }
  return stage.commit();
}

/** Remove folders that held only removed files and are now empty. */
function pruneEmptyDirs(dir: string, removed: string[]): void {
  const dirs = new Set<string>();
  for (const f of removed) for (let d = dirname(f); d !== '.' && d !== '/' && d !== ''; d = dirname(d)) dirs.add(d);
  for (const d of [...dirs].sort((a, b) => b.length - a.length)) {
    const p = join(dir, d);
    try {
      if (existsSync(p) && readdirSync(p).length === 0) rmSync(p, { recursive: true });
    } catch {
      /* left in place */
    }
  }
}

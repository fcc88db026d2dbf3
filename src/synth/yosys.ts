/**
 * The one place that runs Yosys (`@yowasp/yosys`, Yosys compiled to WebAssembly).
 * A script is a list of commands; files go in and come out as a flat map of text.
 * Each run happens in its own worker thread, so several runs proceed in parallel and
 * the main thread stays free to report progress. A failed run becomes a ToolError
 * carrying the log; `Warning:` lines are returned with every successful run.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ToolError } from '../errors.ts';
import { createHash } from 'node:crypto';
import { readCachedJson, writeCachedJson } from '../util/cache.ts';

export interface YosysResult {
  /** Files present after the run (inputs included), as text; the log file is not among them. */
  files: Record<string, string>;
  /** The full Yosys log. */
  log: string;
  /** The `Warning:` lines of the log. */
  warnings: string[];
  /** True when the result came from the cache (an identical earlier run, RunOptions.cache). */
  cached?: boolean;
}

const LOG_FILE = 'yosys.log';

const require = createRequire(import.meta.url);
const BUNDLE_PATH = require.resolve('@yowasp/yosys');
const BUNDLE_URL = pathToFileURL(BUNDLE_PATH).href;

/** The version of the @yowasp/yosys package (Yosys version + build). */
export function yosysPackageVersion(): string {
  const pkg = join(dirname(BUNDLE_PATH), '..', 'package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

// Runs inside the worker (CommonJS eval context; dynamic import loads the ESM bundle).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const dec = new TextDecoder();
function flatten(tree, prefix, out) {
  if (!tree) return out;
  for (const [name, v] of Object.entries(tree)) {
    const path = prefix ? prefix + '/' + name : name;
    if (typeof v === 'string') out[path] = v;
    else if (v instanceof Uint8Array) out[path] = dec.decode(v);
    else flatten(v, path, out);
  }
  return out;
}
(async () => {
  const chunks = [];
  const sink = (b) => { if (b) chunks.push(dec.decode(b, { stream: true })); };
  try {
    const { runYosys } = await import(workerData.bundleUrl);
    const tree = await runYosys(workerData.args, workerData.files, { stdout: sink, stderr: sink });
    parentPort.postMessage({ ok: true, files: flatten(tree, '', {}), printed: chunks.join('') });
  } catch (e) {
    parentPort.postMessage({
      ok: false,
      code: typeof e.code === 'number' ? e.code : null,
      message: String(e && e.message || e),
      files: flatten(e && e.files, '', {}),
      printed: chunks.join(''),
    });
  }
})();
`;

type Tree = { [name: string]: Tree | string };

/** Nested tree from `a/b.v`-style names (Yosys sees real directories). */
function toTree(files: Record<string, string>): Tree {
  const root: Tree = {};
  for (const [path, text] of Object.entries(files)) {
    const parts = path.split('/');
    let node = root;
    for (const dir of parts.slice(0, -1)) node = (node[dir] ??= {}) as Tree;
    node[parts[parts.length - 1]!] = text;
  }
  return root;
}

/**
 * The run's time as Yosys reports it (user + system of the log's last `CPU:` line, s; 0 if absent).
 * Under WebAssembly (WASI clocks) this tracks the worker's wall-clock time, so it grows with the
 * machine's load like any wall-clock time.
 */
export function yosysSecondsOf(log: string): number {
  const all = [...log.matchAll(/CPU: user ([0-9.]+)s system ([0-9.]+)s/g)];
  const last = all[all.length - 1];
  return last ? Number(last[1]) + Number(last[2]) : 0;
}

function warningsOf(log: string): string[] {
  return log
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('Warning:'));
}

export interface RunOptions {
  /** Called when the run actually starts (runs wait for a free core). */
  onStart?: () => void;
  /**
   * Reuse the result of an identical earlier run from memxbar's cache folder (default true):
   * same script, same input files, same @yowasp/yosys version. Yosys is deterministic, so the
   * files and log are those this run would produce; `cached` on the result says it was reused.
   */
  cache?: boolean;
}

/** Bump when what runYosys stores changes. */
const YOSYS_CACHE_VERSION = 1;

function runKey(script: readonly string[], files: Record<string, string>): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ version: YOSYS_CACHE_VERSION, yosys: yosysPackageVersion(), script }));
  for (const name of Object.keys(files).sort()) h.update(`${name}\0${files[name]}\0`);
  return h.digest('hex').slice(0, 32);
}

interface WorkerReply {
  ok: boolean;
  code?: number | null;
  message?: string;
  files: Record<string, string>;
  printed: string;
}

// A small semaphore: at most one Yosys per core.
let running = 0;
const waiting: (() => void)[] = [];
const maxParallel = Math.max(1, availableParallelism());

async function acquire(): Promise<void> {
  if (running < maxParallel) {
    running++;
    return;
  }
  await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
}

function release(): void {
  running--;
  waiting.shift()?.();
}

function runInWorker(args: string[], files: Tree): Promise<WorkerReply> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bundleUrl: BUNDLE_URL, args, files } });
    let replied = false;
    worker.once('message', (m: WorkerReply) => {
      replied = true;
      resolve(m);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!replied) reject(new Error(`Yosys worker exited with code ${code} before replying`));
    });
  });
}

/**
 * Run a Yosys script (one command per entry) over an in-memory file tree.
 * Throws ToolError (with the log) when Yosys exits non-zero or traps.
 */
export async function runYosys(script: readonly string[], files: Record<string, string>, opts: RunOptions = {}): Promise<YosysResult> {
  const useCache = opts.cache !== false;
  const key = useCache ? runKey(script, files) : '';
  if (useCache) {
    const hit = readCachedJson<{ key: string; produced: Record<string, string>; log: string }>('yosys', key);
    if (hit?.key === key && typeof hit.log === 'string' && hit.produced && typeof hit.produced === 'object') {
      opts.onStart?.();
      return { files: { ...files, ...hit.produced }, log: hit.log, warnings: warningsOf(hit.log), cached: true };
    }
  }
  const args = ['-q', '-l', LOG_FILE, '-p', script.join('; ')];
  await acquire();
  opts.onStart?.();
  let reply: WorkerReply;
  try {
    reply = await runInWorker(args, toTree(files));
  } catch (e) {
    throw new ToolError(`Yosys could not run: ${(e as Error).message}`, '', 'yosys');
  } finally {
    release();
  }
  const out = { ...reply.files };
  const log = out[LOG_FILE] ?? reply.printed;
  delete out[LOG_FILE];
  if (!reply.ok) {
    const errLine = (reply.printed + '\n' + log).split('\n').find((l) => l.includes('ERROR:'))?.trim();
    const how = reply.code !== null && reply.code !== undefined ? `exit ${reply.code}` : `trap: ${reply.message}`;
    throw new ToolError(`Yosys failed (${how})${errLine ? `: ${errLine}` : ''}`, log + (reply.printed && !log.includes(reply.printed) ? `\n${reply.printed}` : ''), 'yosys');
  }
  if (useCache) {
    // Only what the run made or changed (the inputs are part of the key).
    const produced = Object.fromEntries(Object.entries(out).filter(([name, text]) => files[name] !== text));
    writeCachedJson('yosys', key, { key, produced, log });
  }
  return { files: out, log, warnings: warningsOf(log) };
}

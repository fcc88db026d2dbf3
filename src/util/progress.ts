/**
 * Progress of long jobs on stderr: a redrawn line on a terminal, a plain line every few
 * seconds otherwise (CI logs), nothing when disabled (--quiet, tests).
 *
 * Rendering is synchronous, driven by `tick()`: memxbar's compute loops are synchronous,
 * so a timer-driven progress bar (cli-progress and the like) would never get to draw.
 */
export interface Progress {
  /**
   * Start a phase of `total` steps. `work`: the phase's expected work in any unit (default: one
   * per step), when steps cost unequal time; the ETA then counts work, not steps.
   */
  start(label: string, total: number, work?: number): void;
  /** Advance by `n` steps (0: work done between steps) and `work` units of work (default: n). */
  tick(n?: number, work?: number): void;
  stop(): void;
  /** A one-line message (kept in the log). */
  log(line: string): void;
}

export const silentProgress: Progress = { start() {}, tick() {}, stop() {}, log() {} };

function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * Seconds left when `done` of `total` units of work took `elapsed` seconds: the rest at the
 * same rate (Infinity before any work is done). A phase whose steps cost unequal time counts
 * expected work (Progress.start's `work`), so that its ETA does not jump when slow steps come.
 */
export function etaSeconds(elapsed: number, done: number, total: number): number {
  return done > 0 ? (elapsed / done) * Math.max(0, total - done) : Infinity;
}

/** `now`: the clock in milliseconds (tests pass their own). */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr, now: () => number = Date.now): Progress {
  const tty = !!stream.isTTY;
  const every = tty ? 150 : 5000;
  let label = '';
  let total = 0;
  let done = 0;
  let workTotal = 0;
  let workDone = 0;
  let t0 = 0;
  let last = 0;
  let active = false;
  const line = () => {
    const s = (now() - t0) / 1000;
    const eta = etaSeconds(s, workDone, workTotal);
    const pct = total > 0 ? (100 * done) / total : 100;
    const width = 30;
    const filled = Math.round((width * pct) / 100);
    const bar = tty ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : '';
    return `${label.padEnd(30)} ${bar}${done}/${total} ${pct.toFixed(0)}% | ${duration(s)} elapsed, ETA ${duration(eta)}`;
  };
  const draw = (final = false) => {
    if (tty) stream.write(`\r${line()}\x1b[K${final ? '\n' : ''}`);
    else stream.write(`${line()}\n`);
    last = now();
  };
  return {
    start(l, t, work = t) {
      if (active) this.stop();
      label = l;
      total = t;
      done = 0;
      workTotal = work;
      workDone = 0;
      t0 = now();
      active = true;
      draw();
    },
    tick(n = 1, work = n) {
      done += n;
      workDone += work;
      if (now() - last >= every) draw();
    },
    stop() {
      if (!active) return;
      active = false;
      draw(true);
    },
    log(l) {
      if (tty && active) stream.write(`\r\x1b[K${l}\n`);
      else stream.write(`${l}\n`);
      if (tty && active) draw();
    },
  };
}

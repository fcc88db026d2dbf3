/**
 * Progress of long jobs on stderr: a redrawn line on a terminal, a plain line every few
 * seconds otherwise (CI logs), nothing when disabled (--quiet, tests).
 *
 * Rendering is synchronous, driven by `tick()`: memxbar's compute loops are synchronous,
 * so a timer-driven progress bar (cli-progress and the like) would never get to draw.
 */
export interface Progress {
  /** Start a phase of `total` steps. */
  start(label: string, total: number): void;
  /** Advance by `n` steps. */
  tick(n?: number): void;
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

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = !!stream.isTTY;
  const every = tty ? 150 : 5000;
  let label = '';
  let total = 0;
  let done = 0;
  let t0 = 0;
  let last = 0;
  let active = false;
  const line = () => {
    const s = (Date.now() - t0) / 1000;
    const eta = done > 0 ? (s / done) * (total - done) : Infinity;
    const pct = total > 0 ? (100 * done) / total : 100;
    const width = 30;
    const filled = Math.round((width * pct) / 100);
    const bar = tty ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : '';
    return `${label.padEnd(30)} ${bar}${done}/${total} ${pct.toFixed(0)}% | ${duration(s)} elapsed, ETA ${duration(eta)}`;
  };
  const draw = (final = false) => {
    if (tty) stream.write(`\r${line()}\x1b[K${final ? '\n' : ''}`);
    else stream.write(`${line()}\n`);
    last = Date.now();
  };
  return {
    start(l, t) {
      if (active) this.stop();
      label = l;
      total = t;
      done = 0;
      t0 = Date.now();
      active = true;
      draw();
    },
    tick(n = 1) {
      done += n;
      if (Date.now() - last >= every) draw();
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

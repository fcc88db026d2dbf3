/**
 * Progress of long jobs on stderr: a bar on a terminal, a line every few seconds
 * otherwise (CI logs), nothing when disabled (--quiet, tests).
 */
import cliProgress from 'cli-progress';

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

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  let bar: cliProgress.SingleBar | null = null;
  let value = 0;
  return {
    start(label, total) {
      bar?.stop();
      value = 0;
      bar = new cliProgress.SingleBar(
        {
          stream,
          format: `${label.padEnd(28)} [{bar}] {value}/{total} {percentage}% | {duration_formatted} elapsed, ETA {eta_formatted}`,
          noTTYOutput: true,
          notTTYSchedule: 5000,
          hideCursor: false,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0);
    },
    tick(n = 1) {
      value += n;
      bar?.update(value);
    },
    stop() {
      bar?.stop();
      bar = null;
    },
    log(line) {
      stream.write(`${line}\n`);
    },
  };
}

import { describe, expect, it } from 'vitest';
import { etaSeconds, terminalProgress } from '../../src/util/progress.ts';

/** A non-terminal stream that keeps the lines written to it. */
function fakeStream() {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => lines.push(...s.split('\n').filter((l) => l.length > 0)) } as unknown as NodeJS.WriteStream;
  return { lines, stream };
}

/** The ETA of a progress line in seconds ("ETA 1m10s", "ETA 40s"). */
function etaOf(line: string): number {
  const m = /ETA (?:(\d+)m)?(\d+)s$/.exec(line);
  if (!m) throw new Error(`no ETA in "${line}"`);
  return Number(m[1] ?? 0) * 60 + Number(m[2]);
}

describe('progress ETA', () => {
  it('is the rest of the work at the rate so far', () => {
    expect(etaSeconds(10, 1, 4)).toBe(30);
    expect(etaSeconds(10, 4, 4)).toBe(0);
    expect(etaSeconds(0, 0, 4)).toBe(Infinity);
  });

  // Four steps, the last two slow (as a sweep's MT-map points at 50 % stuck cells were): each
  // step takes 10 s per unit of its work. Every line is drawn (the clock moves ≥ 5 s per step).
  const work = [1, 1, 6, 6];
  const run = (weighted: boolean) => {
    const { lines, stream } = fakeStream();
    let clock = 0;
    const bar = terminalProgress(stream, () => clock);
    bar.start('sweep', work.length, weighted ? work.reduce((s, w) => s + w, 0) : undefined);
    for (const w of work) {
      clock += w * 10_000;
      bar.tick(1, weighted ? w : undefined);
    }
    bar.stop();
    return lines.slice(1, 1 + work.length).map(etaOf); // the line after each step
  };
  it('weighted by each step\'s expected cost, it is the true time left after every step', () => {
    expect(run(true)).toEqual([130, 120, 60, 0]);
  });
  it('counting steps instead, it jumps when the slow steps come (the behaviour the weights fix)', () => {
    expect(run(false)).toEqual([30, 20, 27, 0]);
  });
});

/**
 * The in-order checker: the testbench's output words (testbench/memxbar_cosim_tb.v `+out`)
 * against the expected words, stopping at the first difference.
 */
import type { Design } from '../rtl/design.ts';

export interface OutWord {
  vector: number;
  index: number;
  /** null: the word had X or Z bits (4-state simulators). */
  value: bigint | null;
  raw: string;
  /** Rising clock edges since time 0 when the word was taken. */
  cycle: number;
}

export interface SimOutput {
  words: OutWord[];
  /** Cycle of an X/Z on a control output (act_ready, psum_out_valid/last/index), if any. */
  xControlCycle: number | null;
}

export function parseSimOutput(text: string, d: Design): SimOutput {
  const words: OutWord[] = [];
  let xControlCycle: number | null = null;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 2 || f[0] === '') continue;
    if (f[0] === 'X') {
      xControlCycle = Number(f[1]);
      continue;
    }
    const [v, idx, data, cycle] = f as [string, string, string, string | undefined];
    let value: bigint | null = null;
    if (/^[0-9a-fA-F]+$/.test(data)) {
      value = BigInt(`0x${data}`);
      if (value >= 1n << BigInt(d.psumBits - 1)) value -= 1n << BigInt(d.psumBits);
    }
    words.push({ vector: Number(v), index: /^\d+$/.test(idx) ? Number(idx) : -1, value, raw: data, cycle: Number(cycle ?? -1) });
  }
  return { words, xControlCycle };
}

export type MismatchKind = 'value' | 'x' | 'index' | 'missing' | 'x-control';

export interface WordMismatch {
  kind: MismatchKind;
  /** Vector (position in the run) and weight column of the word. */
  vector: number;
  column: number;
  expected: bigint;
  /** Printed data as the simulator wrote it (hex; may contain x/z), or null when missing. */
  got: string | null;
  gotValue: bigint | null;
  cycle: number | null;
  /** Run (chunk of vectors) of the word; cycles count from 0 in each run. */
  run: number;
  /** Cycle at which the tile gave the previous vector's last word in the same run (0: none), the start of the failing window. */
  windowStart: number;
}

/** First word that differs (value, X/Z bits, wrong index, missing), or null on a full match. */
export function firstMismatch<W extends OutWord>(d: Design, out: { words: W[]; xControlCycle: number | null }, expected: readonly (readonly bigint[])[], runOf: (vector: number) => number = () => 0): WordMismatch | null {
  const Wc = d.weightCols;
  let prevEnd = 0;
  for (let v = 0; v < expected.length; v++) {
    if (v > 0 && runOf(v) !== runOf(v - 1)) prevEnd = 0;
    for (let o = 0; o < Wc; o++) {
      const w = out.words[v * Wc + o];
      const exp = expected[v]![o]!;
      const base = { vector: v, column: o, expected: exp, windowStart: prevEnd, run: runOf(v) };
      if (!w) {
        if (out.xControlCycle !== null) return { ...base, kind: 'x-control', got: null, gotValue: null, cycle: out.xControlCycle };
        return { ...base, kind: 'missing', got: null, gotValue: null, cycle: null };
      }
      if (w.value === null) return { ...base, kind: 'x', got: w.raw, gotValue: null, cycle: w.cycle };
      if (w.vector !== v || w.index !== o) return { ...base, kind: 'index', got: `${w.raw} (vector ${w.vector}, index ${w.index})`, gotValue: w.value, cycle: w.cycle };
      if (w.value !== exp) return { ...base, kind: 'value', got: w.raw, gotValue: w.value, cycle: w.cycle };
    }
    prevEnd = out.words[v * Wc + Wc - 1]!.cycle;
  }
  return null;
}

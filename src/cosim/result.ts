/**
 * What a co-simulation returns (CosimResult, MismatchReport) and its human-readable text: one
 * line on a match, the first mismatch in full otherwise.
 */
import type { WordMismatch } from './compare.ts';
import type { Diagnosis } from './diagnose.ts';
import type { SimulatorName } from './simulators/index.ts';
import type { TileVectors } from './tile.ts';

export interface MismatchReport {
  kind: WordMismatch['kind'];
  layer: string;
  layerIndex: number;
  tile: { rt: number; ct: number };
  /** Position of the vector in this run's vector set, and the patch it is. */
  vector: number;
  patch: number;
  patchText: string;
  /** Weight column of the tile (psum_out_index) and the layer output it computes (null: none). */
  column: number;
  output: number | null;
  cycle: number | null;
  run: number;
  window: { from: number; to: number } | null;
  expected: string;
  got: string | null;
  diagnosis: Diagnosis | null;
  vcd: string | null;
}

export interface CosimResult {
  ok: boolean;
  simulator: SimulatorName;
  vectors: number;
  words: number;
  /** Output words as the tile gave them, per vector (null: X/Z bits or missing). */
  got: (bigint | null)[][];
  buildSeconds: number;
  simulateSeconds: number;
  /** Clock cycles simulated (summed over runs, to the last word of each). */
  cycles: number;
  runs: number;
  mismatch: MismatchReport | null;
  /** Files written to the out folder. */
  files: string[];
  text: string;
}

const KIND_TEXT: Record<MismatchReport['kind'], string> = {
  value: 'wrong value',
  x: 'X/Z bits in the word',
  index: 'word out of order (psum_out_index)',
  missing: 'word missing (the tile stopped producing words)',
  'x-control': 'X/Z on a control output (act_ready, psum_out_valid/last/index)',
};

export function successText(r: Pick<CosimResult, 'simulator' | 'vectors' | 'words' | 'simulateSeconds' | 'buildSeconds'>, label: string, tv: Pick<TileVectors, 'rt' | 'ct'>): string {
  return (
    `MATCH ${label}, tile (${tv.rt}, ${tv.ct}): ${r.vectors} vectors, ${r.words} output words identical to the reference model ` +
    `(${r.simulator}; simulation ${r.simulateSeconds.toFixed(1)} s, build ${r.buildSeconds.toFixed(1)} s)\n`
  );
}

export function mismatchText(m: MismatchReport): string {
  const L: [string, string][] = [];
  L.push(['kind', KIND_TEXT[m.kind]]);
  L.push(['layer', `${m.layer} (compute layer ${m.layerIndex})`]);
  L.push(['tile', `row tile ${m.tile.rt}, column tile ${m.tile.ct}`]);
  L.push(['vector', `${m.vector} of this run = ${m.patchText} (patch index ${m.patch})`]);
  L.push(['column', `weight column ${m.column} of the tile (psum_out_index) = ${m.output === null ? 'no layer output (unused column)' : `layer output ${m.output}`}`]);
  L.push(['cycle', m.cycle === null ? 'unknown (no word)' : `${m.cycle} (rising clock edges since time 0, run ${m.run})`]);
  L.push(['expected', m.expected]);
  L.push(['got', m.got ?? 'nothing']);
  const dg = m.diagnosis;
  if (dg) {
    if (dg.bit !== null) {
      const rows = dg.rows.length > 12 ? `${dg.rows.slice(0, 12).join(', ')}, … (${dg.rows.length} rows)` : dg.rows.join(', ');
      L.push(['input bit', `${dg.bit}`]);
      L.push(['row group', `${dg.group} (local logical rows with bit ${dg.bit} set: ${rows})`]);
      L.push(['that read alone', `expected ${dg.pieceExpected}, got ${dg.pieceGot ?? 'X/none'}`]);
    } else {
      L.push(['input bit', 'not localized']);
    }
    if (dg.unit) {
      const c = dg.unit.columns;
      L.push(['unit', `${dg.unit.unit} (physical column ${c.pos}${c.neg >= 0 ? ` minus column ${c.neg}` : ''} of the subarray): 2^k·n expected ${dg.unit.expected}, got ${dg.unit.got ?? 'X/none'}`]);
    } else if (dg.unitsProbed > 0) {
      L.push(['unit', `all ${dg.unitsProbed} units of the column agree`]);
    }
    L.push(['diagnosis', dg.note]);
  }
  if (m.window) L.push(['window', `cycles ${m.window.from}..${m.window.to} of run ${m.run}`]);
  L.push(['VCD', m.vcd ?? 'not written']);
  const w = Math.max(...L.map(([k]) => k.length));
  return `MISMATCH\n${L.map(([k, v]) => `  ${k.padEnd(w)} : ${v}`).join('\n')}\n`;
}

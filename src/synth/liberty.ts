/**
 * memxbar45: the small Liberty library shipped in assets/liberty/ for area reports
 * (cell areas of the NanGate FreePDK45 Open Cell Library; docs/rtl.md lists them).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/load.ts';

export const LIBERTY_NAME = 'memxbar45';
/** Path relative to the project root (reports never carry absolute paths). */
export const LIBERTY_RELPATH = 'assets/liberty/memxbar45.lib';
export const LIBERTY_PATH = join(PROJECT_ROOT, LIBERTY_RELPATH);

let cached: string | undefined;
export function libertyText(): string {
  cached ??= readFileSync(LIBERTY_PATH, 'utf8');
  return cached;
}

export interface LibertyCell {
  name: string;
  areaUm2: number;
}

/** The cells of a Liberty text with their areas (a minimal reader: `cell (X) { area : N;`). */
export function libertyCells(text: string = libertyText()): LibertyCell[] {
  const cells: LibertyCell[] = [];
  const re = /cell\s*\(\s*"?(\w+)"?\s*\)\s*\{\s*area\s*:\s*([0-9.]+)\s*;/g;
  for (let m = re.exec(text); m; m = re.exec(text)) cells.push({ name: m[1]!, areaUm2: Number(m[2]) });
  return cells;
}

// The table of docs/results/README.md "Accuracy under variation, read noise and drift" from accuracy.csv.
// Run: npx tsx docs/results/array-effects-accuracy/table.ts docs/results/array-effects-accuracy/accuracy.csv
import { readFileSync } from 'node:fs';
import { wilsonLabel } from '../../../src/util/wilson.ts';

const [, ...lines] = readFileSync(process.argv[2] ?? 'accuracy.csv', 'utf8').trim().split('\n');
const counts = new Map<string, [number, number]>();
const cell = { get: (k: string) => (counts.has(k) ? wilsonLabel(...counts.get(k)!) : undefined) };
const settings: { key: string; study: string; x: number; label: string }[] = [];
for (const line of lines) {
  const m = /^"([^"]*)",([^,]*),"([^"]*)",([^,]*),([^,]*),([^,]*),([^,]*),([^,]*),/.exec(line);
  if (!m) throw new Error(`not a row of accuracy.csv: ${line}`);
  const [study, x, label, rate, , mit, n, correct] = m.slice(1) as [string, string, string, string, string, string, string, string];
  const key = `${study}|${x}`;
  if (!settings.some((s) => s.key === key)) settings.push({ key, study, x: Number(x), label });
  const k = `${key}|${rate}|${mit}`;
  const prev = counts.get(k) ?? [0, 0]; // rows of one point from runs over different images (FIRST=) add up
  counts.set(k, [prev[0] + Number(correct), prev[1] + Number(n)]);
}
const order = ['none', 'programming variation (cycle-to-cycle σ)', 'programming variation (device-to-device σ)', 'read noise (proportional k, + PytorX thermal/shot/RTN)', 'drift (aihwkit PCM ν, seconds after programming)'];
settings.sort((a, b) => order.indexOf(a.study) - order.indexOf(b.study) || a.x - b.x);
const name = (s: (typeof settings)[number]) => {
  if (s.study === 'none') return 'ideal array (no effect)';
  if (s.study.startsWith('drift')) {
    const t = s.x;
    const human = t < 60 ? `${t} s` : t < 86400 ? `${t / 3600} h` : t < 3e7 ? `${t / 86400} day${t === 86400 ? '' : 's'}` : `${+(t / 31557600).toFixed(2)} year${t === 31557600 ? '' : 's'}`;
    return `drift, ${human}`;
  }
  if (s.study.includes('cycle-to-cycle')) return `cycle-to-cycle σ ${s.x}`;
  if (s.study.includes('device-to-device')) return `device-to-device σ ${s.x}`;
  return `read noise k ${s.x} + thermal/shot/RTN`;
};
console.log('| effect | 0 % stuck, none | 10 % stuck, none | 10 % stuck, MT-map |'); // top-1 (correct/images; 95 % Wilson interval)
console.log('|---|---:|---:|---:|');
for (const s of settings) console.log(`| ${name(s)} | ${cell.get(`${s.key}|0|none`) ?? '—'} | ${cell.get(`${s.key}|0.1|none`) ?? '—'} | ${cell.get(`${s.key}|0.1|mt-map`) ?? '—'} |`);

// CPU time per image of the fast engine with each array effect alone and every effect on against
// off, one thread, in one process (docs/results/README.md "The fast engine with every array effect on").
// Run: N=3 npx tsx docs/results/effects-speed/measure.ts [name ...]   (names: a, d2d, c2c, wan, incremental, drift, noise, d; none = all)
// (a): the run default with 5 % stuck cells (5:1); (d): the same plus every effect of `npm run bench` row (d).
import { parseOverride, resolveConfig } from '../../../src/config/load.ts';
import { fastEngine, fastEnginePaths } from '../../../src/engine/fast.ts';
import { forwardInt } from '../../../src/nn/quant.ts';
import { programCrossbar } from '../../../src/session/eval.ts';
import { inputCodes, prepare } from '../../../src/session/prepare.ts';
const A = ['faults.rate=0.05', 'faults.sa1Sa0Ratio="5:1"'];
const EFFECTS: [string, string[]][] = [
  ['d2d', ['device.variation.deviceToDevice=0.05']],
  ['c2c', ['device.variation.cycleToCycle=0.05']],
  ['wan', ['device.variation.levelModel="reram-wan"']],
  ['incremental', ['device.programming.scheme="incremental"']],
  ['drift', ['device.drift.model="pcm-aihwkit"', 'device.readTimeSeconds=31557600']],
  ['noise', ['device.readNoise.thermalShot=true', 'device.readNoise.rtn=true', 'device.readNoise.proportional=0.02']],
];
const D = [...A, ...EFFECTS.flatMap(([, o]) => o)];
const cfgOf = (o: string[]) => resolveConfig({ file: 'assets/run-default.json', overrides: o.map(parseOverride) });
const p = prepare(cfgOf(A));
const n = Number(process.env.N ?? 3);
const runs: [string, string, string[]][] = [['a', '(a) effects off', A], ...EFFECTS.map(([k, o]): [string, string, string[]] => [k, `${k} alone`, [...A, ...o]]), ['d', '(d) every effect on', D]];
const want = process.argv.slice(2);
for (const [key, name, o] of runs) {
  if (want.length && !want.includes(key)) continue;
  const xb = programCrossbar(p, cfgOf([...o]));
  const fe = fastEngine(xb, 1);
  forwardInt(p.qn, inputCodes(p, 0), fe); // warm-up
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) forwardInt(p.qn, inputCodes(p, i), fe);
  const c = process.cpuUsage(c0);
  console.log(`${name}: ${((c.user + c.system) / 1e6 / n).toFixed(3)} CPU s per image (1 thread, ${n} images; paths ${[...new Set(fastEnginePaths(xb))].join(', ')})`);
}

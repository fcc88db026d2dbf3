import { cpus, loadavg } from 'node:os';
import { resolveConfig } from '../../../src/config/load.ts';
import { benchProgramming } from '../../../src/bench/flowBench.ts';
import { RUN_DEFAULT_CONFIG } from '../../../src/run/flow-defaults.ts';
import { prepare } from '../../../src/session/prepare.ts';
const p = prepare(resolveConfig({ file: RUN_DEFAULT_CONFIG }));
console.log('load before', loadavg().map((x) => x.toFixed(1)).join(' '), cpus()[0]?.model);
for (const t of benchProgramming(p)) console.log(JSON.stringify(t));
console.log('load after', loadavg().map((x) => x.toFixed(1)).join(' '));

// node time-flow.mjs <dump.json> <on|off>: one ASIC flow, cache off, CPU s of this process (JSON on stdout)
import { readFileSync } from 'node:fs';
const { runAsic } = await import(new URL('../../../dist/synth/flows.js', import.meta.url).pathname);
const d = JSON.parse(readFileSync(process.argv[2], 'utf8'))[process.argv[3]];
const c0 = process.cpuUsage();
const r = await runAsic(d.top, d.verilog, [], { cache: false }, d.macro);
const c = process.cpuUsage(c0);
console.log(JSON.stringify({ dump: process.argv[2], flow: process.argv[3], cpuS: (c.user + c.system) / 1e6, yosysS: r.yosysS, areaUm2: r.totalAreaUm2, cells: r.totalCells, transistors: r.totalTransistors, modules: r.modules.map((m) => ({ module: m.module, areaUm2: m.areaUm2, cells: m.cells, transistors: m.transistors, instances: m.instances })) }, null, 1));

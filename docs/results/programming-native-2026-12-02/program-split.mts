const ROOT = process.env.ROOT!;
const { native } = await import(`${ROOT}/src/native/addon.ts`);
const k = native() as any;
const spent: Record<string, number> = {};
for (const name of ['mtOffsetPlan', 'mtOffsetCosts', 'mtOffsetMap', 'mtPairsMap', 'drawFaultCells', 'cellConductances']) {
  const f = k[name]; if (typeof f !== 'function') continue;
  k[name] = (...a: any[]) => { const c0 = process.cpuUsage(); const r = f.apply(k, a); const c = process.cpuUsage(c0); spent[name] = (spent[name] ?? 0) + (c.user + c.system) / 1e6; return r; };
}
const { resolveConfig } = await import(`${ROOT}/src/config/load.ts`);
const { prepare } = await import(`${ROOT}/src/session/prepare.ts`);
const { RUN_DEFAULT_CONFIG } = await import(`${ROOT}/src/run/flow.ts`);
const { drawFaults } = await import(`${ROOT}/src/crossbar/faults.ts`);
const { activityOf, programCrossbarWithFaults } = await import(`${ROOT}/src/session/eval.ts`);
const { OPTION_DEFAULTS } = await import(`${ROOT}/src/config/schema.ts`);
const p = prepare(resolveConfig({ file: RUN_DEFAULT_CONFIG }));
const base = { ...p.cfg, mitigation: { ...p.cfg.mitigation, method: 'mt-map' } };
activityOf(p, base);
for (const rate of (process.env.RATES ?? '0.5').split(',').map(Number)) for (const ratio of OPTION_DEFAULTS.run.ratios) for (let rep = 0; rep < 2; rep++) {
  for (const key of Object.keys(spent)) spent[key] = 0;
  const cfg = { ...base, faults: { ...base.faults, rate, sa1Sa0Ratio: ratio, mapFile: null } };
  const c0 = process.cpuUsage(); const t0 = performance.now();
  programCrossbarWithFaults(p, cfg, (layers: any) => drawFaults(layers, rate, ratio, cfg.faults.seed), { native: true });
  const c = process.cpuUsage(c0); const total = (c.user + c.system) / 1e6;
  const nat = Object.values(spent).reduce((a, b) => a + b, 0);
  if (rep) console.log(rate, ratio.text, 'total CPU', total.toFixed(3), '| native', Object.entries(spent).map(([a, b]) => `${a} ${b.toFixed(3)}`).join(', '), '| rest (TypeScript)', (total - nat).toFixed(3));
}

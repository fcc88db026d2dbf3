const ROOT = process.env.ROOT!;
const { resolveConfig } = await import(`${ROOT}/src/config/load.ts`);
const { prepare } = await import(`${ROOT}/src/session/prepare.ts`);
const { RUN_DEFAULT_CONFIG } = await import(`${ROOT}/src/run/flow.ts`);
const { drawFaults } = await import(`${ROOT}/src/crossbar/faults.ts`);
const { activityOf, programCrossbarWithFaults } = await import(`${ROOT}/src/session/eval.ts`);
const { OPTION_DEFAULTS } = await import(`${ROOT}/src/config/schema.ts`);
const p = prepare(resolveConfig({ file: RUN_DEFAULT_CONFIG }));
const base = { ...p.cfg, mitigation: { ...p.cfg.mitigation, method: 'mt-map' } };
activityOf(p, base);
const rates = (process.env.RATES ?? '0.5').split(',').map(Number);
for (let rep = 0; rep < Number(process.env.REPS ?? 2); rep++) for (const ratio of OPTION_DEFAULTS.run.ratios) for (const rate of rates) {
  const cfg = { ...base, faults: { ...base.faults, rate, sa1Sa0Ratio: ratio, mapFile: null } };
  const c0 = process.cpuUsage(); const t0 = performance.now();
  programCrossbarWithFaults(p, cfg, (layers: any) => drawFaults(layers, rate, ratio, cfg.faults.seed), { native: true });
  const c = process.cpuUsage(c0);
  console.log(rep, rate, ratio.text, ((performance.now() - t0) / 1000).toFixed(3), 'wall', ((c.user + c.system) / 1e6).toFixed(3), 'cpu');
}

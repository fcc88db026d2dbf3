// The programming rows of `npm run bench` (src/bench/flowBench.ts benchProgramming) alone, formatted as the bench prints them.
const ROOT = process.env.ROOT!;
const { resolveConfig } = await import(`${ROOT}/src/config/load.ts`);
const { prepare } = await import(`${ROOT}/src/session/prepare.ts`);
const { RUN_DEFAULT_CONFIG } = await import(`${ROOT}/src/run/flow.ts`);
const { benchProgramming } = await import(`${ROOT}/src/bench/flowBench.ts`);
const { kernelThreads } = await import(`${ROOT}/src/native/addon.ts`);
const p = prepare(resolveConfig({ file: RUN_DEFAULT_CONFIG }));
console.log(`# ${new Date().toISOString()}, ${kernelThreads()} kernel threads`);
for (const t of benchProgramming(p)) {
  const ts = t.typescriptSeconds === null ? '' : `; TypeScript version ${t.typescriptSeconds.toFixed(2)} s (native ${(t.typescriptSeconds / t.seconds).toFixed(1)}× faster)`;
  console.log(`program the crossbar, MT-map with descent, ${(t.rate * 100).toFixed(1)} % stuck ${t.ratio}: ${t.seconds.toFixed(2)} s native (${t.cpuSeconds.toFixed(2)} CPU s)${ts}`);
}

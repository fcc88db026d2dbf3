// node dump-flows.mjs <out.json>: the Verilog of both ASIC flows of the default run's tile (from dist/; npm run build first)
import { writeFileSync } from 'node:fs';
const root = new URL('../../../dist', import.meta.url).pathname;
const { resolveConfig } = await import(`${root}/config/load.js`);
const { asicMacros } = await import(`${root}/synth/synthesize.js`);
const { generateFromManifest, generateRtl } = await import(`${root}/rtl/generate.js`);
const { RUN_DEFAULT_CONFIG } = await import(`${root}/run/flow-defaults.js`);
const config = resolveConfig({ file: RUN_DEFAULT_CONFIG });
const gen = generateRtl({ config });
const other = generateFromManifest(gen.manifest, { mt: !gen.manifest.options.mt });
const out = {};
for (const g of [gen, other]) {
  out[g.manifest.options.mt ? 'on' : 'off'] = { top: g.manifest.top, verilog: Object.fromEntries([...g.files].filter(([n]) => n.endsWith('.v'))), macro: asicMacros(g.manifest) };
}
writeFileSync(process.argv[2], JSON.stringify(out));

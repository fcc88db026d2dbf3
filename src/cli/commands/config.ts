import type { Command } from 'commander';
import { addConfigOptions, configFromOptions, out, type CommonOptions } from '../common.ts';

export function register(program: Command): void {
  addConfigOptions(
    program
      .command('config')
      .description('print the resolved config (defaults ← preset ← file ← flags), its JSON Schema, or the presets')
      .option('--schema', 'print the JSON Schema of config files instead')
      .option('--presets', 'list the presets with their sources')
      .option('--reference', 'print the Markdown reference of every field (as in docs/config.md)'),
  ).action(async (o: CommonOptions & { schema?: boolean; presets?: boolean; reference?: boolean }) => {
    const [{ configJsonSchema }, { configReferenceMarkdown }, { loadPreset, presetNames }] = await Promise.all([
      import('../../config/schema.ts'),
      import('../../config/reference-doc.ts'),
      import('../../config/load.ts'),
    ]);
    if (o.reference) return void process.stdout.write(configReferenceMarkdown());
    if (o.schema) return out(JSON.stringify(configJsonSchema(), null, 2));
    if (o.presets) {
      for (const name of presetNames()) out(`${name}: ${loadPreset(name).source}`);
      return;
    }
    out(JSON.stringify(await configFromOptions(o), null, 2));
  });
}

/**
 * `memxbar run`'s default config file (its option defaults are in the config schema, OPTION_DEFAULTS.run), apart from src/run/flow.ts so that the CLI's help shows them without
 * loading the flow (and everything it imports).
 */
import { join } from 'node:path';
import { PROJECT_ROOT } from '../paths.ts';

/** The config `memxbar run` uses without --config or --preset: neurosim-v1.4 with 32-row reads (docs: README). */
export const RUN_DEFAULT_CONFIG = join(PROJECT_ROOT, 'assets', 'run-default.json');


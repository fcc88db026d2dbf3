/**
 * Where memxbar's own files are (presets/, templates/, assets/, testbench/, build/): the package
 * root, two folders above this module both as src/paths.ts and compiled as dist/paths.js.
 * No imports beyond Node's, so the CLI can load it without loading the rest.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

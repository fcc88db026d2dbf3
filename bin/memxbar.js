#!/usr/bin/env node
// memxbar command-line entry. Runs the compiled JavaScript in dist/ (built by `npm ci` through
// package.json "prepare", bin/build.js), which starts in about a tenth of a second. When dist/ is
// missing or older than any source (an edited checkout, see bin/fresh.js) it runs the TypeScript
// sources through tsx instead (a few seconds to start), so it never runs stale code.
import { distIsFresh } from './fresh.js';

let main;
if (process.env.MEMXBAR_FROM_SOURCES !== '1' && distIsFresh()) {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv);

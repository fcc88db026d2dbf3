import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Tests never read or fill the user's cache folder (util/cache.ts): one fresh folder per test run.
process.env.MEMXBAR_CACHE_DIR ??= mkdtempSync(join(tmpdir(), 'memxbar-test-cache-'));

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});

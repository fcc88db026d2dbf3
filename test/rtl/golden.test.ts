/**
 * The committed golden RTL (test/golden/<name>/rtl) must be exactly what the generator
 * produces from test/golden/<name>/config.json. After an intended change, regenerate:
 *   npx memxbar gen --config test/golden/<name>/config.json --out test/golden/<name>/rtl
 */
import { describe, expect, it } from 'vitest';
import { checkRtl, generateRtl } from '../../src/rtl/generate.ts';
import { GOLDEN_NAMES, goldenConfig, goldenRtlDir } from './configs.ts';

describe('golden RTL', () => {
  for (const name of GOLDEN_NAMES) {
    it(`${name} is up to date`, () => {
      const r = checkRtl(goldenRtlDir(name), generateRtl({ config: goldenConfig(name) }));
      expect(r.ok, `${r.message}\nregenerate: npx memxbar gen --config test/golden/${name}/config.json --out test/golden/${name}/rtl`).toBe(true);
    });
  }
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activityKey, cachedRowActivity, rowActivity } from '../../src/mitigation/row-activity.ts';
import { tinyQuant } from '../helpers.ts';

describe('row activity cache', () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.MEMXBAR_CACHE_DIR;
    process.env.MEMXBAR_CACHE_DIR = mkdtempSync(join(tmpdir(), 'memxbar-act-cache-'));
  });
  afterEach(() => {
    process.env.MEMXBAR_CACHE_DIR = saved;
  });

  it('reads back exactly what rowActivity measures, covariances included', () => {
    const { qn, pixels, size } = tinyQuant(3);
    const a = cachedRowActivity(qn, pixels, size, 6, 4);
    const b = cachedRowActivity(qn, pixels, size, 6, 4);
    expect(a.fromCache).toBe(false);
    expect(b.fromCache).toBe(true);
    const direct = rowActivity(qn, pixels, size, 6, 4);
    expect(b.rows).toEqual(direct);
    expect(b.rows.every((r) => r.covariance !== undefined)).toBe(true);
    // Without tile rows: no covariances, another key.
    const c = cachedRowActivity(qn, pixels, size, 6);
    expect(c.fromCache).toBe(false);
    expect(c.rows).toEqual(rowActivity(qn, pixels, size, 6));
  });

  it('the key follows the weights, the images, their number and the tile rows', () => {
    const { qn, pixels, size } = tinyQuant(3);
    const k = activityKey(qn, pixels, size, 6, 4);
    expect(activityKey(qn, pixels, size, 5, 4)).not.toBe(k);
    expect(activityKey(qn, pixels, size, 6, 8)).not.toBe(k);
    const px = pixels.slice();
    px[1] ^= 1;
    expect(activityKey(qn, px, size, 6, 4)).not.toBe(k);
    qn.layers[1]!.qWeight[0]! += 1;
    expect(activityKey(qn, pixels, size, 6, 4)).not.toBe(k);
  });
});

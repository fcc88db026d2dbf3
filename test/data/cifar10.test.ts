/** CIFAR-10 binary reader: hand-built files, every malformed file, the shipped samples. */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config/load.ts';
import {
  CIFAR10_META,
  CIFAR10_RECORD_BYTES,
  CIFAR10_TEST_SAMPLE,
  CIFAR10_TRAIN_SAMPLE,
  cifar10InputSpec,
  preprocess,
  readCifar10,
  readCifar10ClassNames,
} from '../../src/data/cifar10.ts';
import { DataError } from '../../src/errors.ts';
import type { InputSpec } from '../../src/nn/graph.ts';

const SHARED = join(PROJECT_ROOT, '..', 'shared', 'cifar10');

/** A record whose label is `label` and whose pixel j is (seed + j) mod 256. */
function record(label: number, seed: number): Uint8Array {
  const r = new Uint8Array(CIFAR10_RECORD_BYTES);
  r[0] = label;
  for (let j = 0; j < 3072; j++) r[1 + j] = (seed + j) % 256;
  return r;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => Array.from(p)));
}

function expectDataError(fn: () => unknown, ...fragments: string[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(DataError);
  for (const f of fragments) expect((caught as Error).message).toContain(f);
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'memxbar-cifar-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function writeTmp(name: string, bytes: Uint8Array): string {
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return path;
}

describe('readCifar10', () => {
  it('reads labels and pixels of each record', () => {
    const path = writeTmp('three.bin', concat(record(3, 0), record(9, 100), record(0, 200)));
    const b = readCifar10(path);
    expect(b.count).toBe(3);
    expect(b.source).toBe(path);
    expect(Array.from(b.labels)).toEqual([3, 9, 0]);
    expect(b.pixels.length).toBe(3 * 3072);
    for (let i = 0; i < 3; i++) {
      for (const j of [0, 1, 1023, 1024, 2048, 3071]) expect(b.pixels[i * 3072 + j]).toBe((i * 100 + j) % 256);
    }
  });

  it('reads only the first `limit` records, and all of them when there are fewer', () => {
    const path = writeTmp('limit.bin', concat(record(1, 0), record(2, 1), record(3, 2)));
    const two = readCifar10(path, { limit: 2 });
    expect(two.count).toBe(2);
    expect(Array.from(two.labels)).toEqual([1, 2]);
    expect(two.pixels).toEqual(readCifar10(path).pixels.subarray(0, 2 * 3072));
    expect(readCifar10(path, { limit: 10 }).count).toBe(3);
    expectDataError(() => readCifar10(path, { limit: 0 }), 'limit must be a positive integer');
  });

  it('missing file: DataError naming it', () => {
    const path = join(tmp, 'nope', 'test_batch.bin');
    expectDataError(() => readCifar10(path), path);
  });

  it('a directory: DataError', () => {
    const dir = join(tmp, 'a-dir');
    mkdirSync(dir);
    expectDataError(() => readCifar10(dir), dir, 'not a regular file');
  });

  it('empty file: DataError', () => {
    const path = writeTmp('empty.bin', new Uint8Array(0));
    expectDataError(() => readCifar10(path), path, 'empty');
  });

  it('size not a multiple of 3,073: DataError with the size and the remainder', () => {
    const bytes = concat(record(1, 0), record(2, 0), new Uint8Array(5));
    const path = writeTmp('ragged.bin', bytes);
    expectDataError(() => readCifar10(path), path, `file size ${2 * 3073 + 5} bytes`, '2 whole records and 5 bytes left over');
    const short = writeTmp('short.bin', new Uint8Array(3072));
    expectDataError(() => readCifar10(short), 'file size 3072 bytes', '0 whole records and 3072 bytes left over');
  });

  it('label > 9: DataError with the record index and its byte offset', () => {
    const path = writeTmp('badlabel.bin', concat(record(0, 0), record(9, 0), record(10, 0), record(1, 0)));
    expectDataError(() => readCifar10(path), `${path} @ byte ${2 * 3073}`, 'record 2: label 10 is not a CIFAR-10 class');
    // A limit that stops before the bad record reads cleanly.
    expect(readCifar10(path, { limit: 2 }).count).toBe(2);
  });
});

describe('preprocess', () => {
  const spec: InputSpec = { channels: 3, height: 32, width: 32, mean: [0.1, 0.2, 0.3], std: [0.5, 0.25, 0.125] };

  it('normalises each channel plane: (p/255 − mean[c]) / std[c]', () => {
    const pixels = concat(record(0, 0), record(0, 77)).filter((_, k) => k % CIFAR10_RECORD_BYTES !== 0);
    expect(pixels.length).toBe(2 * 3072);
    for (const index of [0, 1]) {
      const x = preprocess(pixels, index, spec);
      expect(x.length).toBe(3072);
      for (const j of [0, 5, 1023, 1024, 1500, 2048, 3071]) {
        const c = Math.floor(j / 1024);
        const p = (index * 77 + j) % 256;
        expect(x[j]).toBe(Math.fround((p / 255 - spec.mean[c]!) / spec.std[c]!));
      }
    }
  });

  it('refuses an index out of range', () => {
    const pixels = new Uint8Array(3072);
    expect(() => preprocess(pixels, 1, spec)).toThrow(RangeError);
    expect(() => preprocess(pixels, -1, spec)).toThrow(RangeError);
  });
});

describe('the shipped samples', () => {
  it('hold 500 records each, record i of class i mod 10', () => {
    for (const path of [CIFAR10_TEST_SAMPLE, CIFAR10_TRAIN_SAMPLE]) {
      const b = readCifar10(path);
      expect(b.count).toBe(500);
      expect(Array.from(b.labels)).toEqual(Array.from({ length: 500 }, (_, i) => i % 10));
    }
  });

  it('have 10 class names matching the model card', () => {
    const names = readCifar10ClassNames(CIFAR10_META);
    const card = JSON.parse(readFileSync(join(PROJECT_ROOT, 'assets', 'models', 'vgg8-w0.5-cifar10.json'), 'utf8')) as { classes: string[] };
    expect(names).toEqual(card.classes);
  });

  it('match the checksums listed in assets/README.md', () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'assets', 'README.md'), 'utf8');
    const listed = [...readme.matchAll(/^([0-9a-f]{64}) {2}(\S+)$/gm)].map((m) => [m[1]!, m[2]!] as const);
    expect(listed.map(([, f]) => f).sort()).toEqual(
      ['cifar10/batches.meta.txt', 'cifar10/test_500.bin', 'cifar10/train_500.bin', 'models/vgg8-w0.5-cifar10.json', 'models/vgg8-w0.5-cifar10.onnx'].sort(),
    );
    for (const [hash, file] of listed) {
      expect(createHash('sha256').update(readFileSync(join(PROJECT_ROOT, 'assets', file))).digest('hex'), file).toBe(hash);
    }
  });

  it.skipIf(!existsSync(join(SHARED, 'test_batch.bin')))('are the first 500 records of the shared batches', () => {
    for (const [sample, full] of [[CIFAR10_TEST_SAMPLE, 'test_batch.bin'], [CIFAR10_TRAIN_SAMPLE, 'data_batch_1.bin']] as const) {
      const ours = readCifar10(sample);
      const theirs = readCifar10(join(SHARED, full), { limit: 500 });
      expect(Buffer.from(ours.labels).equals(Buffer.from(theirs.labels))).toBe(true);
      expect(Buffer.from(ours.pixels).equals(Buffer.from(theirs.pixels))).toBe(true);
    }
  });

  it('preprocess with the CIFAR-10 spec gives values in the normalised range', () => {
    const spec = cifar10InputSpec();
    const x = preprocess(readCifar10(CIFAR10_TEST_SAMPLE, { limit: 1 }).pixels, 0, spec);
    for (let c = 0; c < 3; c++) {
      const lo = (0 - spec.mean[c]!) / spec.std[c]!;
      const hi = (1 - spec.mean[c]!) / spec.std[c]!;
      for (let j = c * 1024; j < (c + 1) * 1024; j++) {
        expect(x[j]!).toBeGreaterThanOrEqual(Math.fround(lo));
        expect(x[j]!).toBeLessThanOrEqual(Math.fround(hi));
      }
    }
  });
});

describe('readCifar10ClassNames', () => {
  it('refuses a file without exactly 10 names', () => {
    const path = writeTmp('meta.txt', new TextEncoder().encode('cat\ndog\n'));
    expectDataError(() => readCifar10ClassNames(path), path, 'expected 10 class names');
  });
});

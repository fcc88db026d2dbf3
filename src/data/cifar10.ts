/**
 * CIFAR-10 in the official binary layout (`cifar-10-batches-bin`): a file is a
 * sequence of 3,073-byte records, each 1 label byte (0..9) followed by 3,072 pixel
 * bytes — the 1,024 red, then 1,024 green, then 1,024 blue values of a 32×32 image,
 * each plane row-major. That is already CHW, the layout the networks take.
 *
 * The project ships small samples (assets/cifar10/, provenance in assets/README.md);
 * the full batches are read from wherever the config points.
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/load.ts';
import { DataError } from '../errors.ts';
import type { InputSpec } from './input-spec.ts';

/** Image height and width, pixels. */
export const CIFAR10_SIDE = 32;
/** Colour channels (R, G, B). */
export const CIFAR10_CHANNELS = 3;
/** Pixel bytes of one image: 3 planes of 32×32. */
export const CIFAR10_PIXELS = CIFAR10_CHANNELS * CIFAR10_SIDE * CIFAR10_SIDE;
/** Bytes of one record: the label byte and the pixels. */
export const CIFAR10_RECORD_BYTES = 1 + CIFAR10_PIXELS;
/** Number of classes; labels are 0..CIFAR10_CLASSES−1. */
export const CIFAR10_CLASSES = 10;

/** The usual CIFAR-10 per-channel statistics (of pixel/255), R, G, B. */
export const CIFAR10_MEAN: readonly number[] = [0.4914, 0.4822, 0.4465];
export const CIFAR10_STD: readonly number[] = [0.247, 0.2435, 0.2616];

/** The input spec of a CIFAR-10 network normalised with the usual statistics. */
export function cifar10InputSpec(): InputSpec {
  return { channels: CIFAR10_CHANNELS, height: CIFAR10_SIDE, width: CIFAR10_SIDE, mean: [...CIFAR10_MEAN], std: [...CIFAR10_STD] };
}

/** Shipped sample: the first 500 records of the test batch (`test_batch.bin`). */
export const CIFAR10_TEST_SAMPLE = join(PROJECT_ROOT, 'assets', 'cifar10', 'test_500.bin');
/** Shipped sample: the first 500 records of `data_batch_1.bin`, for activation-scale calibration. */
export const CIFAR10_TRAIN_SAMPLE = join(PROJECT_ROOT, 'assets', 'cifar10', 'train_500.bin');
/** Shipped class names, one a line, in label order. */
export const CIFAR10_META = join(PROJECT_ROOT, 'assets', 'cifar10', 'batches.meta.txt');

/** Images read from a CIFAR-10 binary file. */
export interface Cifar10Batch {
  /** Label of image i, 0..9. */
  labels: Uint8Array;
  /** Pixels of image i at [i·3072, (i+1)·3072): R plane, G plane, B plane, each 32×32 row-major. */
  pixels: Uint8Array;
  /** Number of images read. */
  count: number;
  /** The file they were read from (as given). */
  source: string;
}

export interface ReadCifar10Options {
  /** Read at most this many records (the first ones); default all. Must be a positive integer. */
  limit?: number;
}

/**
 * Read the first `limit` records (default: all) of a CIFAR-10 binary file.
 *
 * The whole file is validated by size (non-empty, a whole number of records);
 * the records read are validated by label. Only the records asked for are read
 * from disk. If the file holds fewer than `limit` records, all are returned
 * (`count` says how many): deciding whether that is enough is the caller's job.
 *
 * @throws DataError naming the file (and the byte offset of a bad label).
 */
export function readCifar10(path: string, options: ReadCifar10Options = {}): Cifar10Batch {
  const { limit } = options;
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) {
    throw new DataError(`limit must be a positive integer, got ${limit}`, path);
  }
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new DataError('not a regular file', path);
    size = st.size;
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(`cannot read CIFAR-10 file: ${(e as Error).message}`, path);
  }
  if (size === 0) throw new DataError('file is empty (a CIFAR-10 batch holds 3,073-byte records)', path);
  const remainder = size % CIFAR10_RECORD_BYTES;
  if (remainder !== 0) {
    const whole = Math.floor(size / CIFAR10_RECORD_BYTES);
    throw new DataError(
      `file size ${size} bytes is not a multiple of the ${CIFAR10_RECORD_BYTES}-byte record ` +
        `(${whole} whole records and ${remainder} bytes left over): truncated, or not a CIFAR-10 binary batch`,
      path,
    );
  }
  const total = size / CIFAR10_RECORD_BYTES;
  const count = limit === undefined ? total : Math.min(limit, total);

  const bytes = new Uint8Array(count * CIFAR10_RECORD_BYTES);
  const fd = openSync(path, 'r');
  try {
    let done = 0;
    while (done < bytes.length) {
      const n = readSync(fd, bytes, done, bytes.length - done, done);
      if (n === 0) throw new DataError(`file ended at byte ${done} while reading ${bytes.length} bytes (changed while reading?)`, path);
      done += n;
    }
  } finally {
    closeSync(fd);
  }

  const labels = new Uint8Array(count);
  const pixels = new Uint8Array(count * CIFAR10_PIXELS);
  for (let i = 0; i < count; i++) {
    const offset = i * CIFAR10_RECORD_BYTES;
    const label = bytes[offset]!;
    if (label >= CIFAR10_CLASSES) {
      throw new DataError(`record ${i}: label ${label} is not a CIFAR-10 class (0..${CIFAR10_CLASSES - 1})`, `${path} @ byte ${offset}`);
    }
    labels[i] = label;
    pixels.set(bytes.subarray(offset + 1, offset + CIFAR10_RECORD_BYTES), i * CIFAR10_PIXELS);
  }
  return { labels, pixels, count, source: path };
}

/**
 * Class names of a `batches.meta.txt` (one a line, label order; blank lines ignored).
 * @throws DataError if the file is missing or does not hold exactly 10 names.
 */
export function readCifar10ClassNames(path: string = CIFAR10_META): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DataError(`cannot read class names: ${(e as Error).message}`, path);
  }
  const names = text.split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length !== CIFAR10_CLASSES) {
    throw new DataError(`expected ${CIFAR10_CLASSES} class names (one a line), got ${names.length}`, path);
  }
  return names;
}

/**
 * The normalised CHW float tensor of image `index` of `pixels` (as returned by
 * `readCifar10`): x[c·H·W + i] = (p/255 − mean[c]) / std[c].
 *
 * Computed in float64 and rounded once to float32.
 * @throws RangeError if the index is out of range or the spec does not match the data layout.
 */
export function preprocess(pixels: Uint8Array, index: number, spec: InputSpec): Float32Array {
  const plane = spec.height * spec.width;
  const n = spec.channels * plane;
  if (spec.mean.length !== spec.channels || spec.std.length !== spec.channels) {
    throw new RangeError(`input spec has ${spec.channels} channels but ${spec.mean.length} means and ${spec.std.length} stds`);
  }
  if (!Number.isInteger(index) || index < 0 || (index + 1) * n > pixels.length) {
    throw new RangeError(`image index ${index} out of range: ${Math.floor(pixels.length / n)} images of ${n} pixels`);
  }
  const out = new Float32Array(n);
  const base = index * n;
  for (let c = 0; c < spec.channels; c++) {
    const mean = spec.mean[c]!;
    const std = spec.std[c]!;
    for (let i = c * plane; i < (c + 1) * plane; i++) out[i] = (pixels[base + i]! / 255 - mean) / std;
  }
  return out;
}

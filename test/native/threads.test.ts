/** The native thread count: MEMXBAR_THREADS overrides experiment.threads, which overrides one per core. */
import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { parseOverride, resolveConfig } from '../../src/config/load.ts';
import { kernelThreads, setKernelThreads } from '../../src/native/addon.ts';
import { prepare } from '../../src/session/prepare.ts';

describe('kernelThreads', () => {
  const saved = process.env.MEMXBAR_THREADS;
  afterEach(() => {
    if (saved === undefined) delete process.env.MEMXBAR_THREADS;
    else process.env.MEMXBAR_THREADS = saved;
    setKernelThreads(0);
  });

  it('one per core by default, experiment.threads when set, MEMXBAR_THREADS over both', () => {
    delete process.env.MEMXBAR_THREADS;
    setKernelThreads(0);
    expect(kernelThreads()).toBe(availableParallelism());
    setKernelThreads(3);
    expect(kernelThreads()).toBe(3);
    process.env.MEMXBAR_THREADS = '5';
    expect(kernelThreads()).toBe(5);
  });

  it('a session takes experiment.threads from its config', () => {
    delete process.env.MEMXBAR_THREADS;
    const cfg = resolveConfig({ overrides: ['network.model="random-vgg8"', 'experiment.images=1', 'quant.calibrationImages=1', 'experiment.threads=7'].map(parseOverride) });
    prepare(cfg);
    expect(kernelThreads()).toBe(7);
  });
});

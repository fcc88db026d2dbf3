import { describe, expect, it } from 'vitest';
import { wilson, wilsonLabel } from '../../src/util/wilson.ts';

describe('wilson', () => {
  it("matches Newcombe's (1998) worked examples of the score interval", () => {
    // Newcombe, Stat. Med. 17:857–872, Table I, method 3: 81/263 → 0.2553–0.3662; 15/148 → 0.0624–0.1605.
    const a = wilson(81, 263);
    expect(a.lo).toBeCloseTo(0.2553, 4);
    expect(a.hi).toBeCloseTo(0.3662, 4);
    const b = wilson(15, 148);
    expect(b.lo).toBeCloseTo(0.0624, 4);
    expect(b.hi).toBeCloseTo(0.1605, 4);
  });
  it('is not empty at 0 or n correct, and symmetric at n/2', () => {
    expect(wilson(0, 20).lo).toBe(0);
    expect(wilson(0, 20).hi).toBeCloseTo(3.8415 / 20 / (1 + 3.8415 / 20), 4);
    expect(wilson(20, 20).hi).toBe(1);
    const h = wilson(10, 20);
    expect(h.lo + h.hi).toBeCloseTo(1, 12);
  });
  it('labels and refuses impossible counts', () => {
    expect(wilsonLabel(52, 60)).toMatch(/^87 % \(52\/60; \d+–\d+\)$/);
    expect(() => wilson(3, 2)).toThrow(/0 <= correct <= n/);
    expect(() => wilson(1, 0)).toThrow();
  });
});

/**
 * The Wilson score interval of a binomial proportion (Wilson 1927, "Probable inference, the law
 * of succession, and statistical inference", J. Am. Stat. Assoc. 22:209–212): the 95 % interval
 * the study tables give for `correct` of `n` images. Unlike the normal approximation it stays
 * inside [0, 1] and is not empty at 0 or n correct.
 */
export function wilson(correct: number, n: number, z = 1.959963984540054): { lo: number; hi: number } {
  if (!Number.isInteger(correct) || !Number.isInteger(n) || n <= 0 || correct < 0 || correct > n) {
    throw new Error(`wilson: need integers 0 <= correct <= n, n > 0 (got ${correct} of ${n})`);
  }
  const p = correct / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return { lo: Math.max(0, centre - half), hi: Math.min(1, centre + half) };
}

/** "87 % (52/60; 76–93)": percent, count, and the 95 % Wilson interval in percent. */
export function wilsonLabel(correct: number, n: number): string {
  const { lo, hi } = wilson(correct, n);
  return `${((100 * correct) / n).toFixed(0)} % (${correct}/${n}; ${(100 * lo).toFixed(0)}–${(100 * hi).toFixed(0)})`;
}

/**
 * Small helpers that turn numbers into Verilog text. View builders use them so that
 * every literal in the generated RTL carries an explicit width (Verilator -Wall clean)
 * and templates never compute.
 */

/** Bits needed to hold the unsigned value `x` (at least 1). */
export function bitsFor(x: bigint | number): number {
  let v = BigInt(x);
  if (v < 0n) throw new RangeError(`bitsFor: negative value ${v}`);
  let n = 0;
  while (v > 0n) {
    n++;
    v >>= 1n;
  }
  return Math.max(1, n);
}

/** Bits of a two's-complement word holding every value in [−x, x]. */
export function signedBitsFor(x: bigint | number): number {
  return bitsFor(x) + 1;
}

/** Index bits to address `n` items (at least 1): ceil(log2(n)). */
export function indexBits(n: number): number {
  return n <= 2 ? 1 : bitsFor(n - 1);
}

/** Sized decimal literal, e.g. `lit(4, 9)` → `4'd9`. */
export function lit(width: number, value: bigint | number): string {
  const v = BigInt(value);
  if (v < 0n || v >= 1n << BigInt(width)) throw new RangeError(`literal ${v} does not fit ${width} bits`);
  return `${width}'d${v}`;
}

/** Sized hexadecimal literal, e.g. `hexLit(8, 0x3c)` → `8'h3c`. */
export function hexLit(width: number, value: bigint | number): string {
  const v = BigInt(value);
  if (v < 0n || v >= 1n << BigInt(width)) throw new RangeError(`literal ${v} does not fit ${width} bits`);
  return `${width}'h${v.toString(16)}`;
}

/** Zero-extend `expr` of width `from` to width `to` (text only, no replication operator). */
export function zeroExt(expr: string, from: number, to: number): string {
  if (to < from) throw new RangeError(`zeroExt: ${from} → ${to} narrows`);
  return to === from ? expr : `{${lit(to - from, 0)}, ${expr}}`;
}

/**
 * Sign-extend `expr` (an identifier, width `from`) to width `to`. The replication
 * operator is produced here, not in a template, because its braces clash with Handlebars.
 */
export function signExt(ident: string, from: number, to: number): string {
  if (to < from) throw new RangeError(`signExt: ${from} → ${to} narrows`);
  if (to === from) return ident;
  return `{{${to - from}{${ident}[${from - 1}]}}, ${ident}}`;
}

/** `[hi:lo]` part select of item `i` of width `w` in a flat vector. */
export function slice(i: number, w: number): string {
  return `[${i * w + w - 1}:${i * w}]`;
}

/** Synthesis defaults the CLI's help shows (no imports, so it does not load Yosys). */

/** Fault bitmaps up to this many bits are synthesized to flip-flops; larger ones are estimated from one of this size. */
export const DEFAULT_EXACT_MEMORY_BITS = 4096;

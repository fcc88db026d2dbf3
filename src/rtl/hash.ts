/**
 * Canonical JSON (sorted keys, no whitespace) and the config hash stamped into generated files.
 *
 * The hash covers what the RTL is generated from: the config's `quant`, `tile` and `device`
 * sections, whole (docs/rtl.md "Generated files"). Fault settings, the mitigation, the network
 * and the experiment do not change the generated Verilog — a mitigation's row map, terms and
 * input-sum terms are register contents programmed at run time, and whether the MT hardware
 * is built is a generation option printed beside the hash — so they are not hashed.
 */
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') return JSON.stringify(value.toString());
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not JSON`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** sha256 of the canonical JSON, first 16 hex digits. */
export function configHash(config: unknown): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 16);
}

/** The config sections the RTL is generated from. */
export interface RtlHashed {
  quant: unknown;
  tile: unknown;
  device: unknown;
}

/**
 * Fields of `tile` and `device` that the Verilog does not model, so neither hashed nor recorded in
 * the manifest (like the fault settings): IR drop, a property of the analog wires (docs/model.md
 * §10), the array effects — programming scheme, variation, read noise, drift (§9) — and the
 * programming pulses' amplitude and width (`device.write`, priced by the cost model only).
 */
const ANALOG_ONLY = { tile: ['irDrop'], device: ['programming', 'write', 'variation', 'readNoise', 'drift', 'readTimeSeconds'] } as const;

/** `quant`, `tile` and `device` without the fields of ANALOG_ONLY: what the RTL is generated from. */
export function rtlInputs<T extends RtlHashed>(config: T): T {
  const without = (section: unknown, drop: readonly string[]) => Object.fromEntries(Object.entries(section as Record<string, unknown>).filter(([k]) => !drop.includes(k)));
  return { quant: { ...(config.quant as object) }, tile: without(config.tile, ANALOG_ONLY.tile), device: without(config.device, ANALOG_ONLY.device) } as T;
}

/** The config hash of generated RTL: configHash of rtlInputs (quant, tile, device without the analog-only fields). */
export function rtlConfigHash(config: RtlHashed): string {
  return configHash(rtlInputs(config));
}

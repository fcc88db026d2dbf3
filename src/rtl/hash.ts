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
 * The config hash of generated RTL: configHash of { quant, tile, device } only, without
 * `tile.irDrop` (IR drop is a property of the analog wires, docs/model.md §10, not of the Verilog).
 */
export function rtlConfigHash(config: RtlHashed): string {
  const { irDrop: _wires, ...tile } = config.tile as Record<string, unknown>;
  return configHash({ quant: config.quant, tile, device: config.device });
}

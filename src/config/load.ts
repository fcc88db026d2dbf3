/**
 * Config resolution: schema defaults ← preset ← config file ← CLI overrides.
 * Raw input is checked once, here, into a typed `Config`; every error names the
 * path of the field (`tile.adcBits: must be an integer 1..12, got 16`).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { ConfigSchema, type Config } from './schema.ts';
import { PROJECT_ROOT } from '../paths.ts';

export { PROJECT_ROOT };
const PRESET_DIR = join(PROJECT_ROOT, 'presets');

export interface Preset {
  name: string;
  /** Where the values come from (a paper, a simulator's defaults). */
  source: string;
  config: Record<string, unknown>;
}

export function presetNames(): string[] {
  return readdirSync(PRESET_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

export function loadPreset(name: string): Preset {
  const names = presetNames();
  if (!names.includes(name)) {
    throw new ConfigError(`unknown preset ${JSON.stringify(name)}; known: ${names.join(', ')}`, 'preset');
  }
  return JSON.parse(readFileSync(join(PRESET_DIR, `${name}.json`), 'utf8')) as Preset;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge of plain objects; arrays and scalars of `over` replace those of `base`. */
export function deepMerge(base: JsonObject, over: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isObject(b) && isObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}

/** The file a field's value came from ('' for none), given the path of a config issue. */
export type SourceOf = (path: readonly PropertyKey[]) => string;

/**
 * Format a zod error as one line, the issues separated by "; ", each starting with the
 * field path and followed by the file its value came from, if any.
 */
export function formatIssues(error: z.ZodError, source: string | SourceOf): string {
  const sourceOf: SourceOf = typeof source === 'string' ? () => source : source;
  return error.issues
    .map((iss) => {
      const path = iss.path.length ? iss.path.join('.') : '(root)';
      let msg = iss.message;
      let src = sourceOf(iss.path);
      if (iss.code === 'unrecognized_keys') {
        msg = `unknown field(s) ${iss.keys.map((k) => JSON.stringify(k)).join(', ')}`;
        src = iss.keys.map((k) => sourceOf([...iss.path, k])).find((f) => f) ?? '';
      }
      return `${path}: ${msg}${src ? ` (in ${src})` : ''}`;
    })
    .join('; ');
}

function hasPath(obj: JsonObject, path: readonly PropertyKey[]): boolean {
  let v: Json | undefined = obj;
  for (const k of path) {
    if (!isObject(v) || !Object.prototype.hasOwnProperty.call(v, k)) return false;
    v = v[k as string];
  }
  return true;
}

/** Parse a `--set a.b=value` override; value is JSON if it parses as JSON, otherwise a string. */
export function parseOverride(assignment: string): JsonObject {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new ConfigError(`override must look like path.to.field=value, got ${JSON.stringify(assignment)}`, '--set');
  const path = assignment.slice(0, eq).split('.');
  const text = assignment.slice(eq + 1);
  let value: Json;
  try {
    value = JSON.parse(text) as Json;
  } catch {
    value = text;
  }
  let obj: Json = value;
  for (let i = path.length - 1; i >= 0; i--) obj = { [path[i]!]: obj };
  return obj as JsonObject;
}

export interface ResolveOptions {
  /** Preset name; overrides the `preset` field of the file. */
  preset?: string | undefined;
  /** Path of a JSON config file. */
  file?: string | undefined;
  /** Overrides applied last, as partial config objects (from CLI flags). */
  overrides?: JsonObject[];
}

export function readConfigFile(file: string): JsonObject {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, file);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    let msg = (e as Error).message;
    const at = /at position (\d+)$/.exec(msg); // Node 20 gives the offset only: add line and column
    if (at) {
      const before = text.slice(0, Number(at[1])).split('\n');
      msg += ` (line ${before.length} column ${before[before.length - 1]!.length + 1})`;
    }
    throw new ConfigError(`not valid JSON: ${msg}`, file);
  }
  if (!isObject(raw)) throw new ConfigError('a config file must hold a JSON object', file);
  return raw;
}

/** Resolve and validate a config. Throws ConfigError naming the field path. */
export function resolveConfig(opts: ResolveOptions = {}): Config {
  const fromFile = opts.file ? readConfigFile(opts.file) : {};
  let merged: JsonObject = fromFile;
  for (const o of opts.overrides ?? []) merged = deepMerge(merged, o);
  const presetName = opts.preset ?? (typeof merged.preset === 'string' ? merged.preset : 'neurosim-v1.4');
  const preset = loadPreset(presetName);
  merged = deepMerge(preset.config as JsonObject, merged);
  merged.preset = presetName;
  // A bad value is the file's when the file sets it and no flag overrides it.
  const flags = (opts.overrides ?? []).reduce<JsonObject>((a, o) => deepMerge(a, o), {});
  const file = opts.file;
  return validateConfig(merged, (path) => (file && hasPath(fromFile, path) && !hasPath(flags, path) ? file : ''));
}

/** Validate an already-merged raw config object; `source` names the file of a bad value. */
export function validateConfig(raw: unknown, source: string | SourceOf = ''): Config {
  const r = ConfigSchema.safeParse(raw);
  if (!r.success) throw new ConfigError(formatIssues(r.error, source));
  return r.data;
}

/** The fields of `config` that differ from its preset (for reports). */
export function diffAgainstPreset(config: Config): Record<string, { preset: unknown; value: unknown }> {
  const base = validateConfig(deepMerge(loadPreset(config.preset).config as JsonObject, { preset: config.preset }));
  const out: Record<string, { preset: unknown; value: unknown }> = {};
  const walk = (a: unknown, b: unknown, path: string) => {
    if (isObject(a) && isObject(b)) {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[k], b[k], path ? `${path}.${k}` : k);
    } else if (JSON.stringify(a) !== JSON.stringify(b)) out[path] = { preset: a, value: b };
  };
  walk(base, config, '');
  return out;
}


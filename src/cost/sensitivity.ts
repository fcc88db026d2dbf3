/**
 * What moves the numbers (docs/cost.md §13): energy, latency and area per image when one
 * assumption at a time takes a lower and a higher value, relative to the configured
 * accelerator. Circuit and periphery assumptions are re-priced on the same measured activity;
 * the on/off ratio is re-measured (it changes the currents); stuck-at faults and MT come from
 * the fault study's points (same inputs).
 */
import type { Config } from '../config/schema.ts';
import type { ActivityRun } from './measure.ts';
import { estimateDigitalAreas, type DigitalAreas } from './digital.ts';
import { costModel, type CostResult, type LayerGeometry } from './model.ts';
import { TECH_NODES } from './tech.ts';

export interface SensitivityRow {
  assumption: string;
  base: string;
  low: string;
  high: string;
  /** Variant / base; null where the variant could not be priced (see note). */
  energy: [number, number] | null;
  latency: [number, number] | null;
  area: [number, number] | null;
  note: string;
}

export interface MeasuredVariant {
  label: string;
  energyJ: number;
  latencyS: number;
  areaMm2: number;
}

export interface SensitivityInput {
  cfg: Config;
  geometry: (c: Config) => LayerGeometry[];
  activity: ActivityRun;
  digital: DigitalAreas;
}

type Fig = { e: number; l: number; a: number };
const figs = (r: CostResult): Fig => ({ e: r.network.energyPerImageJ.total, l: r.network.latencyPerImageS.total, a: r.network.areaMm2.total });

/** The table. `measured` adds rows whose variants needed their own activity runs or fault points. */
export function sensitivity(inp: SensitivityInput, measured: { assumption: string; base: string; baseFig: MeasuredVariant; low: MeasuredVariant; high: MeasuredVariant; note: string }[] = []): SensitivityRow[] {
  const { cfg } = inp;
  const price = (c: Config, digital: DigitalAreas) => figs(costModel({ cfg: c, geometry: inp.geometry(c), activity: inp.activity.layers, digital }));
  const base = price(cfg, inp.digital);
  const estBase = (() => {
    try {
      return price(cfg, estimateDigitalAreas(cfg));
    } catch {
      return base;
    }
  })();
  const rows: SensitivityRow[] = [];
  /** One row; `redesign`: the tile's digital periphery changes, so both ends and the base use the estimate. */
  const row = (assumption: string, baseLabel: string, lo: [string, Config], hi: [string, Config], redesign = false, note = '') => {
    try {
      const ref = redesign ? estBase : base;
      const d = (c: Config) => (redesign ? estimateDigitalAreas(c) : inp.digital);
      const a = price(lo[1], d(lo[1]));
      const b = price(hi[1], d(hi[1]));
      rows.push({ assumption, base: baseLabel, low: lo[0], high: hi[0], energy: [a.e / ref.e, b.e / ref.e], latency: [a.l / ref.l, b.l / ref.l], area: [a.a / ref.a, b.a / ref.a], note: note || (redesign ? 'periphery areas from the estimate at both ends and the base' : '') });
    } catch (err) {
      rows.push({ assumption, base: baseLabel, low: lo[0], high: hi[0], energy: null, latency: null, area: null, note: `not priced: ${(err as Error).message.split('\n')[0]}` });
    }
  };
  const w = <K extends keyof Config>(key: K, v: Partial<Config[K]>): Config => ({ ...cfg, [key]: { ...(cfg[key] as object), ...v } });
  const ns = (x: number) => `${+(x * 1e9).toPrecision(3)} ns`;
  const pulse = cfg.device.readPulseS;
  row('read pulse', ns(pulse), [ns(pulse / 10), w('device', { readPulseS: pulse / 10 })], [ns(pulse * 10), w('device', { readPulseS: Math.min(1e-3, pulse * 10) })]);
  row('sense amplifier', cfg.cost.senseAmp ?? `profile ${cfg.cost.circuits}`, ['voltage mode', w('cost', { senseAmp: 'voltage' })], ['current mode (NeuroSim)', w('cost', { senseAmp: 'current' })]);
  const B = cfg.tile.adcBits;
  row('ADC bits', `${B}`, [`${B - 1}`, w('tile', { adcBits: Math.max(1, B - 1) })], [`${B + 1}`, w('tile', { adcBits: Math.min(12, B + 1) })], true);
  row('ADC kind', cfg.tile.adcKind, ['SAR', w('tile', { adcKind: 'sar' })], ['flash', w('tile', { adcKind: 'flash' })], true);
  const cpa = cfg.tile.colsPerAdc;
  row('columns per ADC', `${cpa}`, [`${Math.max(1, cpa / 2)}`, w('tile', { colsPerAdc: Math.max(1, Math.floor(cpa / 2)) })], [`${Math.min(cfg.tile.cols, cpa * 2)}`, w('tile', { colsPerAdc: Math.min(cfg.tile.cols, cpa * 2) })], true);
  row('interconnect swing', cfg.cost.interconnect ?? `profile ${cfg.cost.circuits}`, ['full swing', w('cost', { interconnect: 'full-swing' })], ['low swing / H-tree (NeuroSim)', w('cost', { interconnect: 'low-swing' })]);
  row('clock', cfg.cost.clock ?? `profile ${cfg.cost.circuits}`, ['RTL, 1 GHz', w('cost', { clock: 'rtl' })], ['sensing delay (NeuroSim)', w('cost', { clock: 'sensing' })]);
  row('floorplan', cfg.cost.floorplan ?? `profile ${cfg.cost.circuits}`, ['memxbar (one copy)', w('cost', { floorplan: 'memxbar' })], ['NeuroSim (duplication)', w('cost', { floorplan: 'neurosim' })]);
  const nodes = TECH_NODES.map((n) => n.nodeNm).sort((a, b) => a - b);
  const ni = nodes.indexOf(cfg.tech.nodeNm);
  const smaller = nodes[Math.max(0, ni - 1)]!;
  const larger = nodes[Math.min(nodes.length - 1, ni + 1)]!;
  row('technology node', `${cfg.tech.nodeNm} nm`, [`${larger} nm`, w('tech', { nodeNm: larger })], [`${smaller} nm`, w('tech', { nodeNm: smaller })]);
  for (const m of measured) {
    const r = (v: MeasuredVariant): Fig => ({ e: v.energyJ / m.baseFig.energyJ, l: v.latencyS / m.baseFig.latencyS, a: v.areaMm2 / m.baseFig.areaMm2 });
    const lo = r(m.low);
    const hi = r(m.high);
    rows.push({ assumption: m.assumption, base: m.base, low: m.low.label, high: m.high.label, energy: [lo.e, hi.e], latency: [lo.l, hi.l], area: [lo.a, hi.a], note: m.note });
  }
  return rows;
}

/** A result's headline figures as a measured variant. */
export function variantOf(label: string, r: CostResult): MeasuredVariant {
  return { label, energyJ: r.network.energyPerImageJ.total, latencyS: r.network.latencyPerImageS.total, areaMm2: r.network.areaMm2.total };
}

/**
 * The one typed configuration of memxbar: accelerator (quantization, tile, ADC,
 * device), faults, mitigation, engine and experiment. Every default lives here and
 * nowhere else; presets (presets/*.json) and user files only override fields.
 *
 * Names carry their unit and one meaning (`adcBits`, `readVoltageV`, `rOnOhm`).
 */
import { z } from 'zod';
import { ENGINES, MITIGATIONS } from './names.ts';

/** Integer in [lo, hi] with an error that states the range and the value received. */
function intIn(lo: number, hi: number) {
  const error = (iss: { input?: unknown }) =>
    `must be an integer ${lo}..${hi}, got ${JSON.stringify(iss.input)}`;
  return z.number({ error }).int({ error }).min(lo, { error }).max(hi, { error });
}

/** Real number in [lo, hi] (bounds inclusive). */
function realIn(lo: number, hi: number) {
  const error = (iss: { input?: unknown }) =>
    `must be a number ${lo}..${hi}, got ${JSON.stringify(iss.input)}`;
  return z.number({ error }).min(lo, { error }).max(hi, { error });
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  const error = (iss: { input?: unknown }) =>
    `must be one of ${values.join(' | ')}, got ${JSON.stringify(iss.input)}`;
  return z.enum(values, { error });
}

/**
 * An SA1:SA0 ratio, parsed once (here) from its spelling "a:b". It prints and serializes as
 * that spelling (`${r}`, JSON), and one spelling always gives the same object, so ratios
 * compare with === and key maps as their strings did. Plain data plus prototype methods, so
 * a config holding one can be structured-cloned (the clone holds a plain copy, which the
 * schema accepts back).
 */
export class SaRatio {
  /** Share of stuck cells that are SA1: sa1 / (sa1 + sa0). */
  readonly sa1Share: number;
  private constructor(
    readonly text: string,
    readonly sa1: number,
    readonly sa0: number,
  ) {
    this.sa1Share = sa1 / (sa1 + sa0);
    Object.freeze(this);
  }
  /** Internal: use saRatio(). */
  static make(text: string, sa1: number, sa0: number): SaRatio {
    return new SaRatio(text, sa1, sa0);
  }
  toString(): string {
    return this.text;
  }
  toJSON(): string {
    return this.text;
  }
}

const RATIO_SPELLING = /^\d+(\.\d+)?:\d+(\.\d+)?$/;
const ratios = new Map<string, SaRatio>();

/** Why `text` is not a ratio, or null. */
export function ratioProblem(text: unknown): string | null {
  if (typeof text !== 'string' || !RATIO_SPELLING.test(text)) return `must be a ratio "a:b" such as "5:1", got ${JSON.stringify(text)}`;
  if (!text.split(':').map(Number).some((v) => v > 0)) return 'ratio "0:0" has no faults of either kind';
  return null;
}

/** The ratio spelled `text` (checked by the schema or `ratioProblem` first; throws on a bad spelling). */
export function saRatio(text: string): SaRatio {
  let r = ratios.get(text);
  if (!r) {
    const problem = ratioProblem(text);
    if (problem) throw new Error(`internal: ${problem}`);
    const [sa1, sa0] = text.split(':').map(Number) as [number, number];
    r = SaRatio.make(text, sa1, sa0);
    ratios.set(text, r);
  }
  return r;
}

/** A parsed ratio, or a structured clone of one (plain data). */
function isParsedRatio(v: unknown): v is { text: string } {
  return typeof v === 'object' && v !== null && typeof (v as { text?: unknown }).text === 'string';
}

/** The spelling "a:b" in a config file; an already parsed ratio (a resolved config validated again) passes as its spelling. */
const ratioString = z.preprocess(
  (v) => (isParsedRatio(v) ? v.text : v),
  z
    .string({ error: (iss) => `must be a ratio "a:b" such as "5:1", got ${JSON.stringify(iss.input)}` })
    .check((ctx) => {
      const problem = ratioProblem(ctx.value);
      if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
    })
    .transform(saRatio),
);

export const ADC_MODES = ['lossless', 'fixed-full-scale', 'fixed-calibrated', 'self-ranging'] as const;
export const SIGNED_SCHEMES = ['offset', 'differential'] as const;
export { ENGINES, MITIGATIONS };

export const NetworkSchema = z
  .strictObject({
    model: z.string().min(1).default('vgg8-w0.5-cifar10').describe('Shipped model name (`vgg8-w0.5-cifar10`), a path to an `.onnx` file, or `random-vgg8`.'),
    randomWidth: realIn(0.0625, 4).default(1).describe('Width multiplier of `random-vgg8` (1 = full width 128-128|256-256|512-512, FC 8192→1024→10).'),
    randomSeed: intIn(0, 2 ** 31 - 1).default(1).describe('Seed of the random weights of `random-vgg8`.'),
  })
  .describe('The network to run.');

export const QuantSchema = z
  .strictObject({
    weightBits: intIn(2, 16).default(8).describe('Weight bits, symmetric per layer: integers in ±(2^(weightBits−1) − 1).'),
    activationBits: intIn(1, 16).default(8).describe('Activation bits, unsigned: integers in 0..2^activationBits − 1.'),
    calibrationImages: intIn(1, 50000).default(500).describe('Training images used to calibrate the activation scales.'),
    calibrationPercentile: realIn(50, 100).default(99.99).describe('Activation scale = this percentile of a layer\'s post-ReLU outputs / (2^activationBits − 1).'),
  })
  .describe('Integer quantization of weights and activations.');

/** IR drop on the wires of a subarray (docs/model.md §10); off by default. */
export const IrDropSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('IR drop on the row and column wires (docs/model.md §10).'),
    model: oneOf(['first-order', 'exact'] as const).default('first-order').describe('`first-order`: effective-conductance approximation (fast); `exact`: nodal analysis of every subarray (a banded Cholesky each; slow).'),
    wireRowOhm: realIn(0, 1e4).default(2.5).describe('Row (word-line) wire resistance per cell segment, Ω; > 0 when on (PytorX IrSolver example: 2.5 Ω = 1/0.4 S).'),
    wireColOhm: realIn(0, 1e4).default(2.5).describe('Column (bit-line) wire resistance per cell segment, Ω; > 0 when on.'),
    driverOhm: realIn(0, 1e4).default(0.1).describe('Output resistance of a row driver, Ω; > 0 when on (PytorX IrSolver example: 0.1 Ω = 1/10 S).'),
    senseOhm: realIn(0, 1e4).default(0.1).describe('Input resistance of a column\'s sense amplifier (virtual ground), Ω; > 0 when on.'),
    compensation: oneOf(['none', 'bias'] as const)
      .default('none')
      .describe('With IR drop on, any mitigation method: `bias` removes the expected IR error of every output (one offset per output, added with the layer bias), computed at design time from the mapped array, the first-order model and the rows\' mean inputs (docs/mt.md "IR-drop compensation").'),
  })
  .describe('IR drop on the crossbar wires.');

export const TileSchema = z
  .strictObject({
    rows: intIn(2, 4096).default(128).describe('Rows (word lines) of one crossbar subarray.'),
    cols: intIn(2, 4096).default(128).describe('Columns (bit lines) of one crossbar subarray.'),
    cellBits: intIn(1, 8).default(1).describe('Bits stored per cell (levels = 2^cellBits).'),
    parallelRead: intIn(1, 4096).default(128).describe('Rows driven at once in one read; the rows of a subarray are read in ceil(rows/parallelRead) groups.'),
    signedScheme: oneOf(SIGNED_SCHEMES).default('offset').describe('How signed weights are mapped: `offset` (unsigned w + 2^(b−1), reference column) or `differential` (G+ − G− pair).'),
    adcBits: intIn(1, 12).default(5).describe('ADC resolution in bits.'),
    adcMode: oneOf(ADC_MODES).default('fixed-calibrated').describe('ADC range: lossless (exact code), fixed full scale, fixed calibrated, or NeuroSim\'s self-ranging min/max.'),
    adcKind: oneOf(['sar', 'flash'] as const).default('sar').describe('ADC circuit: successive approximation or flash (multilevel sense amplifier).'),
    adcCalibrationImages: intIn(1, 10000).default(8).describe('fixed-calibrated ADC: calibration images run on the ideal array to set the range.'),
    adcCalibrationPercentile: realIn(50, 100).default(99).describe('fixed-calibrated ADC: the full scale is this percentile of the ideal column currents.'),
    colsPerAdc: intIn(1, 4096).default(8).describe('Columns sharing one ADC through a column multiplexer.'),
    irDrop: IrDropSchema.prefault({}),
  })
  .describe('One crossbar subarray and its periphery.');

const seedField = (what: string) => intIn(0, 2 ** 31 - 1).default(1).describe(`Seed of ${what} (counter-based draws, docs/model.md §9).`);

export const ProgrammingSchema = z
  .strictObject({
    scheme: oneOf(['reset', 'incremental'] as const).default('reset').describe('`reset`: every cell is reset to Gmin and potentiated (LTP) open loop to its level. `incremental`: every cell is programmed open loop from its previous level (drawn uniformly), up along the LTP curve or down along the LTD curve (docs/model.md §3).'),
    seed: seedField('the previous levels of `incremental` programming'),
  })
  .describe('How cells are programmed (docs/model.md §3).');

export const VARIATION_LEVEL_MODELS = ['none', 'reram-wan', 'table'] as const;

export const VariationSchema = z
  .strictObject({
    deviceToDevice: realIn(0, 10).default(0).describe('Device-to-device variation: σ of the relative error of a cell, fixed per cell: G·(1 + N(0, σ)) (NeuroSim). 0 = off.'),
    cycleToCycle: realIn(0, 10).default(0).describe('Cycle-to-cycle variation: σ of the relative error of one programming: G·(1 + N(0, σ)) (NeuroSim). 0 = off.'),
    levelModel: oneOf(VARIATION_LEVEL_MODELS).default('none').describe('Level-dependent programming error per programming: `reram-wan` (Wan et al. 2022 cubic σ(G), CrossSim RRAM_Wan), `table` (per-level mean and σ from `tableFile`, NeuroSim V1.5 style), `none`.'),
    levelSigmaScale: realIn(0, 10).default(1).describe('Multiplies the σ of `levelModel` (reram-wan or table): a device with a smaller (or larger) cycle-to-cycle spread than the fitted one, e.g. 0.7 for the heat-dissipating memristor (assets/devices/, docs/model.md §9.2).'),
    tableFile: z.string().min(1).nullable().default(null).describe('levelModel `table`: CSV `level,meanSiemens,sigmaSiemens`, one line per level (2^tile.cellBits lines).'),
    cycle: intIn(0, 2 ** 31 - 1).default(0).describe('Programming cycle: cycle-to-cycle draws are keyed by it, device-to-device draws are not.'),
    seed: seedField('programming variation'),
  })
  .describe('Programming variation (docs/model.md §9.2); all 0 / none = off.');

export const ReadNoiseSchema = z
  .strictObject({
    thermalShot: z.boolean().default(false).describe('PytorX thermal + shot noise per cell and read: σ² = G·f·(4kT + 2qV)/V² siemens².'),
    frequencyHz: realIn(1, 1e12).default(10e6).describe('thermalShot: read (operating) frequency f, hertz (PytorX default 10 MHz).'),
    temperatureK: realIn(1, 1000).default(300).describe('thermalShot: temperature T, kelvin.'),
    proportional: realIn(0, 10).default(0).describe('Proportional read noise: σ = k·G per cell and read (k here). 0 = off.'),
    rtn: z.boolean().default(false).describe('PytorX random telegraph noise: per cell and read, +ΔG = G(bG + a)/(G − (bG + a)) with probability rtnProbability.'),
    rtnProbability: realIn(0, 1).default(0.5).describe('rtn: probability of the raised state (PytorX tau).'),
    rtnASiemens: realIn(0, 1).default(1.662e-7).describe('rtn: fit parameter a, siemens (PytorX).'),
    rtnB: realIn(0, 1).default(0.0015).describe('rtn: fit parameter b (PytorX).'),
    seed: seedField('read noise'),
  })
  .describe('Read noise per read (docs/model.md §9.3); all off by default.');

export const DRIFT_MODELS = ['none', 'constant', 'pcm-aihwkit'] as const;

export const DriftSchema = z
  .strictObject({
    model: oneOf(DRIFT_MODELS).default('none').describe('Retention drift G(t) = G·((t + t0)/t0)^(−ν), ν per cell: `constant` (ν ~ N(nu, nuSigma), ≥ 0), `pcm-aihwkit` (aihwkit PCMLikeNoiseModel fits of ν against G/Gmax), `none`.'),
    nu: realIn(0, 1).default(0.05).describe('constant: mean drift exponent ν.'),
    nuSigma: realIn(0, 1).default(0).describe('constant: σ of ν across cells.'),
    t0Seconds: realIn(1e-9, 1e6).default(20).describe('Time t0 of the first read after programming, seconds (aihwkit t_0 = 20 s).'),
    seed: seedField('the drift exponents'),
  })
  .describe('Retention drift evaluated at device.readTimeSeconds (docs/model.md §9.4); stuck cells do not drift.');

export const DeviceWriteSchema = z
  .strictObject({
    voltageV: realIn(0.001, 20).default(4).describe('Amplitude of one programming pulse, volts (DNN_NeuroSim V2.1 Param.cpp writeVoltage = 4).'),
    pulseS: realIn(1e-12, 1e-3).default(50e-9).describe('Width of one programming pulse, seconds (DNN_NeuroSim V2.1 Param.cpp writePulseWidth = 50e-9).'),
  })
  .describe('Programming pulses, for the write energy and time of the march test and of programming through the write path (docs/cost.md "Device writes"); the RTL does not model them.');

export const DeviceSchema = z
  .strictObject({
    rOnOhm: realIn(1, 1e12).default(100e3).describe('Low-resistance (on, Gmax) state in ohms.'),
    onOffRatio: realIn(1.001, 1e6).default(10).describe('Gmax / Gmin.'),
    readVoltageV: realIn(0.001, 10).default(0.5).describe('Read voltage applied to an active row, volts.'),
    readPulseS: realIn(1e-12, 1e-3).default(10e-9).describe('Duration of one read pulse, seconds.'),
    nonlinearityLtp: realIn(0, 9).default(0).describe('NeuroSim nonlinearity label of potentiation (LTP); 0 = linear device.'),
    nonlinearityLtd: realIn(-9, 9).default(0).describe('NeuroSim nonlinearity label of depression (LTD, sign ignored); 0 = linear.'),
    maxPulses: intIn(1, 4096).default(128).describe('Pulses from Gmin to Gmax of the programming scheme (open-loop).'),
    conductanceLsbPerGmax: intIn(16, 1 << 20).default(1 << 12).describe('Fixed-point resolution of conductance: Gmax spans this many LSBs (the analog domain in integers).'),
    readTimeSeconds: realIn(0, 1e10).default(0).describe('Seconds from programming to the reads (device.drift).'),
    programming: ProgrammingSchema.prefault({}),
    write: DeviceWriteSchema.prefault({}),
    variation: VariationSchema.prefault({}),
    readNoise: ReadNoiseSchema.prefault({}),
    drift: DriftSchema.prefault({}),
  })
  .describe('The memristive device.');

export const FaultSchema = z
  .strictObject({
    rate: realIn(0, 1).default(0).describe('Fraction of physical cells that are stuck (0..1).'),
    sa1Sa0Ratio: ratioString.prefault('5:1').describe('SA1:SA0 ratio, e.g. "5:1".'),
    naming: oneOf(['standard', 'pytorx'] as const).default('standard').describe('`standard`: SA1 = stuck at Gmax, SA0 = stuck at Gmin. `pytorx`: the opposite naming.'),
    seed: intIn(0, 2 ** 31 - 1).default(1).describe('Seed of the fault map.'),
    mapFile: z.string().min(1).nullable().default(null).describe('A saved fault map to load instead of drawing one (docs/model.md gives the format).'),
  })
  .describe('Stuck-at faults.');

export const MitigationSchema = z
  .strictObject({
    method: oneOf(MITIGATIONS).default('none').describe('none; MT from the fault statistics (mt-stats) or the map (mt-map); pytorx (digital correction); zhang (Zhang et al.\'s transformations); hosseini (fault-free bits approximate each weight). docs/mt.md'),
    activityImages: intIn(1, 10000).default(500).describe('Calibration images used to measure each row\'s input activity (MT weighs errors by it).'),
    mt: z
      .strictObject({
        irDropRows: z.boolean().default(false).describe('mt-map with tile.irDrop on: the row permutation also weighs each physical row\'s IR loss (rows nearer the sense amplifiers lose less current), so the most active rows go where stuck cells plus IR loss are least (docs/mt.md "MT under IR drop"). Other methods ignore it.'),
      })
      .prefault({})
      .describe('Extensions of MT that use an array effect as a lever (docs/mt.md).'),
    valueRangeParts: intIn(1, 16).default(3).describe('zhang only: value-range reduction splits every stored value evenly over this many weight columns of fewer slices, summed by the shift-add (1 = none; the fault map covers the larger array).'),
  })
  .describe('Fault mitigation.');

export const ExperimentSchema = z
  .strictObject({
    dataPath: z.string().min(1).nullable().default(null).describe('CIFAR-10 test batch (official binary layout); null = the shipped 500-image sample.'),
    calibrationPath: z.string().min(1).nullable().default(null).describe('CIFAR-10 training batch for calibration; null = the shipped calibration sample.'),
    images: intIn(1, 1_000_000).default(500).describe('Images to evaluate (the first N of the data file).'),
    threads: intIn(0, 256).default(0).describe('Worker threads (0 = one per core).'),
  })
  .describe('What to run on.');

export const TechSchema = z
  .strictObject({
    nodeNm: intIn(7, 180).default(22).describe('Technology node, nanometres.'),
  })
  .describe('Technology.');

export const COST_CIRCUITS = ['memxbar', 'neurosim'] as const;

export const CostSchema = z
  .strictObject({
    circuits: oneOf(COST_CIRCUITS).default('memxbar').describe('Circuit profile of the cost model (docs/cost.md §12): `memxbar` or `neurosim` (NeuroSim V1.3\'s circuits). Each option below, when not null, overrides the profile.'),
    senseAmp: oneOf(['voltage', 'current'] as const).nullable().default(null).describe('Column power: `voltage` (cells conduct for the whole read pulse) or `current` (NeuroSim\'s current-mode sense amplifier: power over its sensing delay).'),
    clock: oneOf(['rtl', 'sensing'] as const).nullable().default(null).describe('`rtl` (1 GHz, the RTL\'s cycles) or `sensing` (NeuroSim\'s synchronous mode: sensing-delay clock, buffer and H-tree cycles).'),
    interconnect: oneOf(['full-swing', 'low-swing'] as const).nullable().default(null).describe('Global bus / H-tree signalling.'),
    leakage: z.boolean().nullable().default(null).describe('Count the leakage of idle tiles (NeuroSim main.cpp).'),
    floorplan: oneOf(['memxbar', 'neurosim'] as const).nullable().default(null).describe('`memxbar` (every layer once on its own subarrays) or `neurosim` (NeuroSim\'s tile/PE floorplan with layer duplication, its "speed-up").'),
    positions: oneOf(['padded', 'valid'] as const).nullable().default(null).describe('Convolution positions simulated: `padded` (every output) or `valid` (NeuroSim\'s numInVector; TOPS still counts padded ones).'),
    validationFactor: z.boolean().nullable().default(null).describe('Multiply energy by NeuroSim\'s post-layout factor zeta (Param.cpp).'),
  })
  .describe('Cost model circuit choices.');

export const ConfigSchema = z
  .strictObject({
    preset: z.string().min(1).default('neurosim-v1.4').describe('The preset this config starts from (presets/<name>.json).'),
    network: NetworkSchema.prefault({}),
    quant: QuantSchema.prefault({}),
    tile: TileSchema.prefault({}),
    device: DeviceSchema.prefault({}),
    faults: FaultSchema.prefault({}),
    mitigation: MitigationSchema.prefault({}),
    engine: oneOf(ENGINES).default('fast').describe('The reference model (the spec) or the fast native engine; both give the same integers.'),
    experiment: ExperimentSchema.prefault({}),
    tech: TechSchema.prefault({}),
    cost: CostSchema.prefault({}),
  })
  .superRefine((c, ctx) => {
    if (c.tile.parallelRead > c.tile.rows) {
      ctx.addIssue({ code: 'custom', path: ['tile', 'parallelRead'], message: `must be ≤ tile.rows (${c.tile.rows}), got ${c.tile.parallelRead}`, input: c.tile.parallelRead });
    }
    if (c.tile.colsPerAdc > c.tile.cols) {
      ctx.addIssue({ code: 'custom', path: ['tile', 'colsPerAdc'], message: `must be ≤ tile.cols (${c.tile.cols}), got ${c.tile.colsPerAdc}`, input: c.tile.colsPerAdc });
    }
    if (c.tile.irDrop.enabled) {
      for (const key of ['wireRowOhm', 'wireColOhm', 'driverOhm', 'senseOhm'] as const) {
        const v = c.tile.irDrop[key];
        if (!(v > 0)) ctx.addIssue({ code: 'custom', path: ['tile', 'irDrop', key], message: `must be > 0 ohms when tile.irDrop.enabled is true, got ${v}`, input: v });
      }
    }
    if (c.tile.cellBits > c.quant.weightBits) {
      ctx.addIssue({ code: 'custom', path: ['tile', 'cellBits'], message: `must be ≤ quant.weightBits (${c.quant.weightBits}), got ${c.tile.cellBits}`, input: c.tile.cellBits });
    }
  });


// ---------------------------------------------------------------------------
// Command options. They are flags of one command, not config fields (so not in the config
// reference), but their defaults live here too, beside the config's: one place for every
// default. Each command's --help shows these values.
// ---------------------------------------------------------------------------

/** Options of the RTL generator (`memxbar gen`; the cost model and co-simulation derive the same design). */
export const RtlOptionsSchema = z.strictObject({
  mt: z.boolean().default(true).describe('Build the Mapping Transformation hardware (row remap, programmable terms, fault bitmap).'),
  maxChainTiles: intIn(1, 1 << 20).default(64).describe('Partial sums of at most this many subarrays are chained (accumulated) without overflow.'),
  writePath: z.boolean().optional().describe('Build the cell write path (CSR CELL_WRITE → row/column write driver ports); absent = off.'),
  bist: z.boolean().optional().describe('Build the on-chip march test (BIST) that writes the fault map; needs `writePath` and `mt`; absent = off.'),
});

const SIMULATOR_CHOICES = ['auto', 'icarus', 'verilator', 'cxxrtl'] as const;

/** Options of `memxbar run` (its sweep, co-simulation, synthesis and cost steps). */
export const RunOptionsSchema = z.strictObject({
  images: intIn(1, 10000).default(100).describe('Test images for accuracy and the sweep.'),
  rates: z.array(realIn(0, 1)).default([0, 0.025, 0.1, 0.5]).describe('Fault rates of the sweep (fractions of cells).'),
  ratios: z.array(ratioString).prefault(['5:1', '1:5']).describe('SA1:SA0 ratios of the sweep.'),
  mitigations: z.array(oneOf(MITIGATIONS)).default(['none', 'mt-stats', 'mt-map']).describe('Mitigations compared.'),
  cosimLayers: z.array(z.string().min(1)).default(['conv1', 'conv4', 'fc2']).describe('Layers co-simulated, one tile each (first conv, a deep conv, an FC).'),
  cosimPatches: intIn(1, 4096).default(8).describe('Sampled patches per co-simulated tile.'),
  cosimSimulator: oneOf(SIMULATOR_CHOICES).default('auto').describe('HDL simulator of the co-simulation.'),
  cosimFaultRate: realIn(0, 1).default(0.05).describe('Fault rate of the co-simulated tiles (stuck cells and MT tables in use).'),
  cosimMitigation: oneOf(MITIGATIONS).default('mt-map').describe('Mitigation of the co-simulated tiles.'),
  synth: z.boolean().default(true).describe('Synthesize the tile with Yosys (else the cost model estimates the periphery).'),
  costImages: intIn(1, 10000).default(4).describe('Images the cost model runs to measure activity (at most `images`).'),
});

/** Options of `memxbar cost`'s fault study. */
export const CostOptionsSchema = z.strictObject({
  ratios: z.array(ratioString).prefault(['5:1', '1:5']).describe('SA1:SA0 ratios of the fault study.'),
  mitigations: z.array(oneOf(MITIGATIONS)).default(['none', 'mt-stats', 'mt-map']).describe('Mitigations compared in the fault study.'),
});

/** Options of `memxbar synth`. */
export const SynthOptionsSchema = z.strictObject({
  exactMemoryBits: intIn(16, 1 << 30).default(4096).describe('Fault bitmaps up to this many bits are synthesized to flip-flops; larger ones are estimated from one of this size.'),
});

/** Options of `memxbar sweep --slurm`. */
export const SlurmOptionsSchema = z.strictObject({
  maxShards: intIn(1, 100000).default(16).describe('Default shard count: one array task per point, at most this many.'),
});

export type RtlOptions = z.output<typeof RtlOptionsSchema>;
export type RunOptionDefaults = z.output<typeof RunOptionsSchema>;

/** Every command option's default, from the schemas above. */
export const OPTION_DEFAULTS = {
  rtl: RtlOptionsSchema.parse({}),
  run: RunOptionsSchema.parse({}),
  cost: CostOptionsSchema.parse({}),
  synth: SynthOptionsSchema.parse({}),
  slurm: SlurmOptionsSchema.parse({}),
};

export type Config = z.output<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export type TileConfig = Config['tile'];
export type DeviceConfig = Config['device'];
export type FaultConfig = Config['faults'];
export type IrDropConfig = Config['tile']['irDrop'];
export type CostConfig = Config['cost'];
export type Mitigation = (typeof MITIGATIONS)[number];
export type AdcMode = (typeof ADC_MODES)[number];
export type SignedScheme = (typeof SIGNED_SCHEMES)[number];

/** The JSON Schema of a config file. */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' });
}

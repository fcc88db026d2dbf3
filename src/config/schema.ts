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

/** "5:1" → SA1 share 5/6. */
const ratioString = z
  .string({ error: (iss) => `must be a ratio "a:b" such as "5:1", got ${JSON.stringify(iss.input)}` })
  .regex(/^\d+(\.\d+)?:\d+(\.\d+)?$/, { abort: true, error: (iss) => `must be a ratio "a:b" such as "5:1", got ${JSON.stringify(iss.input)}` })
  .refine((s) => s.split(':').map(Number).some((v) => v > 0), { error: 'ratio "0:0" has no faults of either kind' });

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
  })
  .describe('One crossbar subarray and its periphery.');

export const DeviceSchema = z
  .strictObject({
    rOnOhm: realIn(1, 1e12).default(100e3).describe('Low-resistance (on, Gmax) state in ohms.'),
    onOffRatio: realIn(1.001, 1e6).default(10).describe('Gmax / Gmin.'),
    readVoltageV: realIn(0.001, 10).default(0.5).describe('Read voltage applied to an active row, volts.'),
    readPulseS: realIn(1e-12, 1e-3).default(10e-9).describe('Duration of one read pulse, seconds.'),
    nonlinearityLtp: realIn(0, 9).default(0).describe('NeuroSim nonlinearity label of potentiation (LTP); 0 = linear device.'),
    nonlinearityLtd: realIn(0, 9).default(0).describe('NeuroSim nonlinearity label of depression (LTD); 0 = linear device.'),
    maxPulses: intIn(1, 4096).default(128).describe('Pulses from Gmin to Gmax of the programming scheme (open-loop).'),
    conductanceLsbPerGmax: intIn(16, 1 << 20).default(1 << 12).describe('Fixed-point resolution of conductance: Gmax spans this many LSBs (the analog domain in integers).'),
  })
  .describe('The memristive device.');

export const FaultSchema = z
  .strictObject({
    rate: realIn(0, 1).default(0).describe('Fraction of physical cells that are stuck (0..1).'),
    sa1Sa0Ratio: ratioString.default('5:1').describe('SA1:SA0 ratio, e.g. "5:1".'),
    naming: oneOf(['standard', 'pytorx'] as const).default('standard').describe('`standard`: SA1 = stuck at Gmax, SA0 = stuck at Gmin. `pytorx`: the opposite naming.'),
    seed: intIn(0, 2 ** 31 - 1).default(1).describe('Seed of the fault map.'),
    mapFile: z.string().min(1).nullable().default(null).describe('A saved fault map to load instead of drawing one (docs/model.md gives the format).'),
  })
  .describe('Stuck-at faults.');

export const MitigationSchema = z
  .strictObject({
    method: oneOf(MITIGATIONS).default('none').describe('none; MT from the fault statistics (mt-stats) or the map (mt-map); pytorx (digital correction); zhang (Zhang et al.\'s transformations); hosseini (fault-free bits approximate each weight). docs/mt.md'),
    activityImages: intIn(1, 10000).default(500).describe('Calibration images used to measure each row\'s input activity (MT weighs errors by it).'),
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
    circuits: oneOf(COST_CIRCUITS).default('memxbar').describe('Circuit profile of the cost model (docs/cost.md §12): `memxbar` (its own choices) or `neurosim` (NeuroSim V1.3\'s circuits, all options below on).'),
    senseAmp: oneOf(['voltage', 'current'] as const).nullable().default(null).describe('Column power: `voltage` (cells conduct for the whole read pulse) or `current` (NeuroSim\'s current-mode sense amplifier: column power over its sensing delay); null = the profile\'s.'),
    clock: oneOf(['rtl', 'sensing'] as const).nullable().default(null).describe('`rtl` (1 GHz, the RTL\'s cycles, the configured read pulse) or `sensing` (NeuroSim\'s synchronous mode: pulse and column slot = the sensing delay); null = the profile\'s.'),
    interconnect: oneOf(['full-swing', 'low-swing'] as const).nullable().default(null).describe('Global bus / H-tree signalling; null = the profile\'s.'),
    leakage: z.boolean().nullable().default(null).describe('Count the leakage of idle tiles (NeuroSim main.cpp); null = the profile\'s.'),
    floorplan: oneOf(['memxbar', 'neurosim'] as const).nullable().default(null).describe('`memxbar` (every layer once on its own subarrays) or `neurosim` (NeuroSim\'s tile/PE floorplan with its subarray and PE duplication, the "speed-up"); null = the profile\'s.'),
    positions: oneOf(['padded', 'valid'] as const).nullable().default(null).describe('Convolution positions simulated: `padded` (every output) or `valid` (NeuroSim\'s numInVector; TOPS still counts padded ones); null = the profile\'s.'),
    validationFactor: z.boolean().nullable().default(null).describe('Multiply energy by NeuroSim\'s post-layout factor zeta (Param.cpp); null = the profile\'s.'),
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
    engine: oneOf(ENGINES).default('fast'),
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
    if (c.tile.cellBits > c.quant.weightBits) {
      ctx.addIssue({ code: 'custom', path: ['tile', 'cellBits'], message: `must be ≤ quant.weightBits (${c.quant.weightBits}), got ${c.tile.cellBits}`, input: c.tile.cellBits });
    }
  });

export type Config = z.output<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export type TileConfig = Config['tile'];
export type DeviceConfig = Config['device'];
export type FaultConfig = Config['faults'];
export type CostConfig = Config['cost'];
export type Mitigation = (typeof MITIGATIONS)[number];
export type AdcMode = (typeof ADC_MODES)[number];
export type SignedScheme = (typeof SIGNED_SCHEMES)[number];

/** The JSON Schema of a config file. */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' });
}

/** What `memxbar run` reports (FlowReport) and the options it ran with: the input of the report renderers. */
import type { Config, Mitigation, SaRatio } from '../config/schema.ts';
import type { SimulatorName } from '../cosim/simulators/index.ts';
import type { CostReport, RegulationPoint } from '../cost/estimate.ts';
import type { SummaryRow, SweepResult } from '../sweep/sweep.ts';
import type { SynthReport } from '../synth/synthesize.ts';

export interface FlowOptions {
  out: string;
  /** Test images for accuracy and the sweep. */
  images: number;
  /** Fault rates of the sweep (fractions; 0 = fault-free). */
  rates: number[];
  ratios: SaRatio[];
  mitigations: Mitigation[];
  /** Fault seeds of the sweep. */
  seeds: number[];
  /** Layers co-simulated (one tile each, tile (0, 0)); empty = no co-simulation. */
  cosimLayers: string[];
  cosimPatches: number;
  cosimSimulator: SimulatorName | 'auto';
  /** Faults and mitigation of the co-simulated tiles (the harder case: stuck cells and MT tables in use). */
  cosimFaultRate: number;
  cosimMitigation: Mitigation;
  /** Synthesize the tile with Yosys (else the cost model estimates the periphery). */
  synth: boolean;
  /** Images run by the cost model to measure activity (at most `images`). */
  costImages: number;
}

export interface StepTime {
  step: string;
  seconds: number;
  /** CPU seconds of the whole process during the step (every thread, and the child processes that finished in it: src/util/cpu.ts). */
  cpuSeconds?: number;
  /** Seconds from the run's start to the step's start (the run's timeline: steps in the background overlap others). */
  startSeconds?: number;
}

export interface CosimVerdict {
  layer: string;
  label: string;
  tile: [number, number];
  ok: boolean;
  simulator: string;
  vectors: number;
  words: number;
  simulateSeconds: number;
  buildSeconds: number;
  /** Files of this co-simulation, relative to the report folder. */
  files: string[];
  text: string;
  /** The refusal or tool failure, when the tile could not be co-simulated at all. */
  error: string | null;
}

export interface FlowReport {
  tool: 'memxbar run';
  version: string;
  createdAt: string;
  machine: string;
  config: Config;
  /** Fields that differ from the config's preset. */
  configDiff: Record<string, { preset: unknown; value: unknown }>;
  options: Omit<FlowOptions, 'out'>;
  accuracy: {
    images: number;
    float: number;
    integer: number;
    crossbar: number;
    /** The crossbar as configured (its own fault rate, seed and mitigation). */
    crossbarFaults: { rate: number; ratio: SaRatio; seed: number; mitigation: Mitigation };
  };
  sweep: { result: SweepResult; summary: SummaryRow[] };
  synth: SynthReport | null;
  /** Why there is no synthesis report (null when there is one). */
  synthSkipped: string | null;
  cosim: CosimVerdict[];
  /** Why there is no co-simulation (null when it ran). */
  cosimSkipped: string | null;
  /** The BIST → fault map → MT-map → write path → inference loop on one tile (memxbar cosim --flow bist-mt). */
  bistMt?: { layer: string; ok: boolean; simulator: string; seconds: number; text: string } | null;
  /** Why the loop did not run (null when it ran). */
  bistMtSkipped?: string | null;
  cost: CostReport;
  /** MT's regulation of energy and latency, priced from the sweep's measured points (no extra engine runs). */
  mtRegulation: RegulationPoint[];
  steps: StepTime[];
  totalSeconds: number;
  /** Files of the report folder, relative to it. */
  files: string[];
}

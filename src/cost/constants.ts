/**
 * Every constant of the cost model with its unit and source (docs/cost.md §1). A constant
 * taken from a public source names it; one that is memxbar's own choice says so
 * (`assumption: true`). Node-dependent data lives in tech.ts; everything derived from the
 * config (array sizes, bit widths, counts) is computed, never written here.
 */

export interface CostConstant {
  value: number;
  unit: string;
  source: string;
  /** true: no public source fixes this number; memxbar chose it (docs/cost.md says why). */
  assumption: boolean;
}

const NS13 = 'DNN+NeuroSim V1.3 (github.com/neurosim/DNN_NeuroSim_V1.3)';
const NS14 = 'DNN+NeuroSim V1.4 (github.com/neurosim/DNN_NeuroSim_V1.4)';
const HOROWITZ = 'M. Horowitz, "Computing\'s energy problem", ISSCC 2014, 45 nm, 0.9 V';

const c = (value: number, unit: string, source: string, assumption = false): CostConstant => ({ value, unit, source, assumption });

export const COST_CONSTANTS = {
  clockHz: c(1e9, 'Hz', `${NS14} Param.cpp clkFreq = 1e9; applied to memxbar's RTL, which has not been timed`, true),
  wireCapFPerM: c(0.2e-15 / 1e-6, 'F/m', `${NS14} SubArray.cpp: capBL = lengthCol · 0.2e-15/1e-6 (0.2 fF/µm)`),
  cellHeightF: c(4, 'F', `${NS14} Param.cpp heightInFeatureSize1T1R = 4`),
  cellWidthF: c(12, 'F', `${NS14} Param.cpp widthInFeatureSize1T1R = 12`),
  sramCellHeightF: c(10, 'F', `${NS14} Param.cpp heightInFeatureSizeSRAM = 10 (nodes above 14 nm)`),
  sramCellWidthF: c(28, 'F', `${NS14} Param.cpp widthInFeatureSizeSRAM = 28 (nodes above 14 nm)`),
  sramArrayEfficiency: c(0.7, '', 'memxbar: cell area / macro area of the global SRAM buffer (decoders, sense amplifiers, I/O)', true),
  sarNmosBase: c(269, 'min. NMOS', `${NS14} SarADC.cpp CalculateUnitArea: NMOS area × (269 + (log2(levels) − 1)·109)`),
  sarNmosPerBit: c(109, 'min. NMOS/bit', `${NS14} SarADC.cpp CalculateUnitArea`),
  sarPmosBase: c(209, 'min. PMOS', `${NS14} SarADC.cpp CalculateUnitArea: PMOS area × (209 + (log2(levels) − 1)·73)`),
  sarPmosPerBit: c(73, 'min. PMOS/bit', `${NS14} SarADC.cpp CalculateUnitArea`),
  sarCycleS: c(1e-9, 's', `${NS14} SarADC.cpp: a conversion lasts (log2(levels) + 1) × 1 ns (latency and energy)`),
  mlsaNmosPerLevel: c(9, 'min. NMOS/level', `${NS14} MultilevelSenseAmp.cpp CalculateArea: 9 minimum NMOS per sense amplifier, one per level`),
  mlsaReadCaps: c(2, 'gate caps at Vread', `${NS14} MultilevelSenseAmp.cpp voltage-mode Column_SwitchingE (2 NMOS gate caps at the column interface)`),
  mlsaVddCaps: c(18, 'gate caps at Vdd', `${NS14} MultilevelSenseAmp.cpp voltage-mode Column_SwitchingE, junction caps taken equal to gate caps and PMOS to NMOS`, true),
  switchWidthMin: c(4, '× min. width', 'memxbar: each row driver and column-mux switch is a transmission gate of two 4×-minimum devices', true),
  addEnergy32J: c(0.1e-12, 'J per 32-bit add', HOROWITZ),
  multEnergy32J: c(3.1e-12, 'J per 32-bit multiply', HOROWITZ),
  sram8kReadJ: c(10e-12, 'J per 64-bit read', `${HOROWITZ}: 8 KB SRAM`),
  sram32kReadJ: c(20e-12, 'J per 64-bit read', `${HOROWITZ}: 32 KB SRAM`),
  sram1mReadJ: c(100e-12, 'J per 64-bit read', `${HOROWITZ}: 1 MB SRAM`),
  horowitzVddV: c(0.9, 'V', HOROWITZ),
  horowitzNodeNm: c(45, 'nm', HOROWITZ),
  registerActivity: c(0.5, '', `${NS13} Param.cpp gamma = 0.5, "switching activity of DFF in shifter-add and accumulator" (validated)`),
  busActivity: c(0.5, '', `${NS14} Param.cpp outputtoggle = 0.5 (inputtoggle 0.18 for VGG8); memxbar uses 0.5 for every bus bit`, true),
  synthNodeNm: c(45, 'nm', 'memxbar45 Liberty library (NanGate FreePDK45 cell areas), docs/rtl.md'),
  controlGatesGe: c(20, 'NAND2 eq.', 'memxbar: next-state and decode logic of the control FSM in the no-report estimate', true),
} as const satisfies Record<string, CostConstant>;

export type CostConstantName = keyof typeof COST_CONSTANTS;

/** Value of a constant. */
export function k(name: CostConstantName): number {
  return COST_CONSTANTS[name].value;
}

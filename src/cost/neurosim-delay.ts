/**
 * NeuroSim's sensing-cycle delays (docs/cost.md §10): the parts of one synchronous clock that
 * memxbar's own circuits do not have — the row switch matrix, the column multiplexer and its
 * decoder, the column RC and the sense-amplifier encoder — ported from DNN+NeuroSim V1.3's C++
 * for its RRAM 1T1R "conventional parallel" subarray (Param.cpp operationmode = 2), bulk
 * low-power nodes. Every formula names the file and function it comes from; units are SI
 * (metres, farads, ohms, seconds) unless a name says otherwise. NeuroSim's layout rules
 * (constant.h) and device data (Technology.cpp, PTM LP) are copied, not fitted.
 *
 * Where NeuroSim's code does something surprising it is ported as written and said so (the
 * encoder's last two stages are computed but not added to its latency).
 */

/** NeuroSim constant.h layout rules, in units of the node F. */
const MIN_NMOS_SIZE = 2;
const MAX_TRANSISTOR_HEIGHT = 28;
const MIN_GAP_BET_P_AND_N_DIFFS = 3.5;
const MIN_POLY_EXT_DIFF = 1.0;
const MIN_GAP_BET_FIELD_POLY = 1.6;
const POLY_WIDTH = 1.0;
const MIN_GAP_BET_GATE_POLY = 2.8;
/** constant.h: access device / pass gate sized for this fraction of the cell's on resistance, and the linear-region factor. */
const IR_DROP_TOLERANCE = 0.25;
const LINEAR_REGION_RATIO = 0.2;
/** V1.3 Param.cpp: 1T1R cell 4F × 12F (heightInFeatureSize1T1R, widthInFeatureSize1T1R), relaxArrayCellHeight/Width = 0. */
const CELL_HEIGHT_F = 4;
const CELL_WIDTH_F = 12;
/** V1.3 SubArray.cpp Initialize: wire capacitance 0.2 fF/µm. */
const WIRE_CAP_F_PER_M = 0.2e-15 / 1e-6;

/** One bulk LP node as NeuroSim V1.3 Technology.cpp (300 K) and Param.cpp (wires) give it. */
export interface NsDevice {
  nodeNm: number;
  vddV: number;
  /** effectiveResistanceMultiplier (from CACTI). */
  effRes: number;
  /** currentOnNmos[0], currentOnPmos[0], A per metre of width (µA/µm). */
  ionN: number;
  ionP: number;
  capIdealGate: number;
  capFringe: number;
  /** Param.cpp: wire width (nm), aspect ratio and resistivity (Ω·m) of the node's wires. */
  wireWidthNm: number;
  wireAR: number;
  wireRho: number;
}

/**
 * The bulk LP nodes whose device data were read from V1.3 Technology.cpp (LSTP branch, the
 * default deviceroadmap = 2) and wire data from V1.3 Param.cpp. 45 and 32 nm LP and the FinFET
 * nodes were not read: the sensing-cycle delays are reported as not modelled there.
 */
export const NS_DEVICES: Record<number, NsDevice> = {
  130: { nodeNm: 130, vddV: 1.3, effRes: 1.54, ionN: 300.7, ionP: 150.7, capIdealGate: 1.8574e-9, capFringe: 9.530642e-10, wireWidthNm: 175, wireAR: 1.6, wireRho: 2.2e-8 },
  90: { nodeNm: 90, vddV: 1.2, effRes: 1.77, ionN: 346.3, ionP: 200.3, capIdealGate: 1.5413e-9, capFringe: 9.601334e-10, wireWidthNm: 110, wireAR: 1.6, wireRho: 2.52e-8 },
  65: { nodeNm: 65, vddV: 1.1, effRes: 1.77, ionN: 400.0, ionP: 238.7, capIdealGate: 1.1926e-9, capFringe: 9.62148e-10, wireWidthNm: 105, wireAR: 1.7, wireRho: 2.68e-8 },
  22: { nodeNm: 22, vddV: 0.85, effRes: 1.77, ionN: 791.9, ionP: 600.2, capIdealGate: 5.245e-10, capFringe: 8.004e-10, wireWidthNm: 40, wireAR: 1.9, wireRho: 4.03e-8 },
};

/** Device helpers of one node (NeuroSim formula.cpp and Technology.cpp, bulk branch). */
export class NsTech {
  readonly F: number;
  readonly pn: number;
  readonly capJunction: number;
  readonly capSidewall: number;
  readonly capDrainToChannel: number;
  constructor(readonly d: NsDevice) {
    this.F = d.nodeNm * 1e-9;
    this.pn = d.ionN / d.ionP; // Technology.cpp: pnSizeRatio = currentOnNmos[0]/currentOnPmos[0]
    // Technology.cpp: junction capacitances (BSIM4 grading, built-in potential 0.9 V), F/m² and F/m.
    const v = 1 + d.vddV / 0.9;
    this.capJunction = 1e-3 / Math.pow(v, 0.5);
    this.capSidewall = 2.5e-10 / Math.pow(v, 0.33);
    this.capDrainToChannel = 0.5e-10 / Math.pow(v, 0.33);
  }

  /** formula.cpp CalculateOnResistance (300 K): effRes·Vdd / (I_on·W), Ω. */
  onRes(w: number, type: 'n' | 'p'): number {
    return (this.d.effRes * this.d.vddV) / ((type === 'n' ? this.d.ionN : this.d.ionP) * w);
  }

  /** formula.cpp CalculateGateCap (≥ 22 nm): (capIdealGate + capOverlap + capFringe)·W, capOverlap = 0.2·capIdealGate (Technology.cpp), capPolywire = 0. */
  gateCap(w: number): number {
    return (this.d.capIdealGate * 1.2 + this.d.capFringe) * w;
  }

  /** formula.cpp EnlargeSize (bulk): a gate narrower than its cell height allows is widened to fill it. */
  enlarge(wN: number, wP: number, h: number): [number, number] {
    const F = this.F;
    const ratio = wP / (wP + wN);
    const edge = (MIN_POLY_EXT_DIFF + MIN_GAP_BET_FIELD_POLY / 2) * 2 * F;
    let maxP: number;
    let maxN: number;
    if (ratio === 0) {
      maxP = 0;
      maxN = h - edge;
    } else if (ratio === 1) {
      maxP = h - edge;
      maxN = 0;
    } else {
      maxP = ratio * (h - MIN_GAP_BET_P_AND_N_DIFFS * F - edge);
      maxN = (maxP / ratio) * (1 - ratio);
    }
    if (ratio === 0 && wN < maxN) return [maxN, wP];
    if (ratio === 1 && wP < maxP) return [wN, maxP];
    if (wP > 0 && wP < maxP && wN > 0 && wN < maxN) return [maxN, maxP];
    return [wN, wP];
  }

  /** formula.cpp CalculateGateCapacitance (bulk), input capacitance. */
  inputCap(wN: number, wP: number): number {
    return this.gateCap(wN) + this.gateCap(wP);
  }

  /** formula.cpp CalculateGateCapacitance (bulk), output (drain) capacitance of an INV / NAND / NOR. */
  outputCap(gate: 'inv' | 'nand' | 'nor', n: number, wN: number, wP: number, h: number): number {
    const F = this.F;
    const ratio = wP / (wP + wN);
    const edge = (MIN_POLY_EXT_DIFF + MIN_GAP_BET_FIELD_POLY / 2) * 2 * F;
    let maxP = 0;
    let maxN = 0;
    if (ratio === 0) maxN = h - edge;
    else if (ratio === 1) maxP = h - edge;
    else {
      maxP = ratio * (h - MIN_GAP_BET_P_AND_N_DIFFS * F - edge);
      maxN = (maxP / ratio) * (1 - ratio);
    }
    const unit = F * MIN_GAP_BET_GATE_POLY;
    const side = (w: number, max: number) => {
      if (w <= 0) return { drain: 0, source: 0, height: 0, folds: 1 };
      if (w <= max) return { drain: unit, source: unit, height: w, folds: 1 };
      const folds = Math.ceil(w / max);
      return { drain: Math.ceil((folds + 1) / 2) * unit, source: Math.floor((folds + 1) / 2) * unit, height: max, folds };
    };
    const P = side(wP, maxP);
    const N = side(wN, maxN);
    let dP = 0;
    let dN = 0;
    let swP = 0;
    let swN = 0;
    if (gate === 'inv') {
      if (wP > 0) {
        dP = P.drain;
        swP = dP * 2 + P.height * (1 + ((P.folds + 1) % 2));
      }
      if (wN > 0) {
        dN = N.drain;
        swN = dN * 2 + N.height * (1 + ((P.folds + 1) % 2)); // as written: the PMOS fold count
      }
    } else if (gate === 'nor') {
      if (P.folds === 1 && N.folds === 1) {
        if (wP > 0) {
          dP = P.drain * n;
          swP = dP * 2 + P.height;
        }
        if (wN > 0) {
          dN = N.drain * Math.floor((n + 1) / 2);
          swN = dN * 2 + N.height * (1 - ((n + 1) % 2));
        }
      } else {
        if (wP > 0) {
          dP = P.drain * n + (n - 1) * P.source;
          swP = dP * 2 + P.height * (1 + ((P.folds + 1) % 2)) * n + P.height * (1 - ((P.folds + 1) % 2)) * (n - 1);
        }
        if (wN > 0) {
          dN = N.drain * n;
          swN = dN * 2 + N.height * (1 + ((N.folds + 1) % 2)) * n;
        }
      }
    } else {
      if (P.folds === 1 && N.folds === 1) {
        if (wP > 0) {
          dP = P.drain * Math.floor((n + 1) / 2);
          swP = dP * 2 + P.height * (1 - ((n + 1) % 2));
        }
        if (wN > 0) {
          dN = N.drain * n;
          swN = dN * 2 + N.height;
        }
      } else {
        if (wP > 0) {
          dP = P.drain * n;
          swP = dP * 2 + P.height * (1 + ((P.folds + 1) % 2)) * n;
        }
        if (wN > 0) {
          dN = N.drain * n + (n - 1) * N.source;
          swN = dN * 2 + N.height * (1 + ((N.folds + 1) % 2)) * n + N.height * (1 - ((N.folds + 1) % 2)) * (n - 1);
        }
      }
    }
    const bottom = (dN * N.height + dP * P.height) * this.capJunction;
    const sidewall = (swN + swP) * this.capSidewall;
    const channel = (N.folds * N.height + P.folds * P.height) * this.capDrainToChannel;
    return bottom + sidewall + channel;
  }
}

/**
 * formula.cpp horowitz (CACTI's gate delay with the input ramp): tr·sqrt(ln(vs)² + 2·α·β·(1 − vs)),
 * vs = 0.5, β forced to 0.5 ("as CACTI"), α = 1/(rampInput·tr); the output ramp is (1 − vs)/delay.
 * A step input (rampInput = 1e20 1/s, NeuroSim's "no ramp") gives ln 2 · tr. Seconds.
 */
export function horowitz(tr: number, rampInput: number): { delayS: number; rampOutput: number } {
  const alpha = 1 / rampInput / tr;
  const vs = 0.5;
  const beta = 0.5;
  const delayS = tr * Math.sqrt(Math.log(vs) * Math.log(vs) + 2 * alpha * beta * (1 - vs));
  return { delayS, rampOutput: (1 - vs) / delayS };
}

/** The subarray a sensing cycle is computed for. */
export interface SensingSubarray {
  rows: number;
  cols: number;
  /** Columns sharing one sense amplifier / ADC (numColMuxed). */
  colsPerAdc: number;
  /** Output levels of the multilevel sense amplifier (levelOutput = 2^ADC bits). */
  levels: number;
  rOnOhm: number;
  rOffOhm: number;
  /** true: a SAR ADC (no multilevel encoder); false: the multilevel sense amplifier with its encoder. */
  sar: boolean;
}

/** The parts of NeuroSim's sensing cycle that memxbar ports, seconds (before β). */
export interface SensingCycleParts {
  /** Row switch matrix (NewSwitchMatrix) driving a word line. */
  switchMatrixS: number;
  /** Column multiplexer pass gates (Mux), 0 without column multiplexing. */
  muxS: number;
  /** Multiplexer decoder (RowDecoder, REGULAR_ROW, MUX), 0 without column multiplexing. */
  muxDecoderS: number;
  /** Column RC: 0.2 · C_col · R_avg/(rows/2). */
  columnRcS: number;
  /** Multilevel sense-amplifier encoder (MultilevelSAEncoder), 0 for a SAR ADC. */
  encoderS: number;
  /** max(switch matrix, mux + decoder) + column RC + encoder: what adds to the sense amplifier's (or SAR's) own delay. */
  totalS: number;
}

/**
 * NeuroSim V1.3 SubArray.cpp CalculateLatency, RRAM 1T1R conventionalParallel, CalculateclkFreq pass:
 *   readLatency = max(wlNewSwitchMatrix, mux + muxDecoder) + colDelay + multilevelSenseAmp + multilevelSAEncoder + sarADC,
 * then × β when validated. This returns every term but the sense amplifier / SAR (memxbar's
 * `sensingDelayS` and SAR conversion time) and β. null when the node's data were not read.
 */
export function sensingCycleParts(nodeNm: number, s: SensingSubarray): SensingCycleParts | null {
  const dev = NS_DEVICES[nodeNm];
  if (!dev) return null;
  const T = new NsTech(dev);
  const F = T.F;
  const H = MAX_TRANSISTOR_HEIGHT * F;

  // SubArray::Initialize (1T1R, tech.featureSize for the cell): row and column wires.
  const lengthRow = s.cols * CELL_WIDTH_F * F;
  const lengthCol = s.rows * CELL_HEIGHT_F * F;
  let capRow2 = lengthRow * WIRE_CAP_F_PER_M;
  let capCol = lengthCol * WIRE_CAP_F_PER_M;
  // Param.cpp: unitLengthWireResistance = Rho / (wireWidth² · AR) at 300 K.
  const unitWireRes = dev.wireRho / ((dev.wireWidthNm * 1e-9) ** 2 * dev.wireAR);
  const resRow = lengthRow * unitWireRes;
  // 1T1R access device sized for IR_DROP_TOLERANCE of R_on in its linear region; R_avg = access + (R_on + R_off)/2.
  const resCellAccess = s.rOnOhm * IR_DROP_TOLERANCE;
  const widthAccess = ((T.onRes(F, 'n') * LINEAR_REGION_RATIO) / resCellAccess) * F;
  const resMemCellAvg = resCellAccess + (s.rOnOhm + s.rOffOhm) / 2;
  capRow2 += T.gateCap(widthAccess) * s.cols;
  capCol += T.outputCap('inv', 1, widthAccess, 0, CELL_WIDTH_F * F) * s.rows; // CalculateDrainCap(NMOS, cell width)

  // SubArray::CalculateLatency: colDelay = tau · 0.2 ("15~20 % voltage drop is enough for sensing").
  const columnRcS = capCol * (resMemCellAvg / (s.rows / 2)) * 0.2;

  // NewSwitchMatrix: Initialize (2F / pn·2F enlarged to the 28F cell, resTg = R_on(N)·LINEAR_REGION_RATIO),
  // CalculateArea(heightArray) (gates stacked along the column: cell height = lengthCol / gates per column),
  // CalculateLatency(1e20, capRow2, resRow): Elmore tr = resTg·(5·C_drain + capRow2) + resRow·capRow2/2.
  const [swN, swP] = T.enlarge(MIN_NMOS_SIZE * F, T.pn * MIN_NMOS_SIZE * F, H);
  const swRes = T.onRes(swN, 'n') * LINEAR_REGION_RATIO;
  let perCol = Math.max(1, Math.floor(lengthCol / H));
  const colsTg = Math.ceil(s.rows / perCol);
  perCol = Math.ceil(s.rows / colsTg);
  const swDrain = T.outputCap('inv', 1, swN, swP, lengthCol / perCol);
  const switchMatrixS = horowitz(swRes * (swDrain * 5 + capRow2) + (resRow * capRow2) / 2, 1e20).delayS;

  let muxS = 0;
  let muxDecoderS = 0;
  if (s.colsPerAdc > 1) {
    // Mux (analog, FPGA = false): Initialize(resTg = R_avg/rows) sizes the pass gate for IR_DROP_TOLERANCE of it;
    // CalculateArea(..., OVERRIDE): unfolded pass gate; CalculateLatency: 2.3 · 2·resTg·(C_drain + C_gN/2 + C_gP/2).
    const rIn = (resMemCellAvg / s.rows) * IR_DROP_TOLERANCE;
    const [mN, mP] = T.enlarge((T.onRes(F, 'n') * F * LINEAR_REGION_RATIO) / (rIn * 2), (T.onRes(F, 'p') * F * LINEAR_REGION_RATIO) / (rIn * 2), H);
    const muxRes = 1 / (1 / T.onRes(mN, 'n') / LINEAR_REGION_RATIO + 1 / T.onRes(mP, 'p') / LINEAR_REGION_RATIO);
    const hTg = mP + mN + MIN_GAP_BET_P_AND_N_DIFFS * F + (MIN_POLY_EXT_DIFF + MIN_GAP_BET_FIELD_POLY / 2) * 2 * F; // CalculatePassGateArea, numFold = 1
    const cgN = T.gateCap(mN);
    const cgP = T.gateCap(mP);
    muxS = 2.3 * (muxRes * 2 * (T.outputCap('inv', 1, mN, mP, hTg) + 0.5 * cgN + 0.5 * cgP));
    // RowDecoder (REGULAR_ROW, MUX = true, not parallel) driving every multiplexer's gates:
    // CalculateLatency(1e20, capTgGateN·(cols/muxed), capTgGateP·(cols/muxed)).
    const groups = Math.ceil(s.cols / s.colsPerAdc);
    muxDecoderS = muxDecoderDelayS(T, Math.ceil(Math.log2(s.colsPerAdc)), cgN * groups, cgP * groups);
  }

  const encoderS = s.sar ? 0 : encoderDelayS(T, s.levels);
  const totalS = Math.max(switchMatrixS, muxS + muxDecoderS) + columnRcS + encoderS;
  return { switchMatrixS, muxS, muxDecoderS, columnRcS, encoderS, totalS };
}

/** RowDecoder.cpp Initialize / CalculateArea (no new height: 28F cells) / CalculateLatency, MUX mode, seconds. */
function muxDecoderDelayS(T: NsTech, nAddr: number, load1: number, load2: number): number {
  const F = T.F;
  const H = MAX_TRANSISTOR_HEIGHT * F;
  const [invN, invP] = T.enlarge(MIN_NMOS_SIZE * F, T.pn * MIN_NMOS_SIZE * F, H);
  const [nandN, nandP] = T.enlarge(2 * MIN_NMOS_SIZE * F, T.pn * MIN_NMOS_SIZE * F, H);
  const norIn = Math.ceil(nAddr / 2);
  const [norN, norP] = T.enlarge(MIN_NMOS_SIZE * F, norIn * T.pn * MIN_NMOS_SIZE * F, H);
  const drvN = 2 * MIN_NMOS_SIZE * F;
  const drvP = 2 * T.pn * MIN_NMOS_SIZE * F;
  const numNand = 4 * Math.floor(nAddr / 2);
  const numNor = nAddr > 2 ? 2 ** nAddr : 0;
  const invOut = T.outputCap('inv', 1, invN, invP, H);
  const invInC = T.inputCap(invN, invP);
  const nandInC = numNand ? T.inputCap(nandN, nandP) : 0;
  const nandOut = numNand ? T.outputCap('nand', 2, nandN, nandP, H) : 0;
  const norInC = numNor ? T.inputCap(norN, norP) : 0;
  const norOut = numNor ? T.outputCap('nor', norIn, norN, norP, H) : 0;
  const drvInC = T.inputCap(drvN, drvP);
  const drvOut = T.outputCap('inv', 1, drvN, drvP, H);
  let d = 0;
  let rampInv = 1e20;
  let rampNand = 1e20;
  let rampNor = 1e20;
  let h = horowitz(T.onRes(invN, 'n') * (invOut + (numNand ? nandInC * 2 : load1)), 1e20);
  d += h.delayS;
  rampInv = h.rampOutput;
  if (numNand) {
    h = horowitz(T.onRes(nandN, 'n') * 2 * (nandOut + (numNor ? (norInC * numNor) / 4 : load1)), rampInv);
    d += h.delayS;
    rampNand = h.rampOutput;
  }
  if (numNor) {
    h = horowitz(T.onRes(norP, 'p') * 2 * (norOut + nandInC), rampNand);
    d += h.delayS;
    rampNor = h.rampOutput;
  }
  // Mux enable circuit: NAND, then two driver inverters into the pass-gate gates.
  h = horowitz(T.onRes(nandN, 'n') * (nandOut + invInC), rampNor);
  d += h.delayS;
  h = horowitz(T.onRes(drvP, 'p') * (drvOut + drvInC + load1), h.rampOutput);
  d += h.delayS;
  h = horowitz(T.onRes(drvN, 'n') * (drvOut + load2), h.rampOutput);
  d += h.delayS;
  return d;
}

/**
 * MultilevelSAEncoder.cpp CalculateLatency(1e20, 1): INV → NAND2 and NAND2 → large NAND (ceil(levels/2)
 * inputs) stages. Its large-NAND → INV and last INV stages go to `readLatencyIntermediate`, which the
 * function never adds: ported as written. Seconds.
 */
function encoderDelayS(T: NsTech, levels: number): number {
  const F = T.F;
  const H = MAX_TRANSISTOR_HEIGHT * F;
  const nIn = Math.ceil(Math.floor(levels / 2));
  const [invN, invP] = T.enlarge(MIN_NMOS_SIZE * F, T.pn * MIN_NMOS_SIZE * F, H);
  const [nandN, nandP] = T.enlarge(2 * MIN_NMOS_SIZE * F, T.pn * MIN_NMOS_SIZE * F, H);
  const s1 = horowitz(T.onRes(invN, 'n') * 2 * (T.outputCap('inv', 1, invN, invP, H) + T.inputCap(nandN, nandP) * 2), 1e20);
  const s2 = horowitz(T.onRes(nandP, 'p') * (T.outputCap('nand', 2, nandN, nandP, H) + T.inputCap(nandN, nandP) * nIn), s1.rampOutput);
  return s1.delayS + s2.delayS;
}

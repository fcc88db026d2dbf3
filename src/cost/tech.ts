/**
 * Technology nodes of the cost model (docs/cost.md §1): supply voltage, gate capacitance,
 * the memory-cell feature size and NeuroSim's SAR ADC power fit, per node. Every number
 * is NeuroSim's (DNN+NeuroSim V1.3/V1.4, low-standby-power "LSTP/LP" roadmap, the
 * default `deviceroadmap = 2`); the file each comes from is named beside it. Nodes
 * outside the table are refused: the model does not interpolate between processes.
 */
import { UnsupportedError } from '../errors.ts';

export interface TechNode {
  nodeNm: number;
  /** Supply voltage (NeuroSim Technology.cpp, PTM LP models). */
  vddV: number;
  /** Memory-cell feature size F of the array and SRAM cells: NeuroSim's `wireWidth` for the node (V1.4 Param.cpp). */
  cellFeatureNm: number;
  /** capIdealGate + capFringe, F per metre of gate width (NeuroSim Technology.cpp, LP). */
  gateCapFPerM: number;
  /** FinFET geometry (nodes ≤ 14 nm), metres (NeuroSim Technology.cpp); null for planar bulk. */
  fin: { heightM: number; widthM: number; pitchM: number } | null;
  /**
   * NeuroSim V1.4 SarADC.cpp, LP branch: P = (a·log2(levels) + b)·1e−6 W + c·exp(−2.303·log10(R_col·0.5/Vread)).
   * `aUw`, `bUw` in µW; `cW` in W·Ω (the term is c/R to within 0.3 %: exp(−2.303·log10 R) = R^−1.0002).
   */
  sar: { aUw: number; bUw: number; cW: number };
}

/** Per node: [vdd, cell F (nm), capIdealGate, capFringe, fin | null, SAR a, b, c]. */
export const TECH_NODES: readonly TechNode[] = [
  node(130, 1.3, 175, 1.8574e-9, 9.530642e-10, null, [8.4483, 65.243, 0.16938]),
  node(90, 1.2, 110, 1.5413e-9, 9.601334e-10, null, [5.9869, 37.462, 0.144323]),
  node(65, 1.1, 105, 1.1926e-9, 9.62148e-10, null, [3.7506, 25.844, 0.121272]),
  node(45, 1.0, 80, 8.930709e-10, 8.849901e-10, null, [2.1691, 16.693, 0.100225]),
  node(32, 0.9, 56, 8.375279e-10, 6.856677e-10, null, [1.1294, 8.8998, 0.079449]),
  node(22, 0.85, 40, 5.245e-10, 8.004e-10, null, [0.538, 4.3753, 0.072341]),
  node(14, 0.8, 32, 1.0572e-9, 0, { heightM: 3.7e-8, widthM: 8e-9, pitchM: 4.8e-8 }, [0.3132, 2.5681, 0.061085]),
  node(10, 0.75, 22, 9.418984e-10, 0, { heightM: 4.2e-8, widthM: 6e-9, pitchM: 3.6e-8 }, [0.1823, 1.5073, 0.05158]),
  node(7, 0.7, 20, 8.49489e-10, 0, { heightM: 5.2e-8, widthM: 6e-9, pitchM: 3.0e-8 }, [0.1061, 0.8847, 0.043555]),
];

function node(nodeNm: number, vddV: number, cellFeatureNm: number, capIdeal: number, capFringe: number, fin: TechNode['fin'], sar: [number, number, number]): TechNode {
  return { nodeNm, vddV, cellFeatureNm, gateCapFPerM: capIdeal + capFringe, fin, sar: { aUw: sar[0], bUw: sar[1], cW: sar[2] } };
}

/** The node of `tech.nodeNm`; refuses nodes the table does not hold. */
export function techNode(nodeNm: number): TechNode {
  const t = TECH_NODES.find((n) => n.nodeNm === nodeNm);
  if (!t) {
    throw new UnsupportedError(
      `the cost model has NeuroSim's technology data for ${TECH_NODES.map((n) => n.nodeNm).join(', ')} nm only, got ${nodeNm}`,
      'tech.nodeNm',
    );
  }
  return t;
}

/** MIN_NMOS_SIZE of NeuroSim constant.h: a minimum transistor is 2F wide. */
export const MIN_NMOS_WIDTH_F = 2;

/**
 * Layout area of a minimum-size single-transistor gate (NeuroSim formula.cpp CalculateGateArea
 * for INV with one device, constant.h rules): bulk height 28F × width 2·(POLY_WIDTH 1 +
 * MIN_GAP_BET_GATE_POLY 2.8)·F = 212.8 F²; FinFET (≤ 14 nm) 34F × 2·(1.4 + 3.9)·F = 360.4 F².
 * F is the node (NeuroSim's tech.featureSize).
 */
export function minGateAreaM2(t: TechNode): number {
  const F = t.nodeNm * 1e-9;
  return t.fin ? 34 * 10.6 * F * F : 28 * 7.6 * F * F;
}

/**
 * Gate capacitance of a minimum transistor (NeuroSim formula.cpp CalculateGateCap without
 * the overlap and poly-wire terms): (capIdealGate + capFringe)·W_eff with W = 2F; FinFET:
 * W_eff = ceil(W·pitch/(2F) / pitch)·(2·finHeight + finWidth).
 */
export function minGateCapF(t: TechNode): number {
  const F = t.nodeNm * 1e-9;
  const w = MIN_NMOS_WIDTH_F * F;
  if (!t.fin) return t.gateCapFPerM * w;
  const scaled = (w * t.fin.pitchM) / (2 * F);
  const fins = Math.ceil(scaled / t.fin.pitchM - 1e-12);
  return t.gateCapFPerM * fins * (2 * t.fin.heightM + t.fin.widthM);
}

/** Memory-cell feature size in metres. */
export function cellFeatureM(t: TechNode): number {
  return t.cellFeatureNm * 1e-9;
}

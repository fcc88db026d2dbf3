/** View of templates/memxbar_tile.v.hbs. */
import { CSR, type Design } from '../design.ts';
import { hexLit, lit, zeroExt } from '../verilog.ts';
import { tableDataBits } from './mtTables.ts';
import { portDecl, tilePorts } from './ports.ts';

export interface TileView {
  xsumMsb: number;
  /** Port declarations with their separator and comment, aligned. */
  ports: { line: string }[];
  rows: number;
  cols: number;
  actBits: number;
  weightCols: number;
  weightColsMinusOne: number;
  psumBits: number;
  offBits: number;
  adcs: number;
  adcKindName: string;
  codeBits: number;
  adcMode: string;
  colsPerAdc: number;
  groups: number;
  mt: boolean;
  sar: boolean;
  hasGroups: boolean;
  shiftProgrammable: boolean;
  actMsb: number;
  psumMsb: number;
  weightColMsb: number;
  addrMsb: number;
  offMsb: number;
  rowMsb: number;
  colSelMsb: number;
  shiftMsb: number;
  codesMsb: number;
  adcMsb: number;
  thermsMsb: number;
  groupMsb: number;
  bitIdxMsb: number;
  srcMsb: number;
  termIdxMsb: number;
  termMsb: number;
  tblDataMsb: number;
  faultAddrMsb: number;
  shiftReset: string;
  shiftMaxLit: string;
  shiftMax32: string;
  shiftConst: string;
  adcShift32: string;
  mtRdata32: string;
  mtTermRdata32: string;
  offCtrl: string;
  offStatus: string;
  offAdcShift: string;
  offConfigId: string;
  offRows: string;
  offCols: string;
  offWeightCols: string;
  offFeatures: string;
  configId: string;
  rows32: string;
  cols32: string;
  weightCols32: string;
  features32: string;
}

const ADC_MODE_CODE = { lossless: 0, 'fixed-full-scale': 1, 'fixed-calibrated': 2 } as const;

/** FEATURES register: [15:0] terms per weight, [16] MT, [17] flash, [19:18] ADC mode. */
export function featuresWord(d: Design): number {
  return (d.termsPerWeight | ((d.options.mt ? 1 : 0) << 16) | ((d.adcKind === 'flash' ? 1 : 0) << 17) | (ADC_MODE_CODE[d.adcMode] << 18)) >>> 0;
}

/** CONFIG_ID register: the first 32 bits of the config hash. */
export function configIdWord(configHash: string): number {
  return Number.parseInt(configHash.slice(0, 8), 16) >>> 0;
}

function portLines(d: Design): { line: string }[] {
  const ports = tilePorts(d);
  const decls = ports.map((p, i) => portDecl(p) + (i < ports.length - 1 ? ',' : ''));
  const width = Math.max(...decls.map((x) => x.length));
  return ports.map((p, i) => ({ line: `${decls[i]!.padEnd(width)}  // ${p.doc}` }));
}

export function buildTileView(d: Design, configHash: string): TileView & Record<string, unknown> {
  const ow = d.regOffsetBits;
  const off = (n: number) => lit(ow, n);
  const dw = tableDataBits(d);
  return {
    ports: portLines(d),
    xsumMsb: d.xsumBits - 1,
    rows: d.rows,
    cols: d.cols,
    actBits: d.actBits,
    weightCols: d.weightCols,
    weightColsMinusOne: d.weightCols - 1,
    psumBits: d.psumBits,
    offBits: ow,
    adcs: d.adcs,
    adcKindName: d.adcKind === 'sar' ? 'SAR' : 'flash',
    codeBits: d.codeBits,
    adcMode: d.adcMode,
    colsPerAdc: d.colsPerAdc,
    groups: d.groups,
    mt: d.options.mt,
    sar: d.adcKind === 'sar',
    hasGroups: d.groups > 1,
    shiftProgrammable: d.shiftProgrammable,
    actMsb: d.rows * d.actBits - 1,
    psumMsb: d.psumBits - 1,
    weightColMsb: d.weightColBits - 1,
    addrMsb: d.regAddrBits - 1,
    offMsb: ow - 1,
    rowMsb: d.rows - 1,
    colSelMsb: d.colSelBits - 1,
    shiftMsb: d.shiftBits - 1,
    codesMsb: d.adcs * d.codeBits - 1,
    adcMsb: d.adcs - 1,
    thermsMsb: d.adcs * d.thermBits - 1,
    groupMsb: d.groupBits - 1,
    bitIdxMsb: d.bitIdxBits - 1,
    srcMsb: d.rows * d.rowSrcBits - 1,
    termIdxMsb: d.weightColBits + d.termIndexBits - 1,
    termMsb: d.termEntryBits - 1,
    tblDataMsb: dw - 1,
    faultAddrMsb: d.rowBits + d.colBits - 1,
    shiftReset: lit(d.shiftBits, d.shiftMax),
    shiftMaxLit: lit(d.shiftBits, d.shiftMax),
    shiftMax32: lit(32, d.shiftMax),
    shiftConst: lit(d.shiftBits, d.adcMode === 'lossless' ? 0 : d.shiftMax),
    adcShift32: zeroExt('adc_shift', d.shiftBits, 32),
    mtRdata32: zeroExt('mt_rd_data', dw, 32),
    mtTermRdata32: zeroExt('mt_term_rdata', dw, 32),
    offCtrl: off(CSR.CTRL),
    offStatus: off(CSR.STATUS),
    offAdcShift: off(CSR.ADC_SHIFT),
    offConfigId: off(CSR.CONFIG_ID),
    offRows: off(CSR.ROWS),
    offCols: off(CSR.COLS),
    offWeightCols: off(CSR.WEIGHT_COLS),
    offFeatures: off(CSR.FEATURES),
    configId: hexLit(32, configIdWord(configHash)),
    rows32: lit(32, d.rows),
    cols32: lit(32, d.cols),
    weightCols32: lit(32, d.weightCols),
    features32: hexLit(32, featuresWord(d)),
    writePath: d.writePath,
    bist: d.bist,
    testShiftLit: lit(d.shiftBits, d.testShift),
    levelHi: 24 + d.cellBits - 1,
    levelMsb: d.cellBits - 1,
    levelZero: lit(d.cellBits, 0),
    rowBitsMsb: d.rowBits - 1,
    colBitsMsb: d.colBits - 1,
    colBits: d.colBits,
    rowBitsZero: lit(d.rowBits, 0),
    colBitsZero: lit(d.colBits, 0),
    cellAddrMsb: d.rowBits + d.colBits - 1,
    offCellWrite: d.writePath ? off(CSR.CELL_WRITE) : '',
    offBistCtrl: d.bist ? off(CSR.BIST_CTRL) : '',
    offBistCycles: d.bist ? off(CSR.BIST_CYCLES) : '',
  };
}

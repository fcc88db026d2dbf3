/** View of templates/memxbar_ctrl.v.hbs. */
import type { Design } from '../design.ts';
import { lit } from '../verilog.ts';

export interface CtrlView {
  hasGroups: boolean;
  hasInputSum: boolean;
  groupMsb: number;
  colSelMsb: number;
  bitIdxMsb: number;
  qLast: string;
  gLast: string;
  kLast: string;
  qLastNum: number;
  gLastNum: number;
  kLastNum: number;
  qZero: string;
  gZero: string;
  kZero: string;
  qOne: string;
  gOne: string;
  kOne: string;
}

export function buildCtrlView(d: Design): CtrlView {
  const qw = d.colSelBits;
  const gw = d.groupBits;
  const kw = d.bitIdxBits;
  return {
    hasGroups: d.groups > 1,
    hasInputSum: d.inputSumSlot,
    groupMsb: gw - 1,
    colSelMsb: qw - 1,
    bitIdxMsb: kw - 1,
    qLast: lit(qw, d.colsPerAdc - 1),
    gLast: lit(gw, d.groups - 1),
    kLast: lit(kw, d.actBits - 1),
    qLastNum: d.colsPerAdc - 1,
    gLastNum: d.groups - 1,
    kLastNum: d.actBits - 1,
    qZero: lit(qw, 0),
    gZero: lit(gw, 0),
    kZero: lit(kw, 0),
    qOne: lit(qw, 1),
    gOne: lit(gw, 1),
    kOne: lit(kw, 1),
  };
}

/** The port list of memxbar_tile, as data: printed by the template and recorded in the manifest. */
import type { Design } from '../design.ts';

export interface Port {
  name: string;
  dir: 'input' | 'output';
  width: number;
  /** What the port carries. */
  doc: string;
}

export function tilePorts(d: Design): Port[] {
  const p = (name: string, dir: Port['dir'], width: number, doc: string): Port => ({ name, dir, width, doc });
  const ports: Port[] = [
    p('clk', 'input', 1, 'clock, rising edge'),
    p('rst', 'input', 1, 'asynchronous reset, active high'),
    p('act_valid', 'input', 1, 'activation vector valid'),
    p('act_ready', 'output', 1, 'tile ready for an activation vector'),
    p('act_data', 'input', d.rows * d.actBits, `logical row r at [r*${d.actBits} +: ${d.actBits}], unsigned codes`),
    p('psum_out_valid', 'output', 1, 'partial sum valid'),
    p('psum_out_ready', 'input', 1, 'partial sum taken'),
    p('psum_out_data', 'output', d.psumBits, 'partial sum T[o] (+ psum_in when chained), two\'s complement'),
    p('psum_out_index', 'output', d.weightColBits, 'weight column o of the word'),
    p('psum_out_last', 'output', 1, `last word of the vector (o = ${d.weightCols - 1})`),
    p('psum_in_valid', 'input', 1, 'chained partial sum valid'),
    p('psum_in_ready', 'output', 1, 'chained partial sum taken'),
    p('psum_in_data', 'input', d.psumBits, 'chained partial sum, two\'s complement'),
    p('reg_we', 'input', 1, 'register write strobe'),
    p('reg_re', 'input', 1, 'register read strobe'),
    p('reg_addr', 'input', d.regAddrBits, 'register word address {region[1:0], offset}'),
    p('reg_wdata', 'input', 32, 'register write data'),
    p('reg_rdata', 'output', 32, 'register read data, valid with reg_rvalid'),
    p('reg_rvalid', 'output', 1, 'read data valid (the cycle after reg_re)'),
    p('row_in', 'output', d.rows, 'input bit driven on each physical row (to the array)'),
    p('col_sel', 'output', d.colSelBits, 'unit multiplexer select: ADC a converts conversion unit a*colsPerAdc + col_sel'),
    p('adc_shift', 'output', d.shiftBits, 'ADC range m: conversion step = dG << m'),
  ];
  if (d.adcKind === 'sar') {
    ports.push(p('dac_code', 'output', d.adcs * d.codeBits, `SAR trial code of each ADC (to the comparators)${d.signedCodes ? `, offset binary: level = (code - ${2 ** (d.codeBits - 1)})` : ''}`));
    ports.push(p('cmp', 'input', d.adcs, 'comparator decision of each ADC: current >= level(dac_code)'));
  } else {
    ports.push(p('therm', 'input', d.adcs * d.thermBits, 'flash comparators of each ADC: bit i-1 = current >= level i'));
  }
  if (d.writePath) {
    ports.push(p('wr_en', 'output', 1, 'write one cell this cycle (to the array\'s row/column write drivers)'));
    ports.push(p('wr_row', 'output', d.rowBits, 'physical row of the cell written'));
    ports.push(p('wr_col', 'output', d.colBits, 'physical column of the cell written'));
    ports.push(p('wr_level', 'output', d.cellBits, `conductance level written: 0 = Gmin .. ${2 ** d.cellBits - 1} = Gmax`));
    ports.push(p('wr_all', 'output', 1, 'with wr_en: write every cell of row wr_row (all column drivers), wr_col ignored'));
  }
  if (d.bist) {
    ports.push(p('test_mode', 'output', 1, 'array test read: every column single-ended, ADC a converts column test_sel*adcs + a'));
    ports.push(p('test_sel', 'output', d.testSelBits, `test column multiplexer select (0..${d.testSlots - 1})`));
  }
  return ports;
}

/** Verilog declaration of a port, e.g. `input  wire [7:0] act_data`. */
export function portDecl(port: Port): string {
  const range = port.width > 1 ? `[${port.width - 1}:0] ` : '';
  return `${port.dir === 'input' ? 'input ' : 'output'} wire ${range}${port.name}`;
}

/** Each cost formula on a case worked by hand (docs/cost.md §2–§6); 22 nm unless said otherwise. */
import { describe, expect, it } from 'vitest';
import {
  addEnergyJ,
  arrayAreaM2,
  arrayReadEnergyJ,
  bitlineCapF,
  bitlineEnergyJ,
  cellAreaM2,
  conversionCycles,
  digitalAreaScale,
  digitalEnergyScale,
  flashAreaM2,
  flashEnergyJ,
  fullAdderAreaUm2,
  gatesEnergyJ,
  geEnergyJ,
  registerEnergyJ,
  sarAreaM2,
  sarEnergyJ,
  sramAreaM2,
  sramEnergyPerBitJ,
  switchEnergyJ,
  wireEnergyPerBitJ,
  wordlineCapF,
  wordlineEnergyJ,
} from '../../src/cost/components.ts';
import { minGateAreaM2, minGateCapF, techNode } from '../../src/cost/tech.ts';
import { UnsupportedError } from '../../src/errors.ts';

const t22 = techNode(22);
const close = (a: number, b: number, rel = 1e-9) => expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.abs(b));

describe('technology', () => {
  it('minimum gate: 28F × 7.6F bulk, 34F × 10.6F FinFET', () => {
    close(minGateAreaM2(t22), 212.8 * 22e-9 * 22e-9); // 1.029952e-13 m²
    close(minGateAreaM2(techNode(14)), 360.4 * 14e-9 * 14e-9);
  });
  it('minimum gate capacitance: (capIdealGate + capFringe) · 2F; FinFET one fin of 2·height + width', () => {
    close(minGateCapF(t22), (5.245e-10 + 8.004e-10) * 44e-9); // 5.82956e-17 F
    close(minGateCapF(techNode(14)), 1.0572e-9 * (2 * 37e-9 + 8e-9)); // 8.66904e-17 F
  });
  it('refuses a node without NeuroSim data, naming the field', () => {
    expect(() => techNode(28)).toThrow(UnsupportedError);
    expect(() => techNode(28)).toThrow(/tech\.nodeNm: .*130, 90, 65, 45, 32, 22, 14, 10, 7 nm only, got 28/);
  });
});

describe('array', () => {
  it('read energy Vread² · t · G_LSB · currentSum (docs/model.md §8 example: currentSum 356)', () => {
    // G_LSB = 1 / (100 kΩ · 16) = 6.25e-7 S; 0.25 V² · 10 ns · 6.25e-7 S · 356 = 5.5625e-13 J.
    close(arrayReadEnergyJ(356, 0.5, 10e-9, 1 / (100e3 * 16)), 5.5625e-13);
    close(arrayReadEnergyJ(2 * 356, 0.5, 10e-9, 1 / (100e3 * 16)), 2 * 5.5625e-13);
  });
  it('cells: 4F × 12F with F = 40 nm at 22 nm', () => {
    close(cellAreaM2(t22), 48 * 40e-9 * 40e-9); // 7.68e-14 m²
    close(arrayAreaM2(128, 128, t22), 16384 * 7.68e-14); // 1258.29 µm²
  });
  it('bit line: 128 rows × 4F × 0.2 fF/µm; charged to Vread per conversion', () => {
    close(bitlineCapF(128, t22), 128 * 160e-9 * 0.2e-9); // 4.096 fF
    close(bitlineEnergyJ(10, 128, 0.5, t22), 10 * 4.096e-15 * 0.25);
  });
  it('word line: 128 × (12F × 0.2 fF/µm + one gate); switched to Vdd per active row', () => {
    close(wordlineCapF(128, t22), 128 * (480e-9 * 0.2e-9 + 5.82956e-17)); // 19.75 fF
    close(wordlineEnergyJ(3, 128, t22), 3 * 128 * (9.6e-17 + 5.82956e-17) * 0.85 * 0.85);
  });
});

describe('ADCs', () => {
  it('SAR area: minimum gate × (269 + 4·109 + 209 + 4·73) for 5 bits', () => {
    close(sarAreaM2(5, t22), 1.029952e-13 * 1206); // 124.2 µm²
    close(sarAreaM2(1, t22), 1.029952e-13 * (269 + 209));
  });
  it('SAR energy: (0.538·B + 4.3753) µW × (B + 1) ns at 22 nm', () => {
    close(sarEnergyJ(5, t22), (0.538 * 5 + 4.3753) * 1e-6 * 6e-9); // 42.39 fJ
    close(sarEnergyJ(8, techNode(45)), (2.1691 * 8 + 16.693) * 1e-6 * 9e-9);
  });
  it('flash area: (2^B − 1) × 9 minimum NMOS + (2^B − 1)/2^B reference column', () => {
    close(flashAreaM2(5, 128, t22), 31 * 9 * 1.029952e-13 + (31 / 32) * 128 * 7.68e-14); // 38.26 µm²
  });
  it('flash energy: (2^B − 1) × (2 gate caps at Vread + 18 at Vdd)', () => {
    const cg = 5.82956e-17;
    close(flashEnergyJ(5, 0.5, t22), 31 * (2 * cg * 0.25 + 18 * cg * 0.7225)); // 24.41 fJ
  });
  it('conversion cycles of the RTL: SAR code bits + 1, flash 1', () => {
    expect(conversionCycles('sar', 5)).toBe(6);
    expect(conversionCycles('flash', 5)).toBe(1);
  });
});

describe('digital periphery', () => {
  it('a full adder is 2 XOR2 + 3 NAND2 = 5.586 µm² = 7 NAND2', () => {
    close(fullAdderAreaUm2(), 2 * 1.596 + 3 * 0.798);
  });
  it('area scale from 45 nm: (node/45)² on bulk nodes', () => {
    close(digitalAreaScale(t22), (22 / 45) ** 2);
    close(digitalAreaScale(techNode(45)), 1);
  });
  it('energy scale: minimum gate cap ratio × (Vdd / 0.9 V)²', () => {
    const c45 = (8.930709e-10 + 8.849901e-10) * 90e-9;
    close(digitalEnergyScale(t22), (5.82956e-17 / c45) * (0.85 / 0.9) ** 2); // 0.32494
    close(digitalEnergyScale(techNode(45)), (1.0 / 0.9) ** 2);
  });
  it('an n-bit add is n × 0.1 pJ / 32, scaled', () => {
    close(addEnergyJ(16, t22), 16 * 3.125e-15 * digitalEnergyScale(t22));
    close(addEnergyJ(32, techNode(45)) / (1.0 / 0.9) ** 2, 0.1e-12);
  });
  it('a register bit: DFF gate equivalents (4.522/0.798) × 0.5 × energy per gate equivalent', () => {
    close(geEnergyJ(t22), (3.125e-15 / 7) * digitalEnergyScale(t22));
    close(registerEnergyJ(10, t22), 10 * (4.522 / 0.798) * 0.5 * geEnergyJ(t22));
  });
  it('logic switching once: area / NAND2 × 0.5 × energy per gate equivalent', () => {
    close(gatesEnergyJ(10 * 0.798, t22), 10 * 0.5 * geEnergyJ(t22));
  });
  it('switch energy: 2 devices × 4 × minimum gate cap × Vdd²', () => {
    close(switchEnergyJ(t22), 8 * 5.82956e-17 * 0.7225);
  });
});

describe('buffers and wires', () => {
  it('SRAM area: bits × 10F × 28F / 0.7', () => {
    close(sramAreaM2(1e6, t22), (1e6 * 280 * 1.6e-15) / 0.7); // 0.64 mm²
  });
  it('SRAM energy per bit, log-log between Horowitz\'s 8 KB, 32 KB and 1 MB points', () => {
    const s = digitalEnergyScale(t22);
    close(sramEnergyPerBitJ(4096, t22), (10e-12 / 64) * s); // below 8 KB: the 8 KB figure
    close(sramEnergyPerBitJ(32 * 1024, t22), (20e-12 / 64) * s);
    close(sramEnergyPerBitJ(256 * 1024, t22), ((20e-12 * 5 ** 0.6) / 64) * s); // ln 8 / ln 32 = 0.6 of the way to 1 MB
  });
  it('wire energy per bit: 0.5 × 0.2 fF/µm × L × Vdd²', () => {
    close(wireEnergyPerBitJ(1e-3, t22), 0.5 * 0.2e-9 * 1e-3 * 0.7225); // 72.25 fJ per mm
  });
});

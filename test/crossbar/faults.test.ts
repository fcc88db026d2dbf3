/** Stuck-at fault maps (docs/model.md §6): drawing order, statistics and the CSV file format. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countFaults, drawFaults, faultMapToCsv, loadFaultMap, networkLayerShapes, OK, parseFaultMapCsv, SA0, SA1, type LayerShape } from '../../src/crossbar/faults.ts';
import { layerLayout, plainMapping } from '../../src/crossbar/layout.ts';
import { DataError } from '../../src/errors.ts';
import { Rng } from '../../src/util/rng.ts';
import { config, tinyQuant } from '../helpers.ts';
import { saRatio } from '../../src/config/schema.ts';

/** Layer shapes on 4×6 tiles (offset, 4-bit weights in 2-bit cells: S = 2, Wc = 2). */
function shapes(...dims: [string, number, number][]): LayerShape[] {
  const cfg = config({ quant: { weightBits: 4 }, tile: { rows: 4, cols: 6, cellBits: 2, parallelRead: 4, colsPerAdc: 1 } });
  return dims.map(([name, R, C]) => ({ name, layout: layerLayout(R, C, cfg) }));
}

/** conv1: 5 rows × 3 outputs → 2×2 tiles = 8×12 cells; fc: 4 × 2 → 4×6 cells. */
const net = shapes(['conv1', 5, 3], ['fc', 4, 2]);

describe('the layers a fault map covers', () => {
  it('networkLayerShapes (from layer shapes only) = the plain mappings of the quantized network', () => {
    const { qn } = tinyQuant(2, 6, 4);
    const cfg = config({ quant: { weightBits: 6, activationBits: 4 }, tile: { rows: 16, cols: 12, cellBits: 2, parallelRead: 16, colsPerAdc: 1 } });
    const want = qn.layers.map((q) => ({ name: q.layer.name, layout: plainMapping(q, cfg).layout }));
    expect(networkLayerShapes(qn.net, cfg)).toEqual(want);
    expect(want.map((l) => l.name)).toEqual(['conv1', 'fc1', 'fc2']);
  });
  it("Zhang's value-range reduction is a wider array: its shapes, and a plain map refused with the shapes named", () => {
    const { qn } = tinyQuant(2, 6, 4);
    const base = config({ quant: { weightBits: 6, activationBits: 4 }, tile: { rows: 16, cols: 32, cellBits: 1, parallelRead: 16, colsPerAdc: 1 } });
    const zhang = { ...base, mitigation: { ...base.mitigation, method: 'zhang' as const, valueRangeParts: 3 } };
    const plain = networkLayerShapes(qn.net, base);
    const split = networkLayerShapes(qn.net, zhang);
    expect(split.map((l) => [l.layout.parts, l.layout.S])).toEqual(plain.map(() => [3, 5]));
    expect(split[0]!.layout.physCols).toBeGreaterThan(plain[0]!.layout.physCols);
    // valueRangeParts matters only to zhang.
    expect(networkLayerShapes(qn.net, { ...zhang, mitigation: { ...zhang.mitigation, method: 'mt-map' as const } })).toEqual(plain);
    const csv = faultMapToCsv(drawFaults(plain, 0.1, saRatio('5:1'), 2));
    expect(() => parseFaultMapCsv(csv, split, 'plain.csv')).toThrow(/layer conv1 as a 32x64 physical array, but the configured network maps it to 32x160 .*mitigation.valueRangeParts/);
  });
});

describe('drawing a fault map', () => {
  it('covers every physical cell of every layer', () => {
    const map = drawFaults(net, 0.5, saRatio('1:1'), 1);
    expect(map.map((l) => [l.name, l.physRows, l.physCols, l.cells.length])).toEqual([
      ['conv1', 8, 12, 96],
      ['fc', 4, 6, 24],
    ]);
  });

  it('rate 0: no stuck cell', () => {
    expect(countFaults(drawFaults(net, 0, saRatio('5:1'), 1))).toEqual({ cells: 120, sa0: 0, sa1: 0 });
  });

  it('rate 1: every cell stuck; ratio 1:0 → only SA1, 0:1 → only SA0', () => {
    const c = countFaults(drawFaults(net, 1, saRatio('5:1'), 1));
    expect(c.sa0 + c.sa1).toBe(120);
    expect(c.sa0).toBeGreaterThan(0);
    expect(countFaults(drawFaults(net, 1, saRatio('1:0'), 1))).toEqual({ cells: 120, sa0: 0, sa1: 120 });
    expect(countFaults(drawFaults(net, 1, saRatio('0:1'), 1))).toEqual({ cells: 120, sa0: 120, sa1: 0 });
  });

  it('the drawing order: per layer Rng(seed, layer index); per cell (row-major) one uint32 < rate·2^32, then for a stuck cell one uint32 < share·2^32 → SA1', () => {
    const rate = 0.3;
    const share = 5 / 6;
    const map = drawFaults(net, rate, saRatio('5:1'), 42);
    net.forEach((l, index) => {
      const rng = new Rng(42, index);
      const n = l.layout.physRows * l.layout.physCols;
      const want = new Uint8Array(n);
      for (let i = 0; i < n; i++) if (rng.uint32() < rate * 2 ** 32) want[i] = rng.uint32() < share * 2 ** 32 ? SA1 : SA0;
      expect(Array.from(map[index]!.cells)).toEqual(Array.from(want));
    });
  });

  it('same seed → same map; another seed → another map', () => {
    const a = drawFaults(net, 0.2, saRatio('5:1'), 7);
    expect(drawFaults(net, 0.2, saRatio('5:1'), 7)).toEqual(a);
    expect(drawFaults(net, 0.2, saRatio('5:1'), 8)).not.toEqual(a);
  });

  it("a layer's draws depend only on (seed, its index), not on the other layers", () => {
    const big = shapes(['a', 40, 60], ['b', 40, 60]);
    const other = shapes(['a', 4, 2], ['b', 40, 60]);
    const m1 = drawFaults(big, 0.1, saRatio('1:1'), 3);
    const m2 = drawFaults(other, 0.1, saRatio('1:1'), 3);
    expect(m2[1]!.cells).toEqual(m1[1]!.cells);
    // Same shape, different stream: the two layers' maps differ and agree on stuck cells only by chance
    // (expected 0.1·0.1 of the cells; bound 5σ).
    const [a, b] = [m1[0]!.cells, m1[1]!.cells];
    expect(a).not.toEqual(b);
    let both = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== OK && b[i] !== OK) both++;
    const n = a.length;
    expect(Math.abs(both - 0.01 * n)).toBeLessThan(5 * Math.sqrt(n * 0.01 * 0.99));
  });

  it('rate 0.1, 5:1 on 100k cells: counts within 5σ of the binomial means', () => {
    const big = shapes(['big', 200, 500]); // 200 rows × 500 outputs → 200 × (250 tiles · 6) cells
    const c = countFaults(drawFaults(big, 0.1, saRatio('5:1'), 11));
    const n = c.cells;
    expect(n).toBe(200 * 1500);
    const stuck = c.sa0 + c.sa1;
    expect(Math.abs(stuck - 0.1 * n)).toBeLessThan(5 * Math.sqrt(n * 0.1 * 0.9));
    expect(Math.abs(c.sa1 - (5 / 6) * stuck)).toBeLessThan(5 * Math.sqrt(stuck * (5 / 6) * (1 / 6)));
  });
});

describe('fault-map CSV', () => {
  const hand = () => {
    const map = drawFaults(net, 0, saRatio('1:1'), 0);
    map[0]!.cells[0 * 12 + 5] = SA1;
    map[0]!.cells[7 * 12 + 11] = SA0;
    map[1]!.cells[2 * 6 + 3] = SA1;
    return map;
  };

  it('writes one line per stuck cell after a header, the naming and the layer dimensions', () => {
    expect(faultMapToCsv(hand())).toBe(
      [
        '# memxbar fault map v1',
        '# naming: standard (SA1 = stuck at Gmax, SA0 = stuck at Gmin)',
        '# layers: conv1 8x12, fc 4x6',
        'layer,row,col,type',
        'conv1,0,5,SA1',
        'conv1,7,11,SA0',
        'fc,2,3,SA1',
        '',
      ].join('\n'),
    );
  });

  it('round trip: faultMapToCsv → parseFaultMapCsv gives the same map (standard and pytorx naming)', () => {
    const map = drawFaults(net, 0.3, saRatio('5:1'), 9);
    expect(parseFaultMapCsv(faultMapToCsv(map), net, 'map.csv')).toEqual(map);
    expect(parseFaultMapCsv(faultMapToCsv(map, 'pytorx'), net, 'map.csv', 'pytorx')).toEqual(map);
    expect(parseFaultMapCsv(faultMapToCsv(hand()), net, 'map.csv')).toEqual(hand());
  });

  it('PytorX naming swaps the names: its SA0 is stuck at Gmax', () => {
    const text = 'layer,row,col,type\nfc,0,0,SA0\nfc,0,1,SA1\n';
    const std = parseFaultMapCsv(text, net, 'm.csv', 'standard');
    const ptx = parseFaultMapCsv(text, net, 'm.csv', 'pytorx');
    expect([std[1]!.cells[0], std[1]!.cells[1]]).toEqual([SA0, SA1]);
    expect([ptx[1]!.cells[0], ptx[1]!.cells[1]]).toEqual([SA1, SA0]);
    expect(faultMapToCsv(ptx, 'pytorx')).toContain('fc,0,0,SA0\nfc,0,1,SA1\n');
  });

  it('a chip tester file: comments, blank lines, spaces and CRLF are accepted; no "# layers" line needed', () => {
    const text = '# from tester X\r\n\r\nlayer, row, col, type\r\n fc , 3 , 5 , SA0 \r\n';
    const m = parseFaultMapCsv(text, net, 'chip.csv');
    expect(m[1]!.cells[3 * 6 + 5]).toBe(SA0);
    expect(countFaults(m)).toEqual({ cells: 120, sa0: 1, sa1: 0 });
  });

  const bad: [string, string, RegExp][] = [
    ['no header', '# only a comment\n', /^m\.csv: no header line/],
    ['bad header', '# c\nlayer,row,column,type\n', /^m\.csv:2: expected the header/],
    ['wrong field count', 'layer,row,col,type\nfc,1,2\n', /^m\.csv:2: expected 4 fields .* got 3/],
    ['too many fields', 'layer,row,col,type\nfc,1,2,SA0,x\n', /^m\.csv:2: expected 4 fields .* got 5/],
    ['unknown layer', 'layer,row,col,type\nfc,0,0,SA1\nfc3,1,2,SA0\n', /^m\.csv:3: unknown layer "fc3"; the network has conv1, fc/],
    ['row out of range', 'layer,row,col,type\nfc,4,0,SA0\n', /^m\.csv:2: row "4" is outside layer fc's physical array \(rows 0\.\.3\)/],
    ['negative row', 'layer,row,col,type\nfc,-1,0,SA0\n', /^m\.csv:2: row "-1"/],
    ['empty row', 'layer,row,col,type\nfc,,0,SA0\n', /^m\.csv:2: row ""/],
    ['non-integer row', 'layer,row,col,type\nfc,1.5,0,SA0\n', /^m\.csv:2: row "1\.5"/],
    ['col out of range', 'layer,row,col,type\n\nconv1,7,12,SA1\n', /^m\.csv:3: col "12" is outside layer conv1's physical array \(cols 0\.\.11\)/],
    ['bad type', 'layer,row,col,type\nfc,0,0,sa1\n', /^m\.csv:2: type must be SA0 or SA1, got "sa1"/],
    ['duplicate', 'layer,row,col,type\nfc,1,1,SA0\nfc,0,0,SA0\nfc,1,1,SA1\n', /^m\.csv:4: cell \(1, 1\) of fc is listed twice/],
    ['dimensions differ', '# layers: conv1 8x12, fc 4x8\nlayer,row,col,type\n', /^m\.csv:1: .*layer fc as a 4x8 physical array, .* 4x6/],
    ['layer not in the network', '# layers: conv1 8x12, fc 4x6, fc2 4x6\nlayer,row,col,type\n', /^m\.csv:1: .*layer "fc2"/],
    ['layer missing from the map', '# layers: conv1 8x12\nlayer,row,col,type\n', /^m\.csv:1: .*does not list layer\(s\) fc/],
    ['naming differs', '# naming: pytorx (…)\nlayer,row,col,type\n', /^m\.csv:1: .*naming "pytorx" but faults\.naming is "standard"/],
  ];
  for (const [what, text, message] of bad) {
    it(`refuses a file with ${what}, naming the line`, () => {
      expect(() => parseFaultMapCsv(text, net, 'm.csv')).toThrow(DataError);
      expect(() => parseFaultMapCsv(text, net, 'm.csv')).toThrow(message);
    });
  }

  it('loadFaultMap reads a file; a missing file is a DataError naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'memxbar-faults-'));
    const path = join(dir, 'map.csv');
    writeFileSync(path, faultMapToCsv(hand()));
    expect(loadFaultMap(path, net)).toEqual(hand());
    const missing = join(dir, 'nope.csv');
    expect(() => loadFaultMap(missing, net)).toThrow(DataError);
    expect(() => loadFaultMap(missing, net)).toThrow(`${missing}: cannot read fault map: ENOENT`);
    writeFileSync(path, 'layer,row,col,type\nfc,9,0,SA0\n');
    expect(() => loadFaultMap(path, net)).toThrow(`${path}:2: row "9"`);
  });
});

/**
 * Memory macros for the synthesis report: the fault store of an MT tile is mapped by
 * Yosys `memory_libmap` onto one single-port SRAM macro, a blackbox cell whose area comes
 * from a published 45 nm SRAM compiler result, instead of thousands of flip-flops.
 *
 * A memory library is data: its source, its bit density, its access energy and the largest
 * macro it compiles. `sramMacro(lib, words, width)` sizes one macro by the documented rule
 * (area = bits / density; energy = bits per access × energy per bit), and the texts below
 * give Yosys the three views it needs: the `memory_libmap` library, the techmap that turns
 * the mapped `$__MEMXBAR_SRAM_` cell into the named macro, the macro's blackbox module, and a
 * one-cell Liberty file that `stat -liberty` reads the macro's area from.
 */
import { ConfigError, UnsupportedError } from '../errors.ts';

export interface MemoryLibrary {
  name: string;
  /** What the numbers come from. */
  source: string;
  /** Bits per mm² of a compiled macro (cells, decoders, sense amplifiers, I/O). */
  densityBitsPerMm2: number;
  densitySource: string;
  /** Dynamic energy per bit read, J; writes are taken equal (see `writeEnergySource`). */
  readEnergyPerBitJ: number;
  readEnergySource: string;
  writeEnergySource: string;
  /** Read access time, s; the RTL's contract is one clock cycle (synchronous read). */
  accessTimeS: number;
  accessTimeSource: string;
  /** The largest macro (bits) the library compiles; a larger store is refused. */
  maxBits: number;
  maxBitsSource: string;
  /** Transistors per bit cell (6T) for the transistor estimate; periphery not counted. */
  transistorsPerBit: number;
}

const OPENRAM = 'M. R. Guthaus et al., "OpenRAM: An Open-Source Memory Compiler", ICCAD 2016; OpenRAM docs/source/results.md';
const HOROWITZ = 'M. Horowitz, "Computing\'s energy problem", ISSCC 2014, 45 nm';

/** The memory libraries memxbar knows, by name. */
export const MEMORY_LIBRARIES: Readonly<Record<string, MemoryLibrary>> = {
  'openram-freepdk45': {
    name: 'openram-freepdk45',
    source: 'OpenRAM single-port (1rw, 6T) SRAM macros in FreePDK45',
    // 0.826 Mb/mm² ("Comparison with Fabricated SRAMs", FreePDK45 row), Mb read as 2^20 bits.
    densityBitsPerMm2: 0.826 * 2 ** 20,
    densitySource: `${OPENRAM}: FreePDK45 density 0.826 Mb/mm² (1 Mb = 2^20 bits)`,
    // Horowitz: a 64-bit read of an 8 KB SRAM costs 10 pJ; held for smaller macros.
    readEnergyPerBitJ: 10e-12 / 64,
    readEnergySource: `${HOROWITZ}: 10 pJ per 64-bit read of an 8 KB SRAM, per bit (held below 8 KB)`,
    writeEnergySource: 'memxbar: a write is taken to cost a read (no published 45 nm write figure at hand)',
    accessTimeS: 1e-9,
    accessTimeSource: 'memxbar: one cycle at NeuroSim\'s 1 GHz clock (the RTL reads synchronously); not from a characterized macro',
    // The largest FreePDK45 layout in OpenRAM's results: 2048 words x 32 bits.
    maxBits: 2048 * 32,
    maxBitsSource: `${OPENRAM}: largest FreePDK45 layout shown, 2048 x 32b x 1rw`,
    transistorsPerBit: 6,
  },
};

export const DEFAULT_MEMORY_LIBRARY = 'openram-freepdk45';

/** The library of that name; an unknown name is a user error naming where. */
export function memoryLibrary(name: string, where = '--memory-library'): MemoryLibrary {
  const lib = MEMORY_LIBRARIES[name];
  if (!lib) throw new ConfigError(`unknown memory library ${JSON.stringify(name)} (known: ${Object.keys(MEMORY_LIBRARIES).join(', ')})`, where);
  return lib;
}

export interface SramMacro {
  /** Cell name of the macro, e.g. `memxbar_sram_16384x2`. */
  cell: string;
  library: string;
  words: number;
  width: number;
  addrBits: number;
  bits: number;
  areaUm2: number;
  readEnergyJ: number;
  writeEnergyJ: number;
  accessTimeS: number;
  transistors: number;
  /** One line: how the numbers were obtained. */
  rule: string;
}

/** Area of `bits` of SRAM of `lib` by its density rule (bits / density), µm². */
export function sramAreaUm2(lib: MemoryLibrary, bits: number): number {
  return Math.round((bits / lib.densityBitsPerMm2) * 1e6 * 1000) / 1000;
}

/** One single-port macro of `words` x `width` bits from `lib`; refused when the library cannot compile it. */
export function sramMacro(lib: MemoryLibrary, words: number, width: number, where = 'fault store'): SramMacro {
  const bits = words * width;
  if (bits > lib.maxBits) {
    throw new UnsupportedError(
      `${words} x ${width} bits (${bits} bits) exceed the largest macro of memory library ${lib.name} (${lib.maxBits} bits); use --fault-store flipflops`,
      where,
    );
  }
  const addrBits = Math.max(1, Math.ceil(Math.log2(words)));
  const areaUm2 = sramAreaUm2(lib, bits);
  const readEnergyJ = width * lib.readEnergyPerBitJ;
  return {
    cell: `memxbar_sram_${words}x${width}`,
    library: lib.name,
    words,
    width,
    addrBits,
    bits,
    areaUm2,
    readEnergyJ,
    writeEnergyJ: readEnergyJ,
    accessTimeS: lib.accessTimeS,
    transistors: bits * lib.transistorsPerBit,
    rule: `SRAM macro ${words} x ${width} of ${lib.name}: area = bits / ${(lib.densityBitsPerMm2 / 2 ** 20).toFixed(3)} Mb/mm²`,
  };
}

/** Yosys name of the `memory_libmap` block of a macro. */
const blockName = (m: SramMacro): string => `$__MEMXBAR_SRAM_${m.words}x${m.width}_`;

/** The `memory_libmap` library: one synchronous single-port block of exactly each macro's shape. */
export function memlibText(ms: readonly SramMacro[]): string {
  return ms.map(memlibBlock).join('');
}

function memlibBlock(m: SramMacro): string {
  return [
    `# ${m.cell}: single-port SRAM macro (${m.library}), generated by memxbar`,
    `ram block ${blockName(m)} {`,
    `    abits ${m.addrBits};`,
    `    width ${m.width};`,
    '    cost 1;',
    '    port srsw "A" {',
    '        clock posedge;',
    '        clken;',
    '        rdwr no_change;',
    '    }',
    '}',
    '',
  ].join('\n');
}

/** Techmap: each mapped block → an instance of its macro cell (OpenRAM's port names). */
export function memlibMapVerilog(ms: readonly SramMacro[]): string {
  return ms.map(memlibMapModule).join('');
}

function memlibMapModule(m: SramMacro): string {
  const a = m.addrBits - 1;
  const w = m.width - 1;
  return [
    `module \\${blockName(m)} (PORT_A_CLK, PORT_A_CLK_EN, PORT_A_WR_EN, PORT_A_ADDR, PORT_A_WR_DATA, PORT_A_RD_DATA);`,
    '    input PORT_A_CLK;',
    '    input PORT_A_CLK_EN;',
    '    input PORT_A_WR_EN;',
    `    input [${a}:0] PORT_A_ADDR;`,
    `    input [${w}:0] PORT_A_WR_DATA;`,
    `    output [${w}:0] PORT_A_RD_DATA;`,
    `    ${m.cell} _TECHMAP_REPLACE_ (.clk0(PORT_A_CLK), .en0(PORT_A_CLK_EN), .we0(PORT_A_WR_EN), .addr0(PORT_A_ADDR), .din0(PORT_A_WR_DATA), .dout0(PORT_A_RD_DATA));`,
    'endmodule',
    '',
  ].join('\n');
}

/** The macros as blackbox modules (what the tile instantiates after mapping). */
export function macroBlackboxVerilog(ms: readonly SramMacro[]): string {
  return ms.map(macroBlackboxModule).join('');
}

function macroBlackboxModule(m: SramMacro): string {
  return [
    '(* blackbox *)',
    `module ${m.cell} (input clk0, input en0, input we0, input [${m.addrBits - 1}:0] addr0, input [${m.width - 1}:0] din0, output [${m.width - 1}:0] dout0);`,
    'endmodule',
    '',
  ].join('\n');
}

/** A Liberty file carrying the macros' areas for `stat -liberty` (one cell each). */
export function macroLibertyText(ms: readonly SramMacro[]): string {
  return [
    ...ms.map((m) => `/* ${m.rule}; generated by memxbar. Area only. */`),
    'library (memxbar_sram_lib) {',
    ...ms.flatMap((m) => [`  cell (${m.cell}) {`, `    area : ${m.areaUm2};`, '    dont_use : true;', '  }']),
    '}',
    '',
  ].join('\n');
}

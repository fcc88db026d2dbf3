`default_nettype none

// Behavioural model of the analog side of one memxbar tile, for simulation only:
// the crossbar array, the conversion units, the unit multiplexers and the ADC
// comparators, exactly as the reference model (docs/model.md sections 4-5,
// src/crossbar/reference.ts) defines them, in integers.
//
//   cell (r, j)    : conductance G[r][j] in conductance LSBs (G_LSB = Gmax / Gu), one
//                    word per cell, row-major (line r*COLS + j) of CELLS_HEX. Faults and
//                    device non-linearity are already folded into these integers.
//   column current : I[j] = sum over rows r of row_in[r] * G[r][j]      (G_LSB * Vread),
//                    computed for all columns at once: row r is kept as one wide word of
//                    COLS lanes of LW bits (lane j = G[r][j], LW wide enough that the sum
//                    of all rows never carries into the next lane), and the currents are
//                    the lanes of the sum of the driven rows' words: one wide addition
//                    per driven row instead of COLS, the same integers. Cells are written
//                    only through CELLS_HEX, load_cells or set_cell, which keep the row
//                    words up to date. An unknown (X/Z) cell or row input makes every
//                    current unknown.
//   read noise     : noise[j*NW +: NW] (signed, G_LSB * Vread) is added to I[j] before the
//                    conversion units: the reference model's noise of the read in progress
//                    (docs/model.md 9.3), selected by the testbench (memxbar_cosim_tb.v);
//                    all zero when read noise is off.
//   conversion unit: DIFF = 0: unit u reads column u (u < U);
//                    DIFF = 1: unit u = j*S + s reads the pair difference
//                    I[j*2S + s] - I[j*2S + S + s] (subtracted before the ADC).
//   ADC a          : converts unit u = a*CPA + col_sel (a current of 0 if u >= U) with
//                    step = DG << adc_shift (dG * 2^m). Codes are offset binary when
//                    SIGNED = 1: code v stands for level c = v - 2^(CW-1) (else c = v).
//                    The comparator of level c fires iff 2*Iu + step >= 2*c*step, i.e.
//                    rdiv(Iu, step) >= c (round half up).
//     SAR   : cmp[a] = comparator of level(dac_code[a]); the controller's search then
//             yields the largest code whose level is <= rdiv(Iu, step).
//     flash : therm[a*TH + i - 1] = comparator of level(i), i = 1 .. TH = 2^CW - 1.
//
//   write path     : on a rising clk with wr_en = 1, cell (wr_row, wr_col) takes the conductance
//                    of level wr_level (levels table, load_levels), unless the cell is stuck
//                    (load_stuck: 0 ok, 1 SA0, 2 SA1): a stuck cell keeps GMIN (SA0) or GMAX
//                    (SA1) whatever is written, as in the reference model. wr_all = 1 writes
//                    every cell of row wr_row. A write outside the array is ignored.
//   test mode      : test_mode = 1: ADC a converts physical column c = test_sel*N_ADC + a
//                    single-ended (a current of 0 if c >= COLS), whatever the scheme.
//
// Parameters come from the generated manifest.json ("analogModel").
module memxbar_analog #(
    parameter integer ROWS   = 16,
    parameter integer COLS   = 16,
    parameter integer U      = 16,
    parameter integer DIFF   = 0,
    parameter integer S      = 1,
    parameter integer CPA    = 1,
    parameter integer N_ADC  = 16,
    parameter integer CW     = 4,
    parameter integer SIGNED = 0,
    parameter integer QW     = 1,
    parameter integer MW     = 1,
    parameter integer TH     = 1,
    parameter integer FLASH  = 0,
    parameter integer GW     = 13,
    parameter integer DG     = 1,
    parameter integer NW     = 32,
    parameter integer RB     = 4,
    parameter integer CB     = 4,
    parameter integer LB     = 1,
    parameter integer TSW    = 1,
    parameter integer GMAX   = 1,
    parameter integer GMIN   = 0,
    parameter         CELLS_HEX = ""
) (
    input  wire                clk,
    input  wire                wr_en,
    input  wire [RB-1:0]       wr_row,
    input  wire [CB-1:0]       wr_col,
    input  wire [LB-1:0]       wr_level,
    input  wire                wr_all,
    input  wire                test_mode,
    input  wire [TSW-1:0]      test_sel,
    input  wire [ROWS-1:0]     row_in,
    input  wire [COLS*NW-1:0]  noise,
    input  wire [QW-1:0]       col_sel,
    input  wire [MW-1:0]       adc_shift,
    input  wire [N_ADC*CW-1:0] dac_code,
    output reg  [N_ADC-1:0]    cmp,
    output reg  [N_ADC*TH-1:0] therm
);
    // Lane width: the largest current, ROWS * (2^GW - 1), fits without a carry out.
    localparam integer LW = GW + $clog2(ROWS + 1);
    reg [GW-1:0] g [0:ROWS*COLS-1];
    reg [COLS*LW-1:0] row_word [0:ROWS-1];
    /* verilator lint_off SYNCASYNCNET */
    integer version = 0;
    /* verilator lint_on SYNCASYNCNET */

    // Rebuild the row words from g (after any change of g).
    integer pr, pj;
    task rebuild_rows;
        begin
            for (pr = 0; pr < ROWS; pr = pr + 1)
                for (pj = 0; pj < COLS; pj = pj + 1)
                    row_word[pr][pj * LW +: LW] = {{(LW - GW){1'b0}}, g[pr * COLS + pj]};
            version = version + 1;
        end
    endtask

    initial begin
        if (CELLS_HEX != "") begin
            $readmemh(CELLS_HEX, g);
            rebuild_rows;
        end
    end

    // Load (or reload) the cell conductances from a hex file.
    task load_cells;
        input [8*1024-1:0] path;
        begin
            $readmemh(path, g);
            rebuild_rows;
        end
    endtask

    // Program one cell.
    /* verilator lint_off BLKSEQ */
    task set_cell;
        input integer r;
        input integer j;
        input [GW-1:0] value;
        begin
            g[r * COLS + j] = value;
            row_word[r][j * LW +: LW] = {{(LW - GW){1'b0}}, value};
            version = version + 1;
        end
    endtask
    /* verilator lint_on BLKSEQ */

    // Write path: level table and stuck cells.
    localparam [GW-1:0] GMIN_G = GMIN[GW-1:0];
    localparam [GW-1:0] GMAX_G = GMAX[GW-1:0];
    reg [GW-1:0] lvl [0:(1 << LB) - 1];
    reg [1:0] stuck [0:ROWS*COLS-1];
    integer si;
    initial for (si = 0; si < ROWS*COLS; si = si + 1) stuck[si] = 2'd0;

    task load_levels;
        input [8*1024-1:0] path;
        $readmemh(path, lvl);
    endtask

    task load_stuck;
        input [8*1024-1:0] path;
        $readmemh(path, stuck);
    endtask

    // A write lands at the clock edge through set_cell (which keeps the row words current):
    // the cells change in zero time, as through load_cells (hence the lint waivers on
    // set_cell and `version`, a simulation model's choice, not hardware).
    integer wj;
    always @(posedge clk) begin
        if (wr_en === 1'b1 && {{(32 - RB){1'b0}}, wr_row} < ROWS)
            for (wj = 0; wj < COLS; wj = wj + 1)
                if (wr_all === 1'b1 || wj == {{(32 - CB){1'b0}}, wr_col})
                    set_cell({{(32 - RB){1'b0}}, wr_row}, wj,
                             stuck[{{(32 - RB){1'b0}}, wr_row} * COLS + wj] == 2'd1 ? GMIN_G :
                             stuck[{{(32 - RB){1'b0}}, wr_row} * COLS + wj] == 2'd2 ? GMAX_G : lvl[wr_level]);
    end

    // Column currents (lanes) with the rows in `rows` driven. `ver` is the cells' version,
    // an argument so that the currents are recomputed when the cells change.
    function automatic [COLS*LW-1:0] sum_rows(input [ROWS-1:0] rows, input integer ver);
        integer r;
        begin
            sum_rows = {COLS*LW{1'b0}};
            for (r = 0; r < ROWS; r = r + 1)
                if (rows[r]) sum_rows = sum_rows + row_word[r];
            if ((^rows) === 1'bx || ver < 0) sum_rows = {COLS*LW{1'bx}};
        end
    endfunction

    // Evaluated only when the driven rows or the cells change (an @* block would be
    // re-evaluated by Verilator on every pass of the tile <-> comparator loop).
    reg [COLS*LW-1:0] lanes = {COLS*LW{1'b0}};
    always @(row_in or version) lanes <= sum_rows(row_in, version);

    // Conversion units and comparators.
    localparam signed [63:0] DG64 = 64'(DG);
    localparam signed [63:0] OFFSET = (SIGNED != 0) ? (64'sd1 <<< (CW - 1)) : 64'sd0;
    integer a, i, unit, pos, neg;
    wire unused_ok = ^{pos[31:0], neg[31:0]};
    reg signed [63:0] iu, step, level;
    always @* begin
        step = DG64 <<< adc_shift;
        cmp = {N_ADC{1'b0}};
        therm = {N_ADC*TH{1'b0}};
        pos = 0;
        neg = 0;
        level = 64'sd0;
        for (a = 0; a < N_ADC; a = a + 1) begin
            unit = a * CPA + {{(32 - QW){1'b0}}, col_sel};
            if (test_mode === 1'b1) begin
                pos = {{(32 - TSW){1'b0}}, test_sel} * N_ADC + a;
                iu = (pos >= COLS) ? 64'sd0 : $signed({{(64 - LW){1'b0}}, lanes[pos * LW +: LW]});
            end else if (unit >= U) begin
                iu = 64'sd0;
            end else if (DIFF != 0) begin
                pos = (unit / S) * 2 * S + unit % S;
                neg = pos + S;
                iu = $signed({{(64 - LW){1'b0}}, lanes[pos * LW +: LW]}) + 64'($signed(noise[pos * NW +: NW]))
                   - $signed({{(64 - LW){1'b0}}, lanes[neg * LW +: LW]}) - 64'($signed(noise[neg * NW +: NW]));
            end else begin
                iu = $signed({{(64 - LW){1'b0}}, lanes[unit * LW +: LW]}) + 64'($signed(noise[unit * NW +: NW]));
            end
            if (FLASH != 0) begin
                for (i = 1; i <= TH; i = i + 1) begin
                    level = 64'(i) - OFFSET;
                    therm[a * TH + i - 1] = (2 * iu + step >= 2 * level * step);
                end
            end else begin
                level = $signed({{(64 - CW){1'b0}}, dac_code[a * CW +: CW]}) - OFFSET;
                cmp[a] = (2 * iu + step >= 2 * level * step);
            end
        end
    end
endmodule

`default_nettype wire

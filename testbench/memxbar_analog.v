`default_nettype none

// Behavioural model of the analog side of one memxbar tile, for simulation only:
// the crossbar array, the conversion units, the unit multiplexers and the ADC
// comparators, exactly as the reference model (docs/model.md sections 4-5,
// src/crossbar/reference.ts) defines them, in integers.
//
//   cell (r, j)    : conductance G[r][j] in conductance LSBs (G_LSB = Gmax / Gu), one
//                    word per cell, row-major (line r*COLS + j) of CELLS_HEX. Faults and
//                    device non-linearity are already folded into these integers.
//   column current : I[j] = sum over rows r of row_in[r] * G[r][j]      (G_LSB * Vread)
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
    parameter         CELLS_HEX = ""
) (
    input  wire [ROWS-1:0]     row_in,
    input  wire [QW-1:0]       col_sel,
    input  wire [MW-1:0]       adc_shift,
    input  wire [N_ADC*CW-1:0] dac_code,
    output reg  [N_ADC-1:0]    cmp,
    output reg  [N_ADC*TH-1:0] therm
);
    reg [GW-1:0] g [0:ROWS*COLS-1];
    reg signed [63:0] current [0:COLS-1];

    initial begin
        if (CELLS_HEX != "") $readmemh(CELLS_HEX, g);
    end

    // Load (or reload) the cell conductances from a hex file.
    task load_cells;
        input [8*1024-1:0] path;
        begin
            $readmemh(path, g);
        end
    endtask

    // Program one cell.
    task set_cell;
        input integer r;
        input integer j;
        input [GW-1:0] value;
        begin
            g[r * COLS + j] = value;
        end
    endtask

    // Column currents.
    integer r, j;
    always @* begin
        for (j = 0; j < COLS; j = j + 1) begin
            current[j] = 64'sd0;
            for (r = 0; r < ROWS; r = r + 1)
                if (row_in[r]) current[j] = current[j] + $signed({{(64 - GW){1'b0}}, g[r * COLS + j]});
        end
    end

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
            if (unit >= U) begin
                iu = 64'sd0;
            end else if (DIFF != 0) begin
                pos = (unit / S) * 2 * S + unit % S;
                neg = pos + S;
                iu = current[pos] - current[neg];
            end else begin
                iu = current[unit];
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

`default_nettype none

// Vector-driven testbench of a generated memxbar tile wired to the behavioural
// analog model (memxbar_analog.v). Everything it needs comes from files and from
// parameters copied out of the generated manifest.json, so any tool can drive it:
//
//   CELLS_HEX : ROWS*COLS conductance words, row-major (see memxbar_analog.v)
//   REGS_HEX  : N_REGS register writes, one 64-bit word per line: {addr[31:0], data[31:0]}
//   ACTS_HEX  : N_VECS activation vectors, one ROWS*A-bit word per line (logical row r
//               at bits [r*A +: A])
//   PSIN_HEX  : (only when chaining) N_VECS*WC chained partial sums, PW bits each, in
//               output order
//   READS_HEX : N_READS register addresses to read after the writes, one per line
//   OUT_FILE  : one line per partial-sum word taken: "<vector> <index> <data, PW-bit hex>"
//   READS_OUT : one line per register read: "<addr hex> <data hex>"
//
// The tile's ADC ports differ by kind: for a flash tile define MEMXBAR_FLASH (Icarus:
// -DMEMXBAR_FLASH; Verilator: +define+MEMXBAR_FLASH); FLASH must agree (checked at time 0).
// No `timescale: the generated RTL has none, so delays are in the simulator's default unit.
// STALL != 0 drops psum_out_ready on a pseudo-random pattern to exercise back-pressure.
// The run ends after the last word of the last vector, or fails after MAX_CYCLES.
module memxbar_tile_tb #(
    parameter integer ROWS  = 16,
    parameter integer COLS  = 16,
    parameter integer A     = 4,
    parameter integer PW    = 22,
    parameter integer WB    = 2,
    parameter integer WC    = 3,
    parameter integer RAW   = 10,
    parameter integer U     = 16,
    parameter integer DIFF  = 0,
    parameter integer S     = 1,
    parameter integer CPA   = 1,
    parameter integer N_ADC = 16,
    parameter integer CW    = 4,
    parameter integer SIGNED = 0,
    parameter integer QW    = 1,
    parameter integer MW    = 1,
    parameter integer TH    = 1,
    parameter integer FLASH = 0,
    parameter integer GW    = 13,
    parameter integer DG    = 1,
    parameter integer N_REGS = 0,
    parameter integer N_READS = 0,
    parameter integer N_VECS = 1,
    parameter integer CHAIN  = 0,
    parameter integer STALL  = 0,
    parameter integer MAX_CYCLES = 1000000,
    parameter         CELLS_HEX = "",
    parameter         REGS_HEX  = "",
    parameter         ACTS_HEX  = "",
    parameter         PSIN_HEX  = "",
    parameter         READS_HEX = "",
    parameter         OUT_FILE  = "psums.txt",
    parameter         READS_OUT = "reads.txt"
);
    reg clk = 1'b0;
    reg rst = 1'b1;
    always #5 clk <= ~clk;

    reg                 act_valid = 1'b0;
    wire                act_ready;
    reg  [ROWS*A-1:0]   act_data = {ROWS*A{1'b0}};
    wire                psum_out_valid;
    reg                 psum_out_ready = 1'b1;
    wire [PW-1:0]       psum_out_data;
    wire [WB-1:0]       psum_out_index;
    wire                psum_out_last;
    reg                 psum_in_valid = 1'b0;
    wire                psum_in_ready;
    reg  [PW-1:0]       psum_in_data = {PW{1'b0}};
    reg                 reg_we = 1'b0;
    reg                 reg_re = 1'b0;
    reg  [RAW-1:0]      reg_addr = {RAW{1'b0}};
    reg  [31:0]         reg_wdata = 32'd0;
    wire [31:0]         reg_rdata;
    wire                reg_rvalid;
    wire [ROWS-1:0]     row_in;
    wire [QW-1:0]       col_sel;
    wire [MW-1:0]       adc_shift;
    wire [N_ADC*CW-1:0] dac_code;
    wire [N_ADC-1:0]    cmp;
    wire [N_ADC*TH-1:0] therm;

    memxbar_analog #(
        .ROWS(ROWS), .COLS(COLS), .U(U), .DIFF(DIFF), .S(S), .CPA(CPA), .N_ADC(N_ADC), .CW(CW),
        .SIGNED(SIGNED), .QW(QW), .MW(MW),
        .TH(TH), .FLASH(FLASH), .GW(GW), .DG(DG), .CELLS_HEX(CELLS_HEX)
    ) u_analog (
        .row_in(row_in), .col_sel(col_sel), .adc_shift(adc_shift),
        .dac_code(dac_code), .cmp(cmp), .therm(therm)
    );

`ifdef MEMXBAR_FLASH
    localparam integer FLASH_BUILD = 1;
    assign dac_code = {N_ADC*CW{1'b0}};
    memxbar_tile u_tile (
        .clk(clk), .rst(rst),
        .act_valid(act_valid), .act_ready(act_ready), .act_data(act_data),
        .psum_out_valid(psum_out_valid), .psum_out_ready(psum_out_ready),
        .psum_out_data(psum_out_data), .psum_out_index(psum_out_index), .psum_out_last(psum_out_last),
        .psum_in_valid(psum_in_valid), .psum_in_ready(psum_in_ready), .psum_in_data(psum_in_data),
        .reg_we(reg_we), .reg_re(reg_re), .reg_addr(reg_addr), .reg_wdata(reg_wdata),
        .reg_rdata(reg_rdata), .reg_rvalid(reg_rvalid),
        .row_in(row_in), .col_sel(col_sel), .adc_shift(adc_shift), .therm(therm)
    );
`else
    localparam integer FLASH_BUILD = 0;
    memxbar_tile u_tile (
        .clk(clk), .rst(rst),
        .act_valid(act_valid), .act_ready(act_ready), .act_data(act_data),
        .psum_out_valid(psum_out_valid), .psum_out_ready(psum_out_ready),
        .psum_out_data(psum_out_data), .psum_out_index(psum_out_index), .psum_out_last(psum_out_last),
        .psum_in_valid(psum_in_valid), .psum_in_ready(psum_in_ready), .psum_in_data(psum_in_data),
        .reg_we(reg_we), .reg_re(reg_re), .reg_addr(reg_addr), .reg_wdata(reg_wdata),
        .reg_rdata(reg_rdata), .reg_rvalid(reg_rvalid),
        .row_in(row_in), .col_sel(col_sel), .adc_shift(adc_shift), .dac_code(dac_code), .cmp(cmp)
    );
`endif

    reg [63:0]       regs  [0:(N_REGS > 0 ? N_REGS : 1) - 1];
    reg [31:0]       reads [0:(N_READS > 0 ? N_READS : 1) - 1];
    reg [ROWS*A-1:0] acts  [0:(N_VECS > 0 ? N_VECS : 1) - 1];
    reg [PW-1:0]     psins [0:(CHAIN != 0 ? N_VECS * WC : 1) - 1];
    integer fd, fr, v, w, cycles, out_vec, out_words, psin_i;
    reg [15:0] lfsr = 16'hace1;

    initial begin
        if (FLASH_BUILD != FLASH) begin
            $display("memxbar_tile_tb: FLASH=%0d but MEMXBAR_FLASH is %0s", FLASH, FLASH_BUILD != 0 ? "defined" : "not defined");
            $finish;
        end
        if (N_REGS > 0) $readmemh(REGS_HEX, regs);
        if (N_READS > 0) $readmemh(READS_HEX, reads);
        if (N_VECS > 0) $readmemh(ACTS_HEX, acts);
        if (CHAIN != 0) $readmemh(PSIN_HEX, psins);
        fd = $fopen(OUT_FILE, "w");
        repeat (3) @(negedge clk);
        rst = 1'b0;
        for (w = 0; w < N_REGS; w = w + 1) begin
            @(negedge clk);
            reg_we = 1'b1;
            reg_addr = regs[w][32 +: RAW];
            reg_wdata = regs[w][31:0];
        end
        @(negedge clk);
        reg_we = 1'b0;
        if (N_READS > 0) begin
            fr = $fopen(READS_OUT, "w");
            for (w = 0; w < N_READS; w = w + 1) begin
                reg_re = 1'b1;
                reg_addr = reads[w][RAW-1:0];
                @(negedge clk);
                reg_re = 1'b0;
                if (!reg_rvalid) $display("memxbar_tile_tb: reg_rvalid missing for read %0d", w);
                $fwrite(fr, "%h %h\n", reads[w], reg_rdata);
            end
            $fclose(fr);
        end
        if (N_VECS == 0) begin
            $display("memxbar_tile_tb: DONE 0 vectors, %0d reads", N_READS);
            $fclose(fd);
            $finish;
        end
        for (v = 0; v < N_VECS; v = v + 1) begin
            act_data = acts[v];
            act_valid = 1'b1;
            @(posedge clk);
            while (!act_ready) @(posedge clk);
            @(negedge clk);
            act_valid = 1'b0;
        end
    end

    // Chained partial sums in, in output order.
    initial psin_i = 0;
    always @(negedge clk) begin
        if (CHAIN != 0 && psin_i < N_VECS * WC) begin
            psum_in_valid <= 1'b1;
            psum_in_data <= psins[psin_i];
        end else begin
            psum_in_valid <= 1'b0;
        end
    end

    // Output monitor: every word taken goes to OUT_FILE.
    initial begin
        cycles = 0;
        out_vec = 0;
        out_words = 0;
    end
    always @(posedge clk) begin
        cycles <= cycles + 1;
        if (cycles >= MAX_CYCLES) begin
            $display("memxbar_tile_tb: TIMEOUT after %0d cycles (%0d of %0d vectors out)", MAX_CYCLES, out_vec, N_VECS);
            $fclose(fd);
            $finish;
        end
        if (psum_in_valid && psum_in_ready) psin_i <= psin_i + 1;
        if (psum_out_valid && psum_out_ready) begin
            $fwrite(fd, "%0d %0d %h\n", out_vec, psum_out_index, psum_out_data);
            out_words <= out_words + 1;
            if (psum_out_last) begin
                out_vec <= out_vec + 1;
                if (out_vec + 1 == N_VECS) begin
                    $display("memxbar_tile_tb: DONE %0d vectors, %0d words, %0d cycles", out_vec + 1, out_words + 1, cycles + 1);
                    $fclose(fd);
                    $finish;
                end
            end
        end
    end

    always @(negedge clk) begin
        lfsr <= {lfsr[14:0], lfsr[15] ^ lfsr[13] ^ lfsr[12] ^ lfsr[10]};
        psum_out_ready <= (STALL == 0) ? 1'b1 : lfsr[0];
    end

    // Register reads are not used by this testbench.
    wire unused_ok = ^{reg_rdata, reg_rvalid, therm, cmp};
endmodule

`default_nettype wire

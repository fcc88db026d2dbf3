`default_nettype none

// The testbench of a generated memxbar tile wired to the behavioural analog model
// (memxbar_analog.v): co-simulation (docs/cosim.md) and the RTL tests (test/rtl/sim.ts)
// both use it. It is built once per tile design: the parameters below come from the
// generated manifest.json and only size the hardware and the buffers; every file and
// count is a run-time plusarg, so one compiled model (Icarus image, Verilator binary)
// replays any number of vector sets.
//
//   +cells=PATH     ROWS*COLS conductance words, row-major (see memxbar_analog.v)
//   +regs=PATH      register writes, one 64-bit word per line: {addr[31:0], data[31:0]}
//   +n_regs=N       number of register writes (<= MAX_REGS; 0: no file read)
//   +acts=PATH      activation vectors, one ROWS*A-bit word per line (logical row r at [r*A +: A])
//   +n_vecs=N       number of vectors (<= MAX_VECS; 0 only with register reads)
//   +out=PATH       one line per partial-sum word taken:
//                     "<vector> <index> <data, PW-bit hex> <cycle>"
//                   an X/Z on a control output is reported as "X <cycle> <signal>" and ends
//                   the run (4-state simulators only; Icarus prints X data bits as 'x')
//   +stall=1        drop psum_out_ready on a pseudo-random pattern (back-pressure)
//   +max_cycles=N   give up after N cycles (default 100000000)
//   +vcd=PATH +vcd_from=C +vcd_to=C
//                   dump every signal from cycle C (rising edges counted from time 0)
//                   to cycle C' into PATH, then stop
// Used by the RTL tests only (the CXXRTL twin refuses them):
//   +reads=PATH +n_reads=N +reads_out=PATH
//                   after the writes, read N register addresses (one hex word per line,
//                   N <= MAX_READS) and write "<addr hex> <data hex>" per read
//   +psin=PATH      chained partial sums in (psum_in), n_vecs*WC PW-bit words in output
//                   order (n_vecs*WC <= MAX_PSIN); the tile must be programmed to chain
// Read noise (docs/model.md 9.3; the CXXRTL twin refuses it):
//   +noise=PATH     n_vecs*A*NG*COLS NW-bit signed words, one per line: line
//                   ((v*A + k)*NG + g)*COLS + j is vector v, input bit k, read group g,
//                   column j. The words of vector v are read when the tile takes it; the
//                   array adds the line of the read in progress to its column currents. The
//                   read is known from the tile: input bit k = u_tile.bit_idx, group g =
//                   the driven rows' group (rows g*PR .. g*PR+PR-1); no row driven: no noise.
//
// With the write path (define MEMXBAR_WRITE; MEMXBAR_BIST adds the march test):
//   +levels=PATH    2^LB conductance words: the level table of the write drivers
//   +stuck=PATH     ROWS*COLS fault codes (0 ok, 1 SA0, 2 SA1), row-major: cells the
//                   writes cannot change (memxbar_analog.v)
//   +bist=1         after the register writes, start the BIST (CSR BIST_CTRL), wait for
//                   its end and print "memxbar_cosim_tb: BIST <cycles> cycles" (BIST_CYCLES)
//   +faults_out=PATH  then read the fault bitmap over the register interface, one code
//                   per cell per line, row-major
//   +cells_out=PATH then write the array's conductances (the state the next run starts from)
//
// Cycle numbers are rising edges of clk since time 0 (reset is released after 3 cycles).
// The run ends after the last word of the last vector and prints
// "memxbar_cosim_tb: DONE <vectors> vectors, <words> words, <cycles> cycles".
// For a flash tile define MEMXBAR_FLASH (Icarus -DMEMXBAR_FLASH, Verilator +define+MEMXBAR_FLASH).
module memxbar_cosim_tb #(
    parameter integer ROWS  = 16,
    parameter integer COLS  = 16,
    parameter integer PR    = 16,
    parameter integer NG    = 1,
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
    parameter integer RB    = 4,
    parameter integer CB    = 4,
    parameter integer LB    = 1,
    parameter integer TSW   = 1,
    parameter integer GMAX  = 1,
    parameter integer GMIN  = 0,
    parameter integer MAX_REGS = 1024,
    parameter integer MAX_VECS = 4096,
    parameter integer MAX_READS = 1,
    parameter integer MAX_PSIN = 1
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
`ifdef MEMXBAR_WRITE
    wire                wr_en;
    wire [RB-1:0]       wr_row;
    wire [CB-1:0]       wr_col;
    wire [LB-1:0]       wr_level;
    wire                wr_all;
`else
    wire                wr_en = 1'b0;
    wire [RB-1:0]       wr_row = {RB{1'b0}};
    wire [CB-1:0]       wr_col = {CB{1'b0}};
    wire [LB-1:0]       wr_level = {LB{1'b0}};
    wire                wr_all = 1'b0;
`endif
`ifdef MEMXBAR_BIST
    wire                test_mode;
    wire [TSW-1:0]      test_sel;
`else
    wire                test_mode = 1'b0;
    wire [TSW-1:0]      test_sel = {TSW{1'b0}};
`endif

    // Read noise of the read in progress (+noise), see the header.
    localparam integer NW = 32;
    localparam integer KW = (A <= 2) ? 1 : $clog2(A);  // width of the tile's input-bit index
    reg  [COLS*NW-1:0]  noise_buf [0:A*NG-1];
    integer nfd = 0, nl, nj;
    reg  [NW-1:0]       noise_word;
    // Group of the driven rows (that of the lowest one; the tile drives one group at a time), -1: none.
    function automatic integer driven_group(input [ROWS-1:0] rows);
        integer r;
        begin
            driven_group = -1;
            for (r = ROWS - 1; r >= 0; r = r - 1) if (rows[r] == 1'b1) driven_group = r / PR;
        end
    endfunction
    wire integer n_group = driven_group(row_in);
    wire integer n_read = {{(32 - KW){1'b0}}, u_tile.bit_idx} * NG + n_group;
    wire [COLS*NW-1:0] noise_now = (nfd != 0 && n_group >= 0 && n_read < A * NG) ? noise_buf[n_read] : {COLS*NW{1'b0}};

    memxbar_analog #(
        .ROWS(ROWS), .COLS(COLS), .U(U), .DIFF(DIFF), .S(S), .CPA(CPA), .N_ADC(N_ADC), .CW(CW),
        .SIGNED(SIGNED), .QW(QW), .MW(MW),
        .TH(TH), .FLASH(FLASH), .GW(GW), .DG(DG), .NW(NW), .RB(RB), .CB(CB), .LB(LB), .TSW(TSW),
        .GMAX(GMAX), .GMIN(GMIN), .CELLS_HEX("")
    ) u_analog (
        .clk(clk), .wr_en(wr_en), .wr_row(wr_row), .wr_col(wr_col), .wr_level(wr_level), .wr_all(wr_all),
        .test_mode(test_mode), .test_sel(test_sel),
        .row_in(row_in), .noise(noise_now), .col_sel(col_sel), .adc_shift(adc_shift),
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
`ifdef MEMXBAR_WRITE
        .wr_en(wr_en), .wr_row(wr_row), .wr_col(wr_col), .wr_level(wr_level), .wr_all(wr_all),
`endif
`ifdef MEMXBAR_BIST
        .test_mode(test_mode), .test_sel(test_sel),
`endif
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
`ifdef MEMXBAR_WRITE
        .wr_en(wr_en), .wr_row(wr_row), .wr_col(wr_col), .wr_level(wr_level), .wr_all(wr_all),
`endif
`ifdef MEMXBAR_BIST
        .test_mode(test_mode), .test_sel(test_sel),
`endif
        .row_in(row_in), .col_sel(col_sel), .adc_shift(adc_shift), .dac_code(dac_code), .cmp(cmp)
    );
`endif

    reg [63:0]       regs [0:MAX_REGS-1];
    reg [ROWS*A-1:0] acts [0:MAX_VECS-1];
    reg [31:0]       reads [0:MAX_READS-1];
    reg [PW-1:0]     psins [0:MAX_PSIN-1];
    reg [8*1024-1:0] cells_path, regs_path, acts_path, out_path, reads_path, reads_out_path, psin_path, noise_path;
    reg [8*1024-1:0] faults_out_path, cells_out_path;
`ifdef MEMXBAR_WRITE
    reg [8*1024-1:0] levels_path, stuck_path;
`endif
    integer bist, faults_out, cells_out, bist_polls;
    string vcd_path;
    integer n_regs, n_vecs, n_reads, n_psin, stall, max_cycles, vcd_to, vcd_on;
    integer fd, fr, w, v, cycles, out_vec, out_words, psin_i;
    reg [15:0] lfsr = 16'hace1;
    reg reg_rdata_done;
    integer fault_addr;
    reg started = 1'b0;

    task fail;
        input [8*80-1:0] what;
        begin
            $display("memxbar_cosim_tb: ERROR %0s", what);
            $finish;
        end
    endtask

    initial begin
        cycles = 0;
        out_vec = 0;
        out_words = 0;
        fd = 0;
        if (FLASH_BUILD != FLASH) fail("FLASH parameter and MEMXBAR_FLASH disagree");
        if (!$value$plusargs("cells=%s", cells_path)) fail("missing +cells=PATH");
        if (!$value$plusargs("acts=%s", acts_path)) fail("missing +acts=PATH");
        if (!$value$plusargs("out=%s", out_path)) fail("missing +out=PATH");
        if (!$value$plusargs("n_vecs=%d", n_vecs)) fail("missing +n_vecs=N");
        if (!$value$plusargs("n_regs=%d", n_regs)) n_regs = 0;
        if (n_regs > 0 && !$value$plusargs("regs=%s", regs_path)) fail("missing +regs=PATH");
        if (!$value$plusargs("n_reads=%d", n_reads)) n_reads = 0;
        if (n_reads > 0 && !$value$plusargs("reads=%s", reads_path)) fail("missing +reads=PATH");
        if (n_reads > 0 && !$value$plusargs("reads_out=%s", reads_out_path)) fail("missing +reads_out=PATH");
        n_psin = $value$plusargs("psin=%s", psin_path) ? n_vecs * WC : 0;
        if (!$value$plusargs("stall=%d", stall)) stall = 0;
        if (!$value$plusargs("max_cycles=%d", max_cycles)) max_cycles = 100000000;
        vcd_on = $test$plusargs("vcd=");
        if (!$value$plusargs("vcd_to=%d", vcd_to)) vcd_to = max_cycles;
        if (n_regs < 0 || n_regs > MAX_REGS) fail("+n_regs outside 0..MAX_REGS");
        if (!$value$plusargs("bist=%d", bist)) bist = 0;
        faults_out = $value$plusargs("faults_out=%s", faults_out_path);
        cells_out = $value$plusargs("cells_out=%s", cells_out_path);
        if (n_vecs < (n_reads > 0 || bist != 0 || faults_out != 0 ? 0 : 1) || n_vecs > MAX_VECS) fail("+n_vecs outside 1..MAX_VECS");
        if (n_reads < 0 || n_reads > MAX_READS) fail("+n_reads outside 0..MAX_READS");
        if (n_psin > MAX_PSIN) fail("+psin: n_vecs*WC words exceed MAX_PSIN");
        if (WC < 1) fail("WC (weight columns) must be at least 1");
        u_analog.load_cells(cells_path);
`ifdef MEMXBAR_WRITE
        if (!$value$plusargs("levels=%s", levels_path)) fail("missing +levels=PATH (write path)");
        u_analog.load_levels(levels_path);
        if ($value$plusargs("stuck=%s", stuck_path)) u_analog.load_stuck(stuck_path);
`else
        if (bist != 0 || faults_out != 0) fail("+bist / +faults_out need a tile with the write path and BIST");
`endif
        if (n_regs > 0) $readmemh(regs_path, regs, 0, n_regs - 1);
        if (n_vecs > 0) $readmemh(acts_path, acts, 0, n_vecs - 1);
        if (n_reads > 0) $readmemh(reads_path, reads, 0, n_reads - 1);
        if (n_psin > 0) $readmemh(psin_path, psins, 0, n_psin - 1);
        fd = $fopen(out_path, "w");
        if (fd == 0) fail("cannot open +out");
        if ($value$plusargs("noise=%s", noise_path)) begin
            nfd = $fopen(noise_path, "r");
            if (nfd == 0) fail("cannot open +noise");
        end
        repeat (3) @(negedge clk);
        rst = 1'b0;
        started = 1'b1;
        for (w = 0; w < n_regs; w = w + 1) begin
            @(negedge clk);
            reg_we = 1'b1;
            reg_addr = regs[w][32 +: RAW];
            reg_wdata = regs[w][31:0];
        end
        @(negedge clk);
        reg_we = 1'b0;
        if (bist != 0) begin
            // CSR BIST_CTRL (offset 9) bit 0 starts the march test; poll its done bit.
            reg_we = 1'b1;
            reg_addr = 9;
            reg_wdata = 32'd1;
            @(negedge clk);
            reg_we = 1'b0;
            bist_polls = 0;
            reg_rdata_done = 1'b0;
            while (!reg_rdata_done) begin
                reg_re = 1'b1;
                reg_addr = 9;
                @(negedge clk);
                reg_re = 1'b0;
                reg_rdata_done = reg_rdata[1] && !reg_rdata[0];
                bist_polls = bist_polls + 1;
            end
            reg_re = 1'b1;
            reg_addr = 10;  // BIST_CYCLES
            @(negedge clk);
            reg_re = 1'b0;
            $display("memxbar_cosim_tb: BIST %0d cycles", reg_rdata);
        end
        if (faults_out != 0) begin
            fr = $fopen(faults_out_path, "w");
            if (fr == 0) fail("cannot open +faults_out");
            for (w = 0; w < ROWS * COLS; w = w + 1) begin
                reg_re = 1'b1;
                fault_addr = (3 << (RAW - 2)) | (((w / COLS) << CB) | (w % COLS));
                reg_addr = fault_addr[RAW-1:0];
                if (fault_addr[31:RAW] != 0) fail("fault address overflow");
                @(negedge clk);
                reg_re = 1'b0;
                $fwrite(fr, "%h\n", reg_rdata[1:0]);
            end
            $fclose(fr);
        end
        if (cells_out != 0) $writememh(cells_out_path, u_analog.g);
        if (n_reads > 0) begin
            fr = $fopen(reads_out_path, "w");
            if (fr == 0) fail("cannot open +reads_out");
            for (w = 0; w < n_reads; w = w + 1) begin
                reg_re = 1'b1;
                reg_addr = reads[w][RAW-1:0];
                @(negedge clk);
                reg_re = 1'b0;
                if (!reg_rvalid) $display("memxbar_cosim_tb: reg_rvalid missing for read %0d", w);
                $fwrite(fr, "%h %h\n", reads[w], reg_rdata);
            end
            $fclose(fr);
        end
        if (n_vecs == 0) begin
            $display("memxbar_cosim_tb: DONE 0 vectors, %0d reads", n_reads + (faults_out != 0 ? ROWS * COLS : 0));
            $fclose(fd);
            $finish;
        end
        for (v = 0; v < n_vecs; v = v + 1) begin
            act_data = acts[v];
            act_valid = 1'b1;
            @(posedge clk);
            while (!act_ready) @(posedge clk);
            // The tile takes vector v on this edge: its reads use its noise lines.
            if (nfd != 0)
                for (nl = 0; nl < A * NG; nl = nl + 1)
                    for (nj = 0; nj < COLS; nj = nj + 1) begin
                        if ($fscanf(nfd, "%h\n", noise_word) != 1) fail("+noise: fewer words than n_vecs*A*NG*COLS");
                        noise_buf[nl][nj * NW +: NW] = noise_word;
                    end
            @(negedge clk);
            act_valid = 1'b0;
        end
    end

    // The VCD window opens at the vcd_from-th rising edge (in its own process: Verilator
    // 5.006 reorders $dumpfile and $dumpvars inside a clocked block).
    integer vcd_wait;
    initial begin
        if ($value$plusargs("vcd=%s", vcd_path)) begin
            if (!$value$plusargs("vcd_from=%d", vcd_wait)) vcd_wait = 1;
            repeat (vcd_wait) @(posedge clk);
            $dumpfile(vcd_path);
            $dumpvars(0, memxbar_cosim_tb);
        end
    end

    // Chained partial sums in, in output order (+psin).
    initial psin_i = 0;
    always @(negedge clk) begin
        if (psin_i < n_psin) begin
            psum_in_valid <= 1'b1;
            psum_in_data <= psins[psin_i];
        end else begin
            psum_in_valid <= 1'b0;
        end
    end

    // Output monitor: every word taken goes to +out, with its cycle. This rising edge is
    // cycle number cycles + 1.
    always @(posedge clk) begin
        cycles <= cycles + 1;
        if (cycles + 1 >= max_cycles || (vcd_on != 0 && cycles + 1 > vcd_to)) begin
            if (cycles + 1 >= max_cycles) $display("memxbar_cosim_tb: TIMEOUT after %0d cycles (%0d of %0d vectors out)", cycles + 1, out_vec, n_vecs);
            else $display("memxbar_cosim_tb: VCD window ends at cycle %0d", vcd_to);
            $fclose(fd);
            $finish;
        end
        if (started && (^{act_ready, psum_out_valid, psum_out_last, psum_out_index} === 1'bx)) begin
            $fwrite(fd, "X %0d control\n", cycles + 1);
            $display("memxbar_cosim_tb: X on a control output at cycle %0d", cycles + 1);
            $fclose(fd);
            $finish;
        end
        if (psum_in_valid && psum_in_ready) psin_i <= psin_i + 1;
        if (started && psum_out_valid && psum_out_ready) begin
            $fwrite(fd, "%0d %0d %h %0d\n", out_vec, psum_out_index, psum_out_data, cycles + 1);
            out_words <= out_words + 1;
            if (psum_out_last) begin
                out_vec <= out_vec + 1;
                if (out_vec + 1 == n_vecs) begin
                    $display("memxbar_cosim_tb: DONE %0d vectors, %0d words, %0d cycles", out_vec + 1, out_words + 1, cycles + 1);
                    $fclose(fd);
                    $finish;
                end
            end
        end
    end

    always @(negedge clk) begin
        lfsr <= {lfsr[14:0], lfsr[15] ^ lfsr[13] ^ lfsr[12] ^ lfsr[10]};
        psum_out_ready <= (stall == 0) ? 1'b1 : lfsr[0];
    end

    wire unused_ok = ^{therm, cmp};
endmodule

`default_nettype wire

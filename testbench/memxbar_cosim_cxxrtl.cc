// Co-simulation harness of a generated memxbar tile compiled by CXXRTL (Yosys
// `write_cxxrtl`): the C++ twin of memxbar_cosim_tb.v + memxbar_analog.v (two-state).
// It takes the same plusargs, reads the same hex files and writes the same output lines,
// at the same cycles: the two testbenches are interchangeable (tested).
//
// Build (src/cosim/simulators/cxxrtl.ts does it):
//   g++ -std=c++14 -O1 -I<cxxrtl runtime> -DTB_ROWS=.. -DTB_COLS=.. (every parameter of
//   memxbar_cosim_tb.v, prefixed TB_) [-DMEMXBAR_FLASH] memxbar_cosim_cxxrtl.cc memxbar_tile.cc
//
// Timing, as in the Verilog testbench: the clock has period 10, rising edges at 5, 15, ...;
// inputs change at falling edges; the tile samples them at rising edges, and the monitor
// and the vector handshake read the tile's outputs as they were just before the edge.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <cxxrtl/cxxrtl.h>
#include <cxxrtl/cxxrtl_vcd.h>

#include "memxbar_tile.h"

#ifndef TB_FLASH
#error "compile with the testbench parameters (-DTB_ROWS=... -DTB_FLASH=...)"
#endif

using cxxrtl_design::p_memxbar__tile;

namespace {

// The parameters of memxbar_cosim_tb.v.
constexpr int ROWS = TB_ROWS, COLS = TB_COLS, A = TB_A, PW = TB_PW, WB = TB_WB, RAW = TB_RAW;
constexpr int U = TB_U, DIFF = TB_DIFF, S = TB_S, CPA = TB_CPA, N_ADC = TB_N_ADC, CW = TB_CW;
constexpr int SIGNED = TB_SIGNED, QW = TB_QW, MW = TB_MW, TH = TB_TH, GW = TB_GW;
constexpr int64_t DG = TB_DG;
constexpr long MAX_REGS = TB_MAX_REGS, MAX_VECS = TB_MAX_VECS;
static_assert(TB_FLASH == 0 || TB_FLASH == 1, "FLASH is 0 or 1");
#if TB_FLASH
#ifndef MEMXBAR_FLASH
#error "FLASH=1 needs -DMEMXBAR_FLASH"
#endif
#endif

// Read a port whatever CXXRTL made of it (a value, or a wire holding curr/next).
template <size_t N> const cxxrtl::value<N> &cur(const cxxrtl::value<N> &v) { return v; }
template <size_t N> const cxxrtl::value<N> &cur(const cxxrtl::wire<N> &w) { return w.curr; }
template <size_t N> cxxrtl::value<N> &inp(cxxrtl::value<N> &v) { return v; }
template <size_t N> cxxrtl::value<N> &inp(cxxrtl::wire<N> &w) { return w.next; }

template <size_t N> uint64_t bits(const cxxrtl::value<N> &v, size_t lsb, size_t width) {
  uint64_t r = 0;
  for (size_t i = 0; i < width; i++) {
    size_t b = lsb + i;
    if ((v.data[b / 32] >> (b % 32)) & 1u) r |= uint64_t(1) << i;
  }
  return r;
}

template <size_t N> void set_bit(cxxrtl::value<N> &v, size_t b, bool on) {
  if (on) v.data[b / 32] |= uint32_t(1) << (b % 32);
  else v.data[b / 32] &= ~(uint32_t(1) << (b % 32));
}

template <size_t N> void clear(cxxrtl::value<N> &v) {
  for (size_t i = 0; i < cxxrtl::value<N>::chunks; i++) v.data[i] = 0;
}

[[noreturn]] void fail(const std::string &what) {
  std::printf("memxbar_cosim_tb: ERROR %s\n", what.c_str());
  std::exit(0);
}

// One hex word per line (blank lines skipped), as $readmemh reads them (no comments).
std::vector<std::string> read_hex(const std::string &path, size_t want) {
  std::ifstream f(path);
  if (!f) fail("cannot read " + path);
  std::vector<std::string> words;
  std::string line;
  while (words.size() < want && std::getline(f, line)) {
    size_t a = line.find_first_not_of(" \t\r");
    if (a == std::string::npos) continue;
    size_t b = line.find_last_not_of(" \t\r");
    words.push_back(line.substr(a, b - a + 1));
  }
  if (words.size() < want) fail("not enough words in " + path);
  return words;
}

int hexdigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  fail(std::string("not a hex digit (two-state simulator): ") + c);
}

// A hex word into 32-bit chunks, least significant first.
std::vector<uint32_t> hex_chunks(const std::string &w, size_t nbits) {
  std::vector<uint32_t> c((nbits + 31) / 32, 0);
  size_t bit = 0;
  for (size_t i = w.size(); i-- > 0 && bit < nbits; bit += 4) {
    uint32_t d = hexdigit(w[i]);
    for (int k = 0; k < 4 && bit + k < nbits; k++)
      if ((d >> k) & 1u) c[(bit + k) / 32] |= uint32_t(1) << ((bit + k) % 32);
  }
  return c;
}

// The behavioural array and comparators of memxbar_analog.v.
struct Analog {
  std::vector<int64_t> g;  // [r * COLS + j]
  std::vector<int64_t> current;
  std::vector<uint32_t> last_rows;
  bool have_rows = false;

  void load(const std::string &path) {
    std::vector<std::string> w = read_hex(path, size_t(ROWS) * COLS);
    g.resize(w.size());
    for (size_t i = 0; i < w.size(); i++) g[i] = int64_t(hex_chunks(w[i], GW)[0]);
    current.assign(COLS, 0);
    have_rows = false;
  }

  // Column currents, recomputed when the driven rows change.
  template <size_t N> void rows(const cxxrtl::value<N> &row_in) {
    std::vector<uint32_t> now(row_in.data, row_in.data + cxxrtl::value<N>::chunks);
    if (have_rows && now == last_rows) return;
    last_rows = now;
    have_rows = true;
    std::fill(current.begin(), current.end(), 0);
    for (int r = 0; r < ROWS; r++) {
      if (!((now[r / 32] >> (r % 32)) & 1u)) continue;
      const int64_t *row = &g[size_t(r) * COLS];
      for (int j = 0; j < COLS; j++) current[j] += row[j];
    }
  }

  int64_t unit_current(int unit) const {
    if (unit >= U) return 0;
    if (DIFF != 0) {
      int pos = (unit / S) * 2 * S + unit % S;
      return current[pos] - current[pos + S];
    }
    return current[unit];
  }

  static bool fires(int64_t iu, int64_t step, int64_t level) { return 2 * iu + step >= 2 * level * step; }
};

}  // namespace

int main(int argc, char **argv) {
  std::string cells_path, regs_path, acts_path, out_path, vcd_path;
  long n_regs = 0, n_vecs = -1, stall = 0, max_cycles = 100000000, vcd_from = 0, vcd_to = -1;
  bool vcd_on = false;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto val = [&](const char *key, std::string &dst) {
      std::string k = std::string("+") + key + "=";
      if (a.compare(0, k.size(), k) == 0) { dst = a.substr(k.size()); return true; }
      return false;
    };
    std::string num;
    if (val("cells", cells_path) || val("regs", regs_path) || val("acts", acts_path) || val("out", out_path)) continue;
    if (val("vcd", vcd_path)) { vcd_on = true; continue; }
    if (val("n_regs", num)) n_regs = std::atol(num.c_str());
    else if (val("n_vecs", num)) n_vecs = std::atol(num.c_str());
    else if (val("stall", num)) stall = std::atol(num.c_str());
    else if (val("max_cycles", num)) max_cycles = std::atol(num.c_str());
    else if (val("vcd_from", num)) vcd_from = std::atol(num.c_str());
    else if (val("vcd_to", num)) vcd_to = std::atol(num.c_str());
    else if (val("n_reads", num) || val("reads", num) || val("reads_out", num) || val("psin", num))
      fail("register reads and chained partial sums (" + a + ") are in the Verilog testbench only");
  }
  if (vcd_to < 0) vcd_to = max_cycles;
  if (cells_path.empty()) fail("missing +cells=PATH");
  if (acts_path.empty()) fail("missing +acts=PATH");
  if (out_path.empty()) fail("missing +out=PATH");
  if (n_vecs < 0) fail("missing +n_vecs=N");
  if (n_regs > 0 && regs_path.empty()) fail("missing +regs=PATH");
  if (n_regs < 0 || n_regs > MAX_REGS) fail("+n_regs outside 0..MAX_REGS");
  if (n_vecs < 1 || n_vecs > MAX_VECS) fail("+n_vecs outside 1..MAX_VECS");

  Analog analog;
  analog.load(cells_path);
  std::vector<std::vector<uint32_t>> regs, acts;
  if (n_regs > 0)
    for (const std::string &w : read_hex(regs_path, n_regs)) regs.push_back(hex_chunks(w, 64));
  for (const std::string &w : read_hex(acts_path, n_vecs)) acts.push_back(hex_chunks(w, size_t(ROWS) * A));
  FILE *fd = std::fopen(out_path.c_str(), "w");
  if (!fd) fail("cannot open +out");

  p_memxbar__tile top;
  cxxrtl::debug_items items;
  cxxrtl::vcd_writer vcd;
  std::ofstream vcd_file;
  bool dumping = false;
  if (vcd_on) {
    vcd_file.open(vcd_path);
    if (!vcd_file) fail("cannot open +vcd");
    top.debug_info(&items, nullptr, "memxbar_cosim_tb u_tile ");
    vcd.timescale(1, "ns");
    vcd.add_without_memories(items);
  }
  uint64_t now = 0;
  auto dump = [&]() {
    if (!dumping) return;
    vcd.sample(now);
    vcd_file << vcd.buffer;
    vcd.buffer.clear();
  };

  // Analog outputs from the tile's current outputs, until nothing changes.
  auto settle = [&]() {
    for (int iter = 0; iter < 1000; iter++) {
      top.step();
      analog.rows(cur(top.p_row__in));
      int64_t step = int64_t(DG) << bits(cur(top.p_adc__shift), 0, MW);
      int col_sel = int(bits(cur(top.p_col__sel), 0, QW));
      const int64_t offset = SIGNED != 0 ? (int64_t(1) << (CW - 1)) : 0;
      bool changed = false;
#ifdef MEMXBAR_FLASH
      cxxrtl::value<N_ADC * TH> th;
      clear(th);
      for (int a = 0; a < N_ADC; a++) {
        int64_t iu = analog.unit_current(a * CPA + col_sel);
        for (int i = 1; i <= TH; i++) set_bit(th, size_t(a) * TH + i - 1, Analog::fires(iu, step, int64_t(i) - offset));
      }
      if (th != cur(top.p_therm)) { inp(top.p_therm) = th; changed = true; }
#else
      cxxrtl::value<N_ADC> c;
      clear(c);
      for (int a = 0; a < N_ADC; a++) {
        int64_t iu = analog.unit_current(a * CPA + col_sel);
        int64_t level = int64_t(bits(cur(top.p_dac__code), size_t(a) * CW, CW)) - offset;
        set_bit(c, a, Analog::fires(iu, step, level));
      }
      if (c != cur(top.p_cmp)) { inp(top.p_cmp) = c; changed = true; }
#endif
      if (!changed) return;
    }
    fail("the tile and the comparators do not settle");
  };

  // Inputs at time 0.
  inp(top.p_rst) = cxxrtl::value<1>{1u};
  inp(top.p_clk) = cxxrtl::value<1>{0u};
  inp(top.p_psum__out__ready) = cxxrtl::value<1>{1u};
  settle();

  uint16_t lfsr = 0xace1;
  bool psum_ready = true;
  long cycles = 0, negedges = 0, out_vec = 0, out_words = 0, v = 0;
  bool started = false;
  // Vector process: 0 = not yet, 1 = offered (waiting for act_ready at a rising edge),
  // 2 = accepted (drop act_valid at the next falling edge), 3 = done.
  int vstate = 0;
  const long first_vec_negedge = 3 + n_regs + 1;

  auto present = [&](long k) {
    cxxrtl::value<ROWS * A> d;
    clear(d);
    for (size_t i = 0; i < acts[k].size() && i < cxxrtl::value<ROWS * A>::chunks; i++) d.data[i] = acts[k][i];
    inp(top.p_act__data) = d;
    inp(top.p_act__valid) = cxxrtl::value<1>{1u};
  };

  for (;;) {
    // Rising edge: the monitor and the handshake see the outputs as they were.
    now += 5;
    cycles++;
    if (vcd_on && cycles == vcd_from) dumping = true;
    if (cycles >= max_cycles || (vcd_on && cycles > vcd_to)) {
      if (cycles >= max_cycles) std::printf("memxbar_cosim_tb: TIMEOUT after %ld cycles (%ld of %ld vectors out)\n", cycles, out_vec, n_vecs);
      else std::printf("memxbar_cosim_tb: VCD window ends at cycle %ld\n", vcd_to);
      std::fclose(fd);
      return 0;
    }
    bool act_ready = cur(top.p_act__ready).data[0] & 1u;
    bool valid = cur(top.p_psum__out__valid).data[0] & 1u;
    bool last = cur(top.p_psum__out__last).data[0] & 1u;
    if (started && valid && psum_ready) {
      uint64_t data = bits(cur(top.p_psum__out__data), 0, PW);
      char hex[32];
      std::snprintf(hex, sizeof hex, "%0*llx", int((PW + 3) / 4), (unsigned long long)data);
      std::fprintf(fd, "%ld %llu %s %ld\n", out_vec, (unsigned long long)bits(cur(top.p_psum__out__index), 0, WB), hex, cycles);
      out_words++;
      if (last) {
        out_vec++;
        if (out_vec == n_vecs) {
          std::printf("memxbar_cosim_tb: DONE %ld vectors, %ld words, %ld cycles\n", out_vec, out_words, cycles);
          std::fclose(fd);
          dump();
          return 0;
        }
      }
    }
    if (vstate == 1 && act_ready) vstate = 2;
    inp(top.p_clk) = cxxrtl::value<1>{1u};
    settle();
    dump();

    // Falling edge: the testbench changes its inputs.
    now += 5;
    negedges++;
    inp(top.p_clk) = cxxrtl::value<1>{0u};
    psum_ready = stall == 0 ? true : (lfsr & 1u);
    lfsr = uint16_t((lfsr << 1) | (((lfsr >> 15) ^ (lfsr >> 13) ^ (lfsr >> 12) ^ (lfsr >> 10)) & 1u));
    inp(top.p_psum__out__ready) = cxxrtl::value<1>{psum_ready ? 1u : 0u};
    if (negedges == 3) {
      inp(top.p_rst) = cxxrtl::value<1>{0u};
      started = true;
    } else if (negedges > 3 && negedges < first_vec_negedge) {
      const std::vector<uint32_t> &w = regs[negedges - 4];
      cxxrtl::value<RAW> addr;
      clear(addr);
      for (size_t i = 0; i < RAW; i++) set_bit(addr, i, (w[1] >> i) & 1u);
      inp(top.p_reg__we) = cxxrtl::value<1>{1u};
      inp(top.p_reg__addr) = addr;
      inp(top.p_reg__wdata) = cxxrtl::value<32>{w[0]};
    } else if (negedges == first_vec_negedge) {
      inp(top.p_reg__we) = cxxrtl::value<1>{0u};
      present(0);
      vstate = 1;
    } else if (vstate == 2) {
      inp(top.p_act__valid) = cxxrtl::value<1>{0u};
      v++;
      if (v < n_vecs) {
        present(v);
        vstate = 1;
      } else {
        vstate = 3;
      }
    }
    settle();
    dump();
  }
}

import { describe, expect, it } from 'vitest';
import { shareRepeatedWiring, splitCxxrtl } from '../../src/cosim/simulators/cxxrtlShare.ts';

// A wiring argument of 200 register slices (~7,000 characters, over the 1,000-character floor).
const wiring = `value<8>{0u,0u}${Array.from({ length: 200 }, (_, i) => `.concat(p_act__q.curr.slice<${i * 8}>())`).join('')}.val()`;

const fn = (body: string[]) => ['bool p_top::eval(performer *performer) {', ...body, '}'].join('\n');

describe('CXXRTL: repeated wiring computed once', () => {
  it('hoists an argument repeated in one function and replaces every copy', () => {
    const src = fn([`\tp_phys.slice<0>() = shiftx_uu<1>(${wiring}, p_src__0.curr);`, `\tp_phys.slice<1>() = shiftx_uu<1>(${wiring}, p_src__1.curr);`, '\treturn true;']);
    const r = shareRepeatedWiring(`#include "x.h"\n${src}\n`);
    expect(r.hoisted).toBe(1);
    expect(r.replaced).toBe(2);
    const lines = r.text.split('\n');
    expect(lines[2]).toBe(`\tconst auto memxbar_shared_0 = (${wiring}).val();`);
    expect(lines[3]).toBe('\tp_phys.slice<0>() = shiftx_uu<1>(memxbar_shared_0, p_src__0.curr);');
    expect(lines[4]).toBe('\tp_phys.slice<1>() = shiftx_uu<1>(memxbar_shared_0, p_src__1.curr);');
    expect(r.text.split(wiring).length - 1).toBe(1);
  });

  it('leaves alone what is not pure wiring of current values, or occurs once', () => {
    const next = wiring.replace('p_act__q.curr.slice<0>', 'p_act__q.next.slice<0>');
    const computed = wiring.replace('.concat(p_act__q.curr.slice<8>())', '.concat(add_uu<8>(p_a.curr, p_b.curr))');
    for (const arg of [next, computed]) {
      const src = fn([`\tp_y.slice<0>() = shiftx_uu<1>(${arg}, p_s.curr);`, `\tp_y.slice<1>() = shiftx_uu<1>(${arg}, p_t.curr);`]);
      expect(shareRepeatedWiring(src)).toEqual({ text: src, hoisted: 0, replaced: 0 });
    }
    const once = fn([`\tp_y.slice<0>() = shiftx_uu<1>(${wiring}, p_s.curr);`]);
    expect(shareRepeatedWiring(once).text).toBe(once);
  });

  it('shares per function: each function that repeats it gets its own copy', () => {
    const body = [`\tp_a = f(${wiring});`, `\tp_b = g(${wiring});`];
    const src = `${fn(body)}\n${fn(body).replace('eval', 'debug_eval')}`;
    const r = shareRepeatedWiring(src);
    expect(r.hoisted).toBe(2);
    expect(r.text).toContain('\tp_a = f(memxbar_shared_0);');
    expect(r.text).toContain('\tp_a = f(memxbar_shared_1);');
  });
});

describe('CXXRTL: the model split into translation units', () => {
  const pre = ['#include "memxbar_tile.h"', '', 'using namespace cxxrtl_yosys;', '', 'namespace cxxrtl_design {', ''];
  const evalFn = ['bool p_t::eval(performer *performer) {', '\tbool converged = true;', '\treturn converged;', '}'];
  const debugFn = ['void p_t::debug_eval() {', '\tp_x = 1;', '}'];
  const rest = ['void p_t::reset() {', '}', '', 'CXXRTL_EXTREMELY_COLD', 'void p_t::debug_info(debug_items *items) {', '\titems->add(1);', '}'];
  const tail = ['', '} // namespace cxxrtl_design', '', 'extern "C"', 'cxxrtl_toplevel cxxrtl_design_create() {', '\treturn nullptr;', '}'];
  const src = [...pre, rest[0]!, rest[1]!, '', ...evalFn, '', ...debugFn, '', ...rest.slice(3), ...tail].join('\n');

  it('puts eval() and debug_eval() in units of their own and keeps every other line once', () => {
    const units = splitCxxrtl(src);
    expect(units.map(([n]) => n)).toEqual(['memxbar_tile_eval.cc', 'memxbar_tile_debug_eval.cc', 'memxbar_tile_rest.cc']);
    const [e, d, r] = units.map(([, t]) => t);
    expect(e).toBe([...pre.slice(0, 5), ...evalFn, '', '}', ''].join('\n'));
    expect(d).toBe([...pre.slice(0, 5), ...debugFn, '', '}', ''].join('\n'));
    // Every definition of the source is in exactly one unit.
    for (const def of ['p_t::eval(', 'p_t::debug_eval(', 'p_t::reset(', 'p_t::debug_info(', 'cxxrtl_design_create(']) {
      expect(units.filter(([, t]) => t.includes(def)).length).toBe(1);
    }
    expect(r).toContain('} // namespace cxxrtl_design');
    expect(r).not.toContain('converged');
  });

  it('leaves a source it does not recognize as one unit', () => {
    expect(splitCxxrtl('int main() { return 0; }\n')).toEqual([['memxbar_tile.cc', 'int main() { return 0; }\n']]);
    const open = [...pre, ...evalFn.slice(0, 2)].join('\n'); // eval() never closed at column 0
    expect(splitCxxrtl(open)).toEqual([['memxbar_tile.cc', open]]);
  });
});

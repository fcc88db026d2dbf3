/**
 * Shared subexpressions of CXXRTL's generated C++, computed once per function.
 *
 * Yosys `write_cxxrtl` writes every cell port as the full expression of the bits it is wired
 * to. The row driver's remap muxes (one `$shiftx` per physical row, each reading all logical
 * rows' current input bit: `act_q[r·A]` for every r) therefore repeat the same 128-part
 * `concat` chain of register slices once per row — 128 copies in `eval()` and 128 in
 * `debug_eval()`, about 1.6 MB of the 2.3 MB a 128 × 128 tile with MT generates, and most of
 * what g++ spends its minutes on (measured: docs/cosim.md, "CXXRTL build").
 *
 * `shareRepeatedWiring` hoists each such argument that occurs at least twice in one function
 * into a `const auto` computed once at the function's start. Only pure wiring qualifies: an
 * argument made of nothing but `p_….curr` reads, constants, `.slice<…>()`, `.concat(…)` and
 * `.val()`. A `.curr` value does not change during `eval()` (CXXRTL writes `.next`; `commit()`
 * copies), so the hoisted value equals every copy it replaces, and the model computes the same
 * thing. Everything else is left as Yosys wrote it.
 */

/** Arguments shorter than this are left in place (hoisting them saves nothing worth it)… */
const MIN_SHARED_CHARS = 1000;
/** …unless they join several signals (a `concat`, e.g. a case statement's `{o, t}` selector compared once per case). */
const MIN_SHARED_CONCAT_CHARS = 40;

const worthSharing = (arg: string) => arg.length >= MIN_SHARED_CHARS || (arg.length >= MIN_SHARED_CONCAT_CHARS && arg.includes('.concat('));

/** Tokens a hoistable argument may consist of. */
const WIRING = /p_[A-Za-z0-9_]+\.curr|value<\d+>\{[0-9a-fxu, ]*\}|\.slice<\d+(?:,\s*\d+)?>\(\)|\.concat\(|\.val\(\)|[(),\s]/g;

function isPureWiring(text: string): boolean {
  return text.replace(WIRING, '') === '';
}

/** Top-level arguments (start, end offsets) of every parenthesized group of `line`. */
function argumentSpans(line: string): [number, number][] {
  const spans: [number, number][] = [];
  const open: { brace: boolean; argStart: number }[] = [];
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '(' || c === '{') open.push({ brace: c === '{', argStart: i + 1 });
    else if (c === ',' && open.length) {
      const top = open[open.length - 1]!;
      if (top.brace) continue; // a constant's words: value<128>{0u,0u,…}
      spans.push([top.argStart, i]);
      top.argStart = i + 1;
    } else if ((c === ')' || c === '}') && open.length) {
      const top = open.pop()!;
      if (!top.brace && i > top.argStart) spans.push([top.argStart, i]);
    }
  }
  return spans;
}

export interface ShareResult {
  text: string;
  /** Distinct expressions hoisted, and the copies they replaced. */
  hoisted: number;
  replaced: number;
}

/** Hoist repeated pure-wiring arguments of each function of a CXXRTL source (see the file comment). */
export function shareRepeatedWiring(source: string): ShareResult {
  const lines = source.split('\n');
  let hoisted = 0;
  let replaced = 0;
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    // A function definition at column 0 whose body starts on the same line and ends at a `}` in column 0.
    if (!/^[A-Za-z].*\)\s*(const\s*)?\{$/.test(line)) {
      out.push(line);
      i++;
      continue;
    }
    let end = i + 1;
    while (end < lines.length && lines[end] !== '}') end++;
    const body = lines.slice(i + 1, end);
    const counts = new Map<string, number>();
    for (const l of body) {
      if (l.length < MIN_SHARED_CONCAT_CHARS) continue;
      for (const [a, b] of argumentSpans(l)) {
        const arg = l.slice(a, b).trim();
        if (worthSharing(arg)) counts.set(arg, (counts.get(arg) ?? 0) + 1);
      }
    }
    // Longest first, so an argument nested inside a hoisted one is replaced with it.
    const shared = [...counts].filter(([arg, n]) => n >= 2 && isPureWiring(arg)).map(([arg]) => arg).sort((a, b) => b.length - a.length);
    const decls: string[] = [];
    let newBody = body;
    for (const arg of shared) {
      const name = `memxbar_shared_${hoisted}`;
      const uses = newBody.reduce((n, l) => n + (l.length >= arg.length ? l.split(arg).length - 1 : 0), 0);
      if (uses < 2) continue; // swallowed by a longer one
      newBody = newBody.map((l) => (l.length >= arg.length && l.includes(arg) ? l.split(arg).join(name) : l));
      decls.push(`\tconst auto ${name} = (${arg}).val();`);
      hoisted++;
      replaced += uses;
    }
    out.push(line, ...decls, ...newBody);
    i = end;
  }
  return { text: out.join('\n'), hoisted, replaced };
}

/** Functions of the model worth a translation unit of their own: the cycle evaluation and its debug twin (most of the C++). */
const OWN_UNIT = /^(?:bool|void) [A-Za-z0-9_]+::(?:eval\(performer \*performer\)|debug_eval\(\)) \{$/;

/**
 * The generated model as several translation units that g++ compiles in parallel: `eval()` and
 * `debug_eval()` each in a file of their own (the generated file's preamble — includes, `using`,
 * the namespace — then the function), everything else in `memxbar_tile_rest.cc`. The same
 * definitions, each compiled once, so the linked model is the same program. The measured effect
 * is in docs/cosim.md ("CXXRTL build"). A source whose layout is not recognized (no namespace
 * line before the first function, a function not closed at column 0) stays one unit.
 */
export function splitCxxrtl(source: string): [string, string][] {
  const lines = source.split('\n');
  const ns = lines.findIndex((l) => /^namespace [A-Za-z0-9_]+ \{$/.test(l));
  const units: [string, string][] = [];
  const taken: [number, number][] = [];
  if (ns >= 0) {
    for (let i = ns + 1; i < lines.length; i++) {
      if (!OWN_UNIT.test(lines[i]!)) continue;
      let end = i + 1;
      while (end < lines.length && lines[end] !== '}') end++;
      if (end >= lines.length) return [['memxbar_tile.cc', source]];
      const kind = /::debug_eval\(/.test(lines[i]!) ? 'debug_eval' : 'eval';
      units.push([`memxbar_tile_${kind}.cc`, [...lines.slice(0, ns + 1), ...lines.slice(i, end + 1), '', '}', ''].join('\n')]);
      taken.push([i, end]);
      i = end;
    }
  }
  if (units.length === 0) return [['memxbar_tile.cc', source]];
  const rest = lines.filter((_, k) => !taken.some(([a, b]) => k >= a && k <= b));
  return [...units, ['memxbar_tile_rest.cc', rest.join('\n')]];
}

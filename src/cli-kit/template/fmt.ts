// cli-kit/template: Go's fmt as templates reach it (print, println, printf and the
// printing of an action's value): %v formatting of JSON-shaped values, Go's
// quoting, the verbs %v %s %q %d %x %X %o %b %c %t %f %e %g %T %%, width,
// precision and flags, and fmt's %!verb(type=value) complaints.
import { TemplateObject, goTypeOf, noValue } from './value.ts';

/** Go's %v of a value. */
export function formatValue(v: unknown): string {
  if (v === noValue || v === undefined) return '<no value>';
  return formatV(v, false);
}

function formatV(v: unknown, nested: boolean): string {
  if (v === noValue || v === undefined || v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => formatV(x, true)).join(' ')}]`;
  if (v instanceof TemplateObject) return formatV(v.toJSON(), nested);
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o).sort().map((k) => `${k}:${formatV(o[k], true)}`).join(' ')}]`;
  }
  return String(v);
}

/** float64 with %v: strconv's shortest 'g' form, exponent from 1e21 up. */
function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 21) return goExp(n.toExponential());
  return String(n);
}

function goExp(s: string): string {
  const [m, e] = s.split('e') as [string, string];
  const en = Number(e);
  return `${m}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
}

/** strconv.Quote. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case '"': out += '\\"'; continue;
      case '\\': out += '\\\\'; continue;
      case '\x07': out += '\\a'; continue;
      case '\b': out += '\\b'; continue;
      case '\f': out += '\\f'; continue;
      case '\n': out += '\\n'; continue;
      case '\r': out += '\\r'; continue;
      case '\t': out += '\\t'; continue;
      case '\v': out += '\\v'; continue;
    }
    if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp >= 0x80 && /[\p{C}\p{Z}]/u.test(ch) && ch !== ' ') out += cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** fmt.Sprint: spaces between operands when neither is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatV(a, false);
  });
  return out;
}

/** fmt.Sprintln: always spaces, then a newline. */
export function sprintln(args: readonly unknown[]): string {
  return args.map((a) => formatV(a, false)).join(' ') + '\n';
}

interface Spec { minus: boolean; plus: boolean; sharp: boolean; space: boolean; zero: boolean; width?: number; prec?: number }

function pad(s: string, spec: Spec, numeric: boolean): string {
  const w = spec.width ?? 0;
  const len = [...s].length;
  if (len >= w) return s;
  if (spec.minus) return s + ' '.repeat(w - len);
  if (spec.zero && numeric) {
    const sign = /^[+-]/.test(s) ? (s[0] as string) : '';
    return sign + '0'.repeat(w - len) + s.slice(sign.length);
  }
  return ' '.repeat(w - len) + s;
}

function bad(verb: string, v: unknown): string {
  if (v === null || v === noValue || v === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeOf(v)}=${formatV(v, false)})`;
}

function signed(s: string, n: number, spec: Spec): string {
  if (n < 0 || Object.is(n, -0)) return s;
  return spec.plus ? `+${s}` : spec.space ? ` ${s}` : s;
}

function formatInt(v: number, verb: string, spec: Spec): string {
  const abs = Math.abs(v);
  let body: string;
  switch (verb) {
    case 'd': body = String(abs); break;
    case 'x': body = abs.toString(16); if (spec.sharp) body = `0x${body}`; break;
    case 'X': body = abs.toString(16).toUpperCase(); if (spec.sharp) body = `0X${body}`; break;
    case 'o': body = abs.toString(8); if (spec.sharp) body = `0${body}`; break;
    case 'b': body = abs.toString(2); break;
    case 'c': return String.fromCodePoint(v);
    case 'q': return `'${String.fromCodePoint(v)}'`;
    default: return bad(verb, v);
  }
  if (spec.prec !== undefined) body = body.padStart(spec.prec, '0');
  return signed(v < 0 ? `-${body}` : body, v, spec);
}

function formatFloat(v: number, verb: string, spec: Spec): string {
  let s: string;
  switch (verb) {
    case 'f': case 'F': s = v.toFixed(spec.prec ?? 6); break;
    case 'e': case 'E': s = goExp(v.toExponential(spec.prec ?? 6)); if (verb === 'E') s = s.toUpperCase(); break;
    case 'g': case 'G': s = spec.prec === undefined ? formatNumber(v) : goExp(v.toPrecision(spec.prec)).replace(/\.?0+e/, 'e'); break;
    case 'v': s = formatNumber(v); break;
    default: return bad(verb, v);
  }
  return signed(s, v, spec);
}

function formatString(s: string, verb: string, spec: Spec): string {
  const cut = spec.prec !== undefined ? [...s].slice(0, spec.prec).join('') : s;
  switch (verb) {
    case 's': case 'v': return cut;
    case 'q': return spec.sharp && !cut.includes('`') ? `\`${cut}\`` : goQuote(cut);
    case 'x': return Buffer.from(cut).toString('hex');
    case 'X': return Buffer.from(cut).toString('hex').toUpperCase();
    default: return bad(verb, s);
  }
}

function formatOne(v: unknown, verb: string, spec: Spec): { text: string; numeric: boolean } {
  if (verb === 'T') return { text: v === null || v === noValue ? '<nil>' : goTypeOf(v), numeric: false };
  if (typeof v === 'number') {
    if (verb === 'v') return { text: signed(formatNumber(v), v, spec), numeric: true };
    if (verb === 's' || verb === 't') return { text: bad(verb, v), numeric: false };
    const text = Number.isInteger(v) && !'fFeEgG'.includes(verb) ? formatInt(v, verb, spec) : formatFloat(v, verb, spec);
    return { text, numeric: true };
  }
  if (typeof v === 'string') return { text: formatString(v, verb, spec), numeric: false };
  if (typeof v === 'boolean') return { text: verb === 't' || verb === 'v' ? String(v) : bad(verb, v), numeric: false };
  if (v === null || v === noValue || v === undefined) return { text: verb === 'v' || verb === 's' ? (verb === 's' ? '%!s(<nil>)' : '<nil>') : bad(verb, v), numeric: false };
  if (Array.isArray(v) && verb !== 'v') return { text: `[${v.map((x) => formatOne(x, verb, spec).text).join(' ')}]`, numeric: false };
  if (verb === 'v' || verb === 's') return { text: formatV(v, false), numeric: false };
  if (verb === 'q' && Array.isArray(v)) return { text: `[${v.map((x) => formatOne(x, 'q', spec).text).join(' ')}]`, numeric: false };
  return { text: bad(verb, v), numeric: false };
}

/** fmt.Sprintf. */
export function sprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let argi = 0;
  let i = 0;
  while (i < format.length) {
    const c = format[i] as string;
    if (c !== '%') { out += c; i++; continue; }
    i++;
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false };
    for (; i < format.length; i++) {
      const f = format[i];
      if (f === '-') { spec.minus = true; spec.zero = false; } else if (f === '+') spec.plus = true;
      else if (f === '#') spec.sharp = true; else if (f === ' ') spec.space = true;
      else if (f === '0') spec.zero = !spec.minus; else break;
    }
    const num = (): number | undefined => {
      if (format[i] === '*') { i++; const a = args[argi++]; return typeof a === 'number' ? a : undefined; }
      const m = /^\d+/.exec(format.slice(i));
      if (!m) return undefined;
      i += m[0].length;
      return Number(m[0]);
    };
    const w = num();
    if (w !== undefined) spec.width = w;
    if (format[i] === '.') { i++; spec.prec = num() ?? 0; }
    const verb = format[i];
    if (verb === undefined) { out += '%!(NOVERB)'; break; }
    i++;
    if (verb === '%') { out += '%'; continue; }
    if (argi >= args.length) { out += `%!${verb}(MISSING)`; continue; }
    const { text, numeric } = formatOne(args[argi++], verb, spec);
    out += pad(text, spec, numeric);
  }
  if (argi < args.length) {
    out += `%!(EXTRA ${args.slice(argi).map((a) => (a === null || a === noValue ? '<nil>' : `${goTypeOf(a)}=${formatV(a, false)}`)).join(', ')})`;
  }
  return out;
}

// cli/template: the functions docker's templates offer (json, join, split, title,
// lower, upper, pad, truncate) plus Go's builtins (len, index, print*, eq, and, …).
import { TemplateError } from './parse.ts';

type Fn = (...args: unknown[]) => unknown;

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

// Lazy import cycle breaker: exec.ts owns formatValue; functions only need it at call time.
let format: (v: unknown) => string = str;
let isContext: (v: unknown) => boolean = () => false;
let truth: (v: unknown) => boolean = Boolean;
export function bindFormatting(f: (v: unknown) => string, t: (v: unknown) => boolean, c: (v: unknown) => boolean): void {
  format = f;
  truth = t;
  isContext = c;
}

function sprint(args: unknown[], spaces: 'always' | 'between-non-strings'): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && (spaces === 'always' || (typeof a !== 'string' && typeof args[i - 1] !== 'string'))) out += ' ';
    out += format(a);
  });
  return out;
}

function sprintf(fmt: string, args: unknown[]): string {
  let i = 0;
  return fmt.replace(/%([-+ #0]*)(\d*)(?:\.(\d+))?([vsdqtfx%])/g, (_m, _flags: string, width: string, prec: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    const a = args[i++];
    let s: string;
    switch (verb) {
      case 'q': s = JSON.stringify(str(a)); break;
      case 'f': s = Number(a).toFixed(prec === undefined ? 6 : Number(prec)); break;
      case 'x': s = typeof a === 'number' ? a.toString(16) : Buffer.from(str(a)).toString('hex'); break;
      default: s = format(a);
    }
    return width ? s.padStart(Number(width)) : s;
  });
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new Error('incompatible types for comparison');
}

function titleCase(s: string): string {
  return s.replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

export const templateFunctions: Readonly<Record<string, Fn>> = {
  json: (v) => {
    const text = JSON.stringify(v === undefined ? null : v) ?? 'null';
    // A docker context marshals itself with json.Marshal, which escapes HTML.
    return isContext(v) ? text.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026') : text;
  },
  join: (list, sep) => (Array.isArray(list) ? list.map(format).join(str(sep)) : format(list)),
  split: (s, sep) => str(s).split(str(sep)),
  title: (s) => titleCase(str(s)),
  lower: (s) => str(s).toLowerCase(),
  upper: (s) => str(s).toUpperCase(),
  pad: (s, left, right) => ' '.repeat(Number(left)) + str(s) + ' '.repeat(Number(right)),
  truncate: (s, n) => { const t = [...str(s)]; return t.length > Number(n) ? t.slice(0, Number(n)).join('') : str(s); },
  len: (v) => {
    if (typeof v === 'string') return Buffer.byteLength(v);
    if (Array.isArray(v)) return v.length;
    if (v && typeof v === 'object') return Object.keys(v).length;
    throw new Error(`len of type ${typeof v}`);
  },
  index: (v, ...keys) => {
    let cur = v;
    for (const k of keys) {
      if (Array.isArray(cur)) {
        const i = Number(k);
        if (!Number.isInteger(i) || i < 0 || i >= cur.length) throw new Error(`index out of range: ${format(k)}`);
        cur = cur[i];
      } else if (cur && typeof cur === 'object') {
        const o = cur as Record<string, unknown>;
        // docker's typed maps (Labels: map[string]string) give "" for a missing key
        const allStrings = Object.values(o).every((x) => typeof x === 'string');
        cur = Object.prototype.hasOwnProperty.call(o, str(k)) ? o[str(k)] : allStrings ? '' : undefined;
      } else if (cur === null) {
        // a nil map (`"Labels": null`) indexes to its zero value
        cur = '';
      } else if (cur === undefined) {
        throw new Error('index of untyped nil');
      } else {
        throw new Error(`can't index item of type ${typeof cur}`);
      }
    }
    return cur;
  },
  print: (...a) => sprint(a, 'between-non-strings'),
  println: (...a) => sprint(a, 'always') + '\n',
  printf: (f, ...a) => sprintf(str(f), a),
  eq: (a, ...bs) => bs.some((b) => a === b),
  ne: (a, b) => a !== b,
  lt: (a, b) => compare(a, b) < 0,
  le: (a, b) => compare(a, b) <= 0,
  gt: (a, b) => compare(a, b) > 0,
  ge: (a, b) => compare(a, b) >= 0,
  not: (a) => !truth(a),
  and: (...a) => { let last: unknown = true; for (const x of a) { last = x; if (!truth(x)) return x; } return last; },
  or: (...a) => { let last: unknown = false; for (const x of a) { last = x; if (truth(x)) return x; } return last; },
};

export { TemplateError };

// cli-kit/template: the functions a docker --format template can call — Go's builtins
// (and, or, not, call, eq…ge, len, index, slice, print*, html, js, urlquery) and the
// docker CLI's own (json, join, split, title, lower, upper, pad, truncate) — each
// with its Go signature, so argument counts and types fail as Go's do.
import { TemplateObject, goTypeOf, isTrue, noValue } from './value.ts';
import { formatValue, sprint, sprintf, sprintln } from './fmt.ts';

/** A parameter's Go type: `value` is reflect.Value (no check), `any` is interface{}. */
export type Param = 'value' | 'any' | 'string' | 'int' | '[]string';

export interface TemplateFunction {
  readonly params: readonly Param[];
  /** The element type of a variadic last parameter. */
  readonly variadic?: Param;
  /** `and`/`or` receive thunks and evaluate them left to right, stopping early. */
  readonly lazy?: boolean;
  readonly fn: (...args: unknown[]) => unknown;
}

const f = (params: Param[], fn: (...args: any[]) => unknown, variadic?: Param): TemplateFunction =>
  (variadic ? { params, variadic, fn } : { params, fn });

type Kind = 'bool' | 'int' | 'float' | 'string' | 'invalid' | 'other';
function basicKind(v: unknown): Kind {
  if (v === noValue || v === undefined) return 'invalid';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'string';
  return 'other';
}

function eq(a: unknown, ...bs: unknown[]): boolean {
  if (bs.length === 0) throw new Error('missing argument for comparison');
  const ka = basicKind(a);
  for (const b of bs) {
    const kb = basicKind(b);
    if (ka !== kb && !(ka !== 'other' && kb !== 'other' && ka !== 'invalid' && kb !== 'invalid' && (ka === 'int' || ka === 'float') && (kb === 'int' || kb === 'float'))) {
      if (ka !== 'invalid' && kb !== 'invalid') throw new Error('incompatible types for comparison');
      continue;
    }
    if (ka === 'other') {
      if (a === null || b === null) { if (a === b) return true; continue; }
      throw new Error(`non-comparable type ${formatValue(b)}: ${goTypeOf(b)}`);
    }
    if (a === b) return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  const num = (k: Kind) => k === 'int' || k === 'float';
  if (!(ka === kb || (num(ka) && num(kb)))) throw new Error('incompatible types for comparison');
  if (ka === 'bool' || ka === 'other' || ka === 'invalid') throw new Error('invalid type for comparison');
  return (a as number | string) < (b as number | string);
}

function index(item: unknown, ...keys: unknown[]): unknown {
  if (item === noValue || item === undefined) throw new Error('index of untyped nil');
  let cur: unknown = item;
  for (const k of keys) {
    if (cur === null) {
      // in docker's typed data a null is a nil map or slice: a map gives its zero value
      // (Labels: map[string]string → ""), a slice has no elements
      if (typeof k === 'string') { cur = ''; continue; }
      throw new Error(`index out of range: ${typeof k === 'number' ? k : goTypeOf(k)}`);
    }
    if (Array.isArray(cur) || typeof cur === 'string') {
      const bytes = typeof cur === 'string' ? Buffer.from(cur) : undefined;
      const len = bytes ? bytes.length : (cur as unknown[]).length;
      const x = indexArg(k, len);
      if (x >= len) throw new Error(`reflect: ${bytes ? 'string' : 'slice'} index out of range`);
      cur = bytes ? bytes[x] : (cur as unknown[])[x];
    } else if (cur instanceof TemplateObject) {
      throw new Error(`can't index item of type ${cur.goType}`);
    } else if (typeof cur === 'object') {
      if (typeof k !== 'string') throw new Error(`value has type ${goTypeOf(k)}; should be string`);
      const o = cur as Record<string, unknown>;
      // docker's typed maps (Labels: map[string]string) give "" for a missing key
      const allStrings = Object.values(o).length > 0 && Object.values(o).every((x) => typeof x === 'string');
      cur = Object.prototype.hasOwnProperty.call(o, k) ? o[k] : allStrings ? '' : null;
    } else {
      throw new Error(`can't index item of type ${goTypeOf(cur)}`);
    }
  }
  return cur;
}

function indexArg(k: unknown, cap: number): number {
  if (k === noValue || k === null) throw new Error('cannot index slice/array with nil');
  if (typeof k !== 'number' || !Number.isInteger(k)) throw new Error(`cannot index slice/array with type ${goTypeOf(k)}`);
  if (k < 0 || k > cap) throw new Error(`index out of range: ${k}`);
  return k;
}

function slice(item: unknown, ...idx: unknown[]): unknown {
  if (item === noValue || item === undefined) throw new Error('slice of untyped nil');
  if (idx.length > 3) throw new Error(`too many slice indexes: ${idx.length}`);
  let len: number;
  if (typeof item === 'string') {
    if (idx.length === 3) throw new Error('cannot 3-index slice a string');
    len = Buffer.byteLength(item);
  } else if (Array.isArray(item)) len = item.length;
  else throw new Error(`can't slice item of type ${goTypeOf(item)}`);
  const ix = [0, len, len];
  idx.forEach((k, i) => { ix[i] = indexArg(k, len); });
  const [i, j, k] = ix as [number, number, number];
  if (i > j) throw new Error(`invalid slice index: ${i} > ${j}`);
  if (idx.length === 3 && j > k) throw new Error(`invalid slice index: ${j} > ${k}`);
  return typeof item === 'string' ? Buffer.from(item).subarray(i, j).toString() : item.slice(i, j);
}

function length(v: unknown): number {
  if (v === null) return 0;
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (Array.isArray(v)) return v.length;
  if (v && typeof v === 'object' && !(v instanceof TemplateObject)) return Object.keys(v).length;
  if (v === noValue || v === undefined) throw new Error('len of nil pointer');
  throw new Error(`len of type ${goTypeOf(v)}`);
}

/** Go's evalArgs: one string argument as is, else fmt.Sprint of them all. */
const argText = (args: unknown[]) => (args.length === 1 && typeof args[0] === 'string' ? args[0] : sprint(args));

function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => ({ '\0': '\uFFFD', '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c] ?? c);
}

function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    const special: Record<string, string> = { '\\': '\\\\', "'": "\\'", '"': '\\"', '<': '\\u003C', '>': '\\u003E', '&': '\\u0026', '=': '\\u003D' };
    if (special[ch]) out += special[ch];
    else if (cp < 0x20) out += `\\u00${cp.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (cp >= 0x80 && /\p{C}/u.test(ch)) out += `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

function queryEscape(s: string): string {
  return [...Buffer.from(s)].map((b) => {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) return c;
    if (c === ' ') return '+';
    return `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

/** strings.Title: the first letter of each word upper-cased. */
function title(s: string): string {
  return s.replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

function json(v: unknown): string {
  const text = JSON.stringify(v === undefined || v === noValue ? null : v) ?? 'null';
  // A docker context marshals itself with json.Marshal, which escapes HTML.
  return v instanceof TemplateObject ? text.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026') : text;
}

export const templateFunctions: Readonly<Record<string, TemplateFunction>> = {
  and: { params: ['value'], variadic: 'value', lazy: true, fn: () => undefined },
  or: { params: ['value'], variadic: 'value', lazy: true, fn: () => undefined },
  not: f(['value'], (a) => !isTrue(a)),
  call: f(['value'], () => { throw new Error('call of nil'); }, 'value'),
  html: f([], (...a: unknown[]) => htmlEscape(argText(a)), 'any'),
  index: f(['value'], index, 'value'),
  slice: f(['value'], slice, 'value'),
  js: f([], (...a: unknown[]) => jsEscape(argText(a)), 'any'),
  len: f(['value'], length),
  print: f([], (...a: unknown[]) => sprint(a), 'any'),
  printf: f(['string'], (fmt: string, ...a: unknown[]) => sprintf(fmt, a), 'any'),
  println: f([], (...a: unknown[]) => sprintln(a), 'any'),
  urlquery: f([], (...a: unknown[]) => queryEscape(argText(a)), 'any'),
  eq: f(['value'], eq, 'value'),
  ne: f(['value', 'value'], (a, b) => !eq(a, b)),
  lt: f(['value', 'value'], lt),
  le: f(['value', 'value'], (a, b) => lt(a, b) || eq(a, b)),
  gt: f(['value', 'value'], (a, b) => !lt(a, b) && !eq(a, b)),
  ge: f(['value', 'value'], (a, b) => !lt(a, b)),
  // the docker CLI's functions (cli/templates)
  json: f(['any'], json),
  split: f(['string', 'string'], (s: string, sep: string) => s.split(sep)),
  join: f(['[]string', 'string'], (l: string[], sep: string) => l.join(sep)),
  title: f(['string'], title),
  lower: f(['string'], (s: string) => s.toLowerCase()),
  upper: f(['string'], (s: string) => s.toUpperCase()),
  pad: f(['string', 'int', 'int'], (s: string, l: number, r: number) => (s === '' ? s : ' '.repeat(Math.max(0, l)) + s + ' '.repeat(Math.max(0, r)))),
  // byte-wise, as the docker CLI's truncateWithLength slices a Go string
  truncate: f(['string', 'int'], (s: string, n: number) => { const b = Buffer.from(s); return b.length < n ? s : b.subarray(0, n).toString(); }),
};

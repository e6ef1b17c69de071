// cli-kit/template: the values a template walks — JSON-shaped data, docker's formatter
// contexts (a Go type name and its methods), and Go's "no value" — with Go's
// truthiness and type names for error messages.

/** A docker formatter context: a Go type name and its methods (`.ID`, `.Label "k"`). */
export class TemplateObject {
  constructor(
    readonly goType: string,
    readonly fields: Readonly<Record<string, (...args: unknown[]) => unknown>>,
    readonly json?: () => unknown,
  ) {}
  toJSON(): unknown {
    if (this.json) return this.json();
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(this.fields).sort()) {
      const f = this.fields[k] as (...args: unknown[]) => unknown;
      if (f.length === 0) out[k] = f();
    }
    return out;
  }
}

/** Marks "no value" (a missing map key, Go's invalid reflect.Value), printed as `<no value>`. */
export const noValue: unique symbol = Symbol('no value');

/** Go's truthiness: false, 0, nil, empty string, empty slice or map are false. */
export function isTrue(v: unknown): boolean {
  if (v === noValue || v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof TemplateObject) return true;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** How a number reads in messages: `int` for docker's typed data, `json.Number` for inspect's raw maps. */
let numberType: 'int' | 'json.Number' = 'int';
export function withNumberType<T>(t: 'int' | 'json.Number', f: () => T): T {
  const save = numberType;
  numberType = t;
  try { return f(); } finally { numberType = save; }
}

/** The Go type a value stands for, in reflect's spelling. */
export function goTypeOf(v: unknown): string {
  if (v instanceof TemplateObject) return v.goType;
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return numberType === 'json.Number' ? 'json.Number' : Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return v.every((x) => typeof x === 'string') && v.length > 0 ? '[]string' : '[]interface {}';
  if (v === null || v === undefined || v === noValue) return 'interface {}';
  return 'map[string]interface {}';
}

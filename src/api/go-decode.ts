// Go's encoding/json decoding of a request body into a typed Go value, reduced
// to what a client can see of it: the first error. dockerd decodes a create
// body into Go structs, so a wrong type anywhere is refused with Go's words
// (`json: cannot unmarshal string into Go struct field HostConfig.HostConfig.Memory
// of type int64`) and a number that does not fit the Go integer (1.5, 2^64,
// 1e308, -1 for a uint) is refused too, naming the literal as written.
//
// Why not a JSON Schema validator (ajv over the Engine API's swagger): Go's
// message needs Go's type names (`container.NetworkMode`, `[]nat.PortBinding`),
// its struct/field path, the literal text of a number (JSON.parse has lost it),
// case-insensitive field names, and Go's order — the first mismatch in the
// document wins, except that a custom UnmarshalJSON error (strslice) ends the
// decoding at once. The decoder walks the text with the Go type, as Go does;
// values it does not decode (unknown fields, mismatches) are skipped without
// recursion, so the depth of the walk is the depth of the type.
import { goSyntaxError } from './go-json-error.ts';

type Scalar = 'string' | 'bool' | 'int' | 'int64' | 'int32' | 'uint' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'float64' | 'any';

/** A Go type as the decoder needs it; `name` is Go's name for it in messages (`time.Duration`). */
export type GoType =
  | { readonly kind: Scalar; readonly name?: string }
  | { readonly kind: 'slice'; readonly elem: GoType; readonly name?: string }
  | { readonly kind: 'array'; readonly elem: GoType; readonly len: number }
  | { readonly kind: 'map'; readonly elem: GoType; readonly name?: string }
  | { readonly kind: 'struct'; readonly name: string; readonly fields: Readonly<Record<string, GoType>> }
  /** strslice.StrSlice: a string or an array of strings, its UnmarshalJSON's error ends the decoding. */
  | { readonly kind: 'strslice' };

export function goTypeName(t: GoType): string {
  switch (t.kind) {
    case 'slice':
      return t.name ?? `[]${goTypeName(t.elem)}`;
    case 'array':
      return `[${t.len}]${goTypeName(t.elem)}`;
    case 'map':
      return t.name ?? `map[string]${goTypeName(t.elem)}`;
    case 'struct':
      return t.name;
    case 'strslice':
      return 'strslice.StrSlice';
    case 'any':
      return t.name ?? 'interface {}';
    default:
      return t.name ?? t.kind;
  }
}

const intBits: Partial<Record<Scalar, number>> = { int: 64, int64: 64, int32: 32 };
const uintBits: Partial<Record<Scalar, number>> = { uint: 64, uint8: 8, uint16: 16, uint32: 32, uint64: 64 };

/** Go's strconv.ParseInt/ParseUint(text, 10, bits) and the Overflow check: whether the literal fits. */
function fitsInteger(text: string, bits: number, signed: boolean): boolean {
  if (!/^-?\d+$/.test(text)) return false;
  const n = BigInt(text);
  if (!signed) return n >= 0n && n < 1n << BigInt(bits);
  return n >= -(1n << BigInt(bits - 1)) && n < 1n << BigInt(bits - 1);
}

class Fatal extends Error {}

/** Where the decoder is: the innermost struct and the field names from the top (Go's errorContext). */
interface Context {
  readonly struct?: string;
  readonly fields: readonly string[];
}

const shortName = (struct: string) => struct.slice(struct.lastIndexOf('.') + 1);

function typeError(value: string, type: string, ctx: Context): string {
  const where = ctx.struct !== undefined ? `Go struct field ${shortName(ctx.struct)}.${ctx.fields.join('.')}` : 'Go value';
  return `json: cannot unmarshal ${value} into ${where} of type ${type}`;
}

class Decoder {
  #i = 0;
  #saved: string | undefined;
  readonly #s: string;

  constructor(s: string) {
    this.#s = s;
  }

  get saved(): string | undefined {
    return this.#saved;
  }

  #save(message: string): void {
    this.#saved ??= message;
  }

  #ws(): void {
    const s = this.#s;
    while (this.#i < s.length && (s[this.#i] === ' ' || s[this.#i] === '\t' || s[this.#i] === '\r' || s[this.#i] === '\n')) this.#i++;
  }

  /** The string token at the cursor (valid JSON: the scanner checked), decoded. */
  #string(): string {
    const s = this.#s;
    const start = this.#i;
    this.#i++;
    while (s[this.#i] !== '"') this.#i += s[this.#i] === '\\' ? 2 : 1;
    this.#i++;
    return JSON.parse(s.slice(start, this.#i)) as string;
  }

  /** Skips the value at the cursor, however deep, without recursion. */
  #skip(): void {
    const s = this.#s;
    this.#ws();
    let depth = 0;
    do {
      const c = s[this.#i];
      if (c === '"') {
        this.#string();
      } else if (c === '{' || c === '[') {
        depth++;
        this.#i++;
      } else if (c === '}' || c === ']') {
        depth--;
        this.#i++;
      } else if (c === ',' || c === ':' || c === ' ' || c === '\t' || c === '\r' || c === '\n') {
        this.#i++;
      } else {
        while (this.#i < s.length && !',:]} \t\r\n'.includes(s[this.#i] as string)) this.#i++;
      }
    } while (depth > 0);
  }

  /** The JSON kind at the cursor, in Go's words. */
  #kindHere(): 'object' | 'array' | 'string' | 'number' | 'bool' | 'null' {
    const c = this.#s[this.#i];
    if (c === '{') return 'object';
    if (c === '[') return 'array';
    if (c === '"') return 'string';
    if (c === 't' || c === 'f') return 'bool';
    if (c === 'n') return 'null';
    return 'number';
  }

  value(t: GoType, ctx: Context): void {
    this.#ws();
    const kind = this.#kindHere();
    if (kind === 'null') {
      this.#i += 4;
      return;
    }
    if (t.kind === 'any') {
      this.#skip();
      return;
    }
    if (t.kind === 'strslice') {
      this.#strslice(ctx);
      return;
    }
    if (kind === 'object') {
      if (t.kind === 'struct') return this.#struct(t, ctx);
      if (t.kind === 'map') return this.#map(t.elem, ctx);
      this.#save(typeError('object', goTypeName(t), ctx));
      return this.#skip();
    }
    if (kind === 'array') {
      if (t.kind === 'slice' || t.kind === 'array') return this.#array(t.elem, ctx);
      this.#save(typeError('array', goTypeName(t), ctx));
      return this.#skip();
    }
    if (kind === 'string') {
      this.#string();
      if (t.kind !== 'string') this.#save(typeError('string', goTypeName(t), ctx));
      return;
    }
    if (kind === 'bool') {
      this.#i += this.#s[this.#i] === 't' ? 4 : 5;
      if (t.kind !== 'bool') this.#save(typeError('bool', goTypeName(t), ctx));
      return;
    }
    const start = this.#i;
    this.#skip();
    const text = this.#s.slice(start, this.#i);
    const signed = intBits[t.kind as Scalar];
    const unsigned = uintBits[t.kind as Scalar];
    const fits =
      signed !== undefined ? fitsInteger(text, signed, true) : unsigned !== undefined ? fitsInteger(text, unsigned, false) : t.kind === 'float64' ? Number.isFinite(Number(text)) : undefined;
    if (fits === undefined) this.#save(typeError('number', goTypeName(t), ctx));
    else if (!fits) this.#save(typeError(`number ${text}`, goTypeName(t), ctx));
  }

  #struct(t: Extract<GoType, { kind: 'struct' }>, ctx: Context): void {
    const names = Object.keys(t.fields);
    this.#entries((key) => {
      // Go: the exact name, else the first that matches ignoring case; unknown fields are skipped.
      const name = key in t.fields ? key : names.find((n) => n.toLowerCase() === key.toLowerCase());
      if (name === undefined) this.#skip();
      else this.value(t.fields[name]!, { struct: t.name, fields: [...ctx.fields, name] });
    });
  }

  #map(elem: GoType, ctx: Context): void {
    this.#entries(() => this.value(elem, ctx));
  }

  #entries(onValue: (key: string) => void): void {
    this.#i++; // {
    for (;;) {
      this.#ws();
      if (this.#s[this.#i] === '}') {
        this.#i++;
        return;
      }
      if (this.#s[this.#i] === ',') {
        this.#i++;
        this.#ws();
      }
      const key = this.#string();
      this.#ws();
      this.#i++; // :
      onValue(key);
    }
  }

  #array(elem: GoType, ctx: Context): void {
    this.#i++; // [
    for (;;) {
      this.#ws();
      if (this.#s[this.#i] === ']') {
        this.#i++;
        return;
      }
      if (this.#s[this.#i] === ',') this.#i++;
      // A Go array ([2]uint) decodes its first elements and drops the rest; their types still count.
      this.value(elem, ctx);
    }
  }

  /**
   * strslice.StrSlice's UnmarshalJSON: a []string, else a string; when both
   * fail, the string attempt's error, which ends the whole decoding.
   */
  #strslice(ctx: Context): void {
    const kind = this.#kindHere();
    const start = this.#i;
    this.#skip();
    if (kind === 'string') return;
    if (kind === 'array') {
      let ok = true;
      try {
        const items = JSON.parse(this.#s.slice(start, this.#i)) as unknown[];
        ok = items.every((x) => x === null || typeof x === 'string');
      } catch {
        ok = false;
      }
      if (ok) return;
    }
    throw new Fatal(typeError(kind, 'string', ctx));
  }
}

/**
 * The error Go's json.Decoder gives for the body `text` decoded into `type`
 * (syntax first, then the first type mismatch), or undefined when it decodes.
 */
export function goDecodeError(text: string, type: GoType): string | undefined {
  const syntax = goSyntaxError(text);
  if (syntax !== undefined) return syntax;
  const d = new Decoder(text);
  try {
    d.value(type, { fields: [] });
  } catch (err) {
    if (err instanceof Fatal) return err.message;
    throw err;
  }
  return d.saved;
}

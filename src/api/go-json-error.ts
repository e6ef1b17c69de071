// The texts Go's encoding/json gives for a query parameter that is not valid
// JSON or does not fit the Go type dockerd decodes it into, so that berthd
// refuses such a parameter with the words dockerd uses
// (`invalid character 'x' looking for beginning of value`,
// `json: cannot unmarshal array into Go value of type map[string]*string`).

/** Go's quoteChar: `'x'`, with Go's escapes for quotes and control characters. */
function quoteChar(c: string): string {
  if (c === "'") return `'\\''`;
  if (c === '"') return `'"'`;
  const q = JSON.stringify(c);
  return `'${q.slice(1, -1)}'`;
}

class Syntax extends Error {}

/** Go's scanner refuses nesting deeper than this (encoding/json maxNestingDepth). */
const maxNestingDepth = 10000;

/**
 * A scanner over `s` that throws Go's syntax error at the first problem. It
 * keeps the open brackets on a stack of its own rather than recursing, so that
 * `[[[[…` a million deep is Go's "exceeded max depth", not a stack overflow.
 */
function scan(s: string): void {
  let i = 0;
  const stack: ('{' | '[')[] = [];
  const bad = (context: string): never => {
    throw new Syntax(`invalid character ${quoteChar(s[i] as string)} ${context}`);
  };
  const end = (): never => {
    throw new Syntax('unexpected end of JSON input');
  };
  const ws = () => {
    while (i < s.length && ' \t\r\n'.includes(s[i] as string)) i++;
  };
  const literal = (word: string) => {
    for (let k = 0; k < word.length; k++, i++) {
      if (i >= s.length) end();
      if (s[i] !== word[k]) bad(`in literal ${word} (expecting ${quoteChar(word[k] as string)})`);
    }
  };
  const string = () => {
    i++;
    for (;;) {
      if (i >= s.length) end();
      const c = s[i] as string;
      if (c === '"') {
        i++;
        return;
      }
      if (c < ' ') bad('in string literal');
      if (c === '\\') {
        i++;
        if (i >= s.length) end();
        const e = s[i] as string;
        if (e === 'u') {
          for (let k = 0; k < 4; k++) {
            i++;
            if (i >= s.length) end();
            if (!/[0-9a-fA-F]/.test(s[i] as string)) bad('in \\u hexadecimal character escape');
          }
        } else if (!'"\\/bfnrt'.includes(e)) bad('in string escape code');
      }
      i++;
    }
  };
  const digits = () => {
    while (i < s.length && /[0-9]/.test(s[i] as string)) i++;
  };
  const number = () => {
    if (s[i] === '-') {
      i++;
      if (i >= s.length) end();
      if (!/[0-9]/.test(s[i] as string)) bad('in numeric literal');
    }
    if (s[i] === '0') i++;
    else digits();
    if (s[i] === '.') {
      i++;
      if (i >= s.length) end();
      if (!/[0-9]/.test(s[i] as string)) bad('after decimal point in numeric literal');
      digits();
    }
    if (s[i] === 'e' || s[i] === 'E') {
      i++;
      if (s[i] === '+' || s[i] === '-') i++;
      if (i >= s.length) end();
      if (!/[0-9]/.test(s[i] as string)) bad('in exponent of numeric literal');
      digits();
    }
  };
  /** After `{` or `,` in an object: a key and its colon. */
  const key = () => {
    ws();
    if (i >= s.length) end();
    if (s[i] !== '"') bad('looking for beginning of object key string');
    string();
    ws();
    if (i >= s.length) end();
    if (s[i] !== ':') bad('after object key');
    i++;
  };
  for (;;) {
    // A value starts here.
    ws();
    if (i >= s.length) end();
    const c = s[i] as string;
    let opened = false;
    if (c === '{' || c === '[') {
      if (stack.length >= maxNestingDepth) bad('exceeded max depth');
      stack.push(c);
      i++;
      ws();
      if (i >= s.length) end();
      if ((c === '{' && s[i] === '}') || (c === '[' && s[i] === ']')) {
        i++;
        stack.pop();
      } else {
        if (c === '{') key();
        opened = true;
      }
    } else if (c === '"') string();
    else if (c === '-' || /[0-9]/.test(c)) number();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else bad('looking for beginning of value');
    if (opened) continue;
    // A value ended: close what it ends, until the next value starts.
    for (;;) {
      const top = stack[stack.length - 1];
      ws();
      if (top === undefined) {
        if (i < s.length) bad('after top-level value');
        return;
      }
      if (i >= s.length) end();
      if (s[i] === ',') {
        i++;
        if (top === '{') key();
        break;
      }
      if (s[i] === (top === '{' ? '}' : ']')) {
        i++;
        stack.pop();
        continue;
      }
      bad(top === '{' ? 'after object key:value pair' : 'after array element');
    }
  }
}

function kind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

const mismatch = (v: unknown, type: string) => `json: cannot unmarshal ${kind(v)} into Go value of type ${type}`;

/** The first type error Go reports for `v` decoded into `type`, if any. */
function typeError(v: unknown, type: string): string | undefined {
  if (v === null) return undefined;
  switch (type) {
    case 'string':
      return typeof v === 'string' ? undefined : mismatch(v, 'string');
    case 'map[string]*string':
    case 'map[string]string':
      if (typeof v !== 'object' || Array.isArray(v)) return mismatch(v, type);
      for (const x of Object.values(v as Record<string, unknown>)) {
        const e = typeError(x, 'string');
        if (e !== undefined) return e;
      }
      return undefined;
    case '[]string':
      if (!Array.isArray(v)) return mismatch(v, type);
      for (const x of v) {
        const e = typeError(x, 'string');
        if (e !== undefined) return e;
      }
      return undefined;
    case '[]*units.Ulimit':
    case '[]types.ImageBuildOutput': {
      if (!Array.isArray(v)) return mismatch(v, type);
      const [struct, fields] = type === '[]*units.Ulimit' ? ['units.Ulimit', { Name: 'string', Hard: 'int64', Soft: 'int64' }] : ['types.ImageBuildOutput', { Type: 'string', Attrs: 'map[string]string' }];
      for (const x of v) {
        if (x === null) continue;
        if (typeof x !== 'object' || Array.isArray(x)) return mismatch(x, struct);
        for (const [k, val] of Object.entries(x as Record<string, unknown>)) {
          // Go matches field names case-insensitively and skips unknown ones.
          const field = Object.entries(fields).find(([f]) => f.toLowerCase() === k.toLowerCase());
          if (field === undefined || val === null) continue;
          const [name, ftype] = field;
          const ok = ftype === 'int64' ? typeof val === 'number' && Number.isInteger(val) : typeError(val, ftype) === undefined;
          if (!ok) return `json: cannot unmarshal ${kind(val)}${ftype === 'int64' && typeof val === 'number' ? ` ${val}` : ''} into Go struct field ${struct.split('.')[1]}.${name} of type ${ftype}`;
        }
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Go's syntax error for `raw` (json.Unmarshal's words), or undefined when it is valid JSON. */
export function goSyntaxError(raw: string): string | undefined {
  try {
    scan(raw);
    return undefined;
  } catch (err) {
    if (err instanceof Syntax) return err.message;
    throw err;
  }
}

/** Go's error for decoding `raw` into `type`, or undefined when it decodes. */
export function goJsonCheck(raw: string, type: string): string | undefined {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    try {
      scan(raw);
    } catch (err) {
      if (err instanceof Syntax) return err.message;
      throw err;
    }
    // JSON.parse and Go disagree (e.g. a lone surrogate): Go's generic text.
    return 'unexpected end of JSON input';
  }
  return typeError(v, type);
}

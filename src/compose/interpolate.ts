// compose: variable interpolation in compose files, as the Compose spec's
// 12-interpolation.md describes: $X, ${X}, ${X:-d}, ${X-d}, ${X:+r}, ${X+r},
// ${X:?msg}, ${X?msg}, and $$ for a literal $. Defaults may nest (${A:-${B}}).
import { invalidArgument } from '../core/errors.ts';

export type Environment = Readonly<Record<string, string | undefined>>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Finds the index of the `}` closing a `${` whose body starts at `from`. */
function closingBrace(s: string, from: number): number {
  let depth = 1;
  for (let i = from; i < s.length; i++) {
    if (s[i] === '$' && s[i + 1] === '{') { depth++; i++; continue; }
    if (s[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/** Interpolates one string; `path` names where it is, for error messages. */
export function interpolateString(s: string, env: Environment, path = ''): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const ch = s[i];
    if (ch !== '$') { out += ch; i++; continue; }
    const next = s[i + 1];
    if (next === '$') { out += '$'; i += 2; continue; }
    if (next === '{') {
      const end = closingBrace(s, i + 2);
      if (end < 0) throw invalidArgument(`Invalid template: "${s}"`);
      out += substitute(s.slice(i + 2, end), env, s, path);
      i = end + 1;
      continue;
    }
    const m = NAME.exec(s.slice(i + 1));
    if (m) { out += env[m[0]] ?? ''; i += 1 + m[0].length; continue; }
    out += '$';
    i++;
  }
  return out;
}

function substitute(body: string, env: Environment, whole: string, path: string): string {
  const m = NAME.exec(body);
  if (!m) throw invalidArgument(`Invalid template: "${whole}"`);
  const name = m[0];
  const rest = body.slice(name.length);
  const value = env[name];
  if (rest === '') return value ?? '';
  const colon = rest.startsWith(':');
  const op = colon ? rest[1] : rest[0];
  const arg = rest.slice(colon ? 2 : 1);
  const unset = colon ? value === undefined || value === '' : value === undefined;
  switch (op) {
    case '-': return unset ? interpolateString(arg, env, path) : (value ?? '');
    case '+': return unset ? '' : interpolateString(arg, env, path);
    case '?':
      if (!unset) return value ?? '';
      throw invalidArgument(`${path ? `error while interpolating ${path}: ` : ''}required variable ${name} is missing a value${arg ? `: ${interpolateString(arg, env, path)}` : ''}`);
    default: throw invalidArgument(`Invalid template: "${whole}"`);
  }
}

/** Interpolates every string value in a parsed YAML tree (keys are left alone). */
export function interpolateTree(value: unknown, env: Environment, path = ''): unknown {
  if (typeof value === 'string') return interpolateString(value, env, path);
  if (Array.isArray(value)) return value.map((v, i) => interpolateTree(v, env, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateTree(v, env, path ? `${path}.${k}` : k);
    return out;
  }
  return value;
}

/** Parses a .env file: KEY=VALUE lines, # comments, optional quotes, `export `. */
export function parseDotEnv(text: string, env: Environment = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const body = line.startsWith('export ') ? line.slice(7).trim() : line;
    const eq = body.indexOf('=');
    if (eq < 0) { const v = env[body]; if (v !== undefined) out[body] = v; continue; }
    const key = body.slice(0, eq).trim();
    let value = body.slice(eq + 1).trim();
    const q = value[0];
    if ((q === '"' || q === "'") && value.length >= 2 && value.endsWith(q)) {
      value = value.slice(1, -1);
      if (q === '"') value = value.replace(/\\n/g, '\n').replace(/\\"/g, '"');
      else { out[key] = value; continue; }
    } else {
      const hash = value.search(/\s#/);
      if (hash >= 0) value = value.slice(0, hash).trimEnd();
    }
    out[key] = q === "'" ? value : interpolateString(value, { ...env, ...out });
  }
  return out;
}

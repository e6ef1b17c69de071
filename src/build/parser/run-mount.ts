// `RUN --mount=type=cache,target=/root/.cache,...` values, parsed and checked
// the way BuildKit's instructions.parseMount does (values stay unexpanded).
import type { Mount, MountType } from './ast.ts';
import { ParseFailure } from './errors.ts';
import { goQuote } from './go-strings.ts';

const mountTypes: readonly MountType[] = ['bind', 'cache', 'tmpfs', 'secret', 'ssh'];
const sharingModes = ['shared', 'private', 'locked'] as const;

/** One CSV record (Go encoding/csv, no lazy quotes). */
function csvFields(val: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (val[i] === '"') {
      i++;
      for (;;) {
        if (i >= val.length) throw new ParseFailure(`failed to parse csv mounts: extraneous or missing " in quoted-field`, 0);
        const ch = val[i] as string;
        if (ch === '"') {
          if (val[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += ch;
        i++;
      }
      if (i < val.length && val[i] !== ',') throw new ParseFailure(`failed to parse csv mounts: extraneous or missing " in quoted-field`, 0);
    } else {
      while (i < val.length && val[i] !== ',') {
        if (val[i] === '"') throw new ParseFailure(`failed to parse csv mounts: bare " in non-quoted-field`, 0);
        field += val[i];
        i++;
      }
    }
    fields.push(field);
    if (i >= val.length) return fields;
    i++; // the comma
  }
}

/** docker/go-units RAMInBytes: "64m" → 67108864. */
function ramInBytes(value: string): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(value);
  if (m === null) return undefined;
  const mult: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
  const n = Number.parseFloat(m[1] as string);
  return Math.trunc(n * (m[2] ? (mult[(m[2] as string).toLowerCase()] as number) : 1));
}

function parseBool(key: string, value: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  throw new ParseFailure(`invalid value for ${key}: ${value}`, 0);
}

function parseUint(value: string, radix: 8 | 10, what: string): number {
  const ok = radix === 8 ? /^[0-7]+$/.test(value) : /^[0-9]+$/.test(value);
  const n = ok ? Number.parseInt(value, radix) : NaN;
  if (!ok || n > 0xffffffff) throw new ParseFailure(`invalid value ${value} for ${what}`, 0);
  return n;
}

interface MutableMount {
  type: MountType;
  from: string;
  source: string;
  target: string;
  readOnly: boolean;
  sizeLimit: number;
  cacheId: string;
  cacheSharing: '' | 'shared' | 'private' | 'locked';
  required: boolean;
  env?: string;
  mode?: number;
  uid?: number;
  gid?: number;
}

/** Parses one --mount value; throws ParseFailure with BuildKit's message. */
export function parseMount(val: string): Mount {
  const m: MutableMount = {
    type: 'bind', from: '', source: '', target: '', readOnly: false, sizeLimit: 0,
    cacheId: '', cacheSharing: '', required: false,
  };
  let roAuto = true;
  for (const field of csvFields(val)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? '' : field.slice(eq + 1);
    if (eq < 0) {
      switch (key) {
        case 'readonly': case 'ro':
          m.readOnly = true;
          roAuto = false;
          continue;
        case 'readwrite': case 'rw':
          m.readOnly = false;
          roAuto = false;
          continue;
        case 'required':
          if (m.type === 'secret' || m.type === 'ssh') {
            m.required = true;
            continue;
          }
          throw new ParseFailure(`unexpected key '${key}' for mount type '${m.type}'`, 0);
        default:
          throw new ParseFailure(`invalid field '${field}' must be a key=value pair`, 0);
      }
    }
    switch (key) {
      case 'type': {
        const t = value.toLowerCase() as MountType;
        if (!mountTypes.includes(t)) throw new ParseFailure(`unsupported mount type ${goQuote(value)}`, 0);
        m.type = t;
        break;
      }
      case 'from': m.from = value; break;
      case 'source': case 'src': m.source = value; break;
      case 'target': case 'dst': case 'destination': m.target = value; break;
      case 'readonly': case 'ro':
        m.readOnly = parseBool(key, value);
        roAuto = false;
        break;
      case 'readwrite': case 'rw':
        m.readOnly = !parseBool(key, value);
        roAuto = false;
        break;
      case 'required':
        if (m.type !== 'secret' && m.type !== 'ssh') throw new ParseFailure(`unexpected key '${key}' for mount type '${m.type}'`, 0);
        m.required = parseBool(key, value);
        break;
      case 'size': {
        if (m.type !== 'tmpfs') throw new ParseFailure(`unexpected key '${key}' for mount type '${m.type}'`, 0);
        const n = ramInBytes(value);
        if (n === undefined) throw new ParseFailure(`invalid value for ${key}: ${value}`, 0);
        m.sizeLimit = n;
        break;
      }
      case 'id': m.cacheId = value; break;
      case 'sharing': {
        const v = value.toLowerCase();
        if (!(sharingModes as readonly string[]).includes(v)) throw new ParseFailure(`unsupported sharing value ${goQuote(value)}`, 0);
        m.cacheSharing = v as MutableMount['cacheSharing'];
        break;
      }
      case 'mode': m.mode = parseUint(value, 8, 'mode'); break;
      case 'uid': m.uid = parseUint(value, 10, 'uid'); break;
      case 'gid': m.gid = parseUint(value, 10, 'gid'); break;
      case 'env': m.env = value; break;
      default:
        throw new ParseFailure(`unexpected key '${key}' in '${field}'`, 0);
    }
  }
  const fileInfoAllowed = m.type === 'secret' || m.type === 'ssh' || m.type === 'cache';
  if (!fileInfoAllowed) {
    if (m.mode !== undefined) throw new ParseFailure(`mode not allowed for "${m.type}" type mounts`, 0);
    if (m.uid !== undefined) throw new ParseFailure(`uid not allowed for "${m.type}" type mounts`, 0);
    if (m.gid !== undefined) throw new ParseFailure(`gid not allowed for "${m.type}" type mounts`, 0);
  }
  if (roAuto) m.readOnly = !(m.type === 'cache' || m.type === 'tmpfs');
  if (m.type === 'secret') {
    if (m.from !== '') throw new ParseFailure('secret mount should not have a from', 0);
    if (m.cacheSharing !== '') throw new ParseFailure('secret mount should not define sharing', 0);
    if (m.source === '' && m.target === '' && m.cacheId === '' && m.env === undefined) {
      throw new ParseFailure('invalid secret mount. one of source, target required', 0);
    }
    if (m.source !== '' && m.cacheId !== '') throw new ParseFailure("both source and id can't be set", 0);
  }
  if (m.cacheSharing !== '' && m.type !== 'cache') throw new ParseFailure(`invalid cache sharing set for ${m.type} mount`, 0);
  return m;
}

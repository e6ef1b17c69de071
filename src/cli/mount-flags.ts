// cli: `-v`, `--mount`, `--tmpfs` and `--volumes-from` → the create body's
// Binds, Config.Volumes, Mounts, Tmpfs and VolumesFrom, as the docker CLI does:
// a relative bind source (`.`, `./out`, `../x`, `~/x`) becomes absolute against
// the working directory (home for `~`), and `-v /path` alone is an anonymous volume.
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { MountBody } from '../client/index.ts';
import { FlagError } from './flag-error.ts';
import { err, parseRamBytes } from '../cli-kit/index.ts';

export interface MountFlags {
  volume?: string[];
  mount?: string[];
  tmpfs?: string[];
  volumesFrom?: string[];
}

export interface MountBodyParts {
  Binds?: string[];
  Volumes?: Record<string, Record<string, never>>;
  Mounts?: MountBody[];
  Tmpfs?: Record<string, string>;
  VolumesFrom?: string[];
}

/** Whether a `-v` source is a host path the CLI must make absolute (not a volume name). */
function isRelativePath(source: string): boolean {
  return source === '.' || source === '..' || source.startsWith('./') || source.startsWith('../') || source === '~' || source.startsWith('~/');
}

function absolute(source: string, cwd: string, home: string): string {
  if (source === '~' || source.startsWith('~/')) return resolve(home, source.slice(2));
  return resolve(cwd, source);
}

/** One `-v` value: relative host paths made absolute; `/path` alone stays an anonymous volume. */
export function parseVolumeFlag(value: string, cwd = process.cwd(), home = homedir()): { bind?: string; volume?: string } {
  // docker's volume spec parser takes a spec of one or two characters (":", "a:") as a target alone
  if (value.length === 1 || value.length === 2) return { volume: value };
  const parts = value.split(':');
  if (parts.length === 1) {
    const only = parts[0] as string;
    if (only === '') throw new FlagError(`invalid argument "${value}" for "-v, --volume" flag: invalid empty volume spec`);
    return { volume: only };
  }
  const [source = '', ...rest] = parts;
  if (isRelativePath(source)) return { bind: [absolute(source, cwd, home), ...rest].join(':') };
  return { bind: value };
}

const nonRecursiveDeprecated = 'bind-nonrecursive is deprecated, use bind-recursive=disabled instead';

/** A warning as the docker CLI's logrus prints it to a non-terminal stderr. */
function warn(msg: string): void {
  const d = new Date();
  const off = -d.getTimezoneOffset();
  const pad = (n: number) => String(Math.trunc(Math.abs(n))).padStart(2, '0');
  const local = new Date(d.getTime() + off * 60_000).toISOString().slice(0, 19);
  const zone = off === 0 ? 'Z' : `${off > 0 ? '+' : '-'}${pad(off / 60)}:${pad(off % 60)}`;
  err(`time="${local}${zone}" level=warning msg="${msg}"\n`);
}

function bad(value: string, why: string): FlagError {
  return new FlagError(`invalid argument "${value}" for "--mount" flag: ${why}`);
}

function parseBool(value: string, key: string, text: string): boolean {
  if (['true', '1', 't', 'T', 'TRUE', 'True'].includes(text)) return true;
  if (['false', '0', 'f', 'F', 'FALSE', 'False'].includes(text)) return false;
  throw bad(value, `invalid value for ${key}: ${text}`);
}

/** Splits a CSV field list (`"a=b,c"`), honouring double quotes like Go's csv reader. */
function csvFields(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** One `--mount` value (docker's CSV form). */
export function parseMountFlag(value: string, cwd = process.cwd(), home = homedir()): MountBody {
  const m: MountBody = { Type: 'volume', Target: '' };
  let type: string | undefined;
  const volumeOptions = (): NonNullable<MountBody['VolumeOptions']> => (m.VolumeOptions ??= {});
  const tmpfsOptions = (): NonNullable<MountBody['TmpfsOptions']> => (m.TmpfsOptions ??= {});
  for (const field of csvFields(value)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase().trim();
    const val = eq < 0 ? undefined : field.slice(eq + 1);
    if (val === undefined) {
      if (key === 'readonly' || key === 'ro') m.ReadOnly = true;
      else if (key === 'volume-nocopy') volumeOptions().NoCopy = true;
      else if (key === 'bind-nonrecursive') (m.BindOptions ??= {}).NonRecursive = true;
      else throw bad(value, `invalid field '${field}' must be a key=value pair`);
      continue;
    }
    switch (key) {
      case 'type':
        if (val !== 'bind' && val !== 'volume' && val !== 'tmpfs') throw bad(value, `invalid mount type: ${val}`);
        type = val;
        m.Type = val;
        break;
      case 'source':
      case 'src':
        m.Source = val;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        m.Target = val;
        break;
      case 'readonly':
      case 'ro':
        m.ReadOnly = parseBool(value, key, val);
        break;
      case 'consistency':
        m.Consistency = val;
        break;
      case 'bind-propagation':
        (m.BindOptions ??= {}).Propagation = val;
        break;
      case 'bind-nonrecursive':
        (m.BindOptions ??= {}).NonRecursive = parseBool(value, key, val);
        // docker v28 warns (through logrus) for the key=value form only.
        warn(nonRecursiveDeprecated);
        break;
      case 'bind-recursive':
        switch (val) {
          case 'enabled': // the engine's default: read-only binds are recursively read-only when it can
            break;
          case 'disabled':
            (m.BindOptions ??= {}).NonRecursive = true;
            break;
          case 'writable': // docker 24's read-only bind: submounts stay writable
            (m.BindOptions ??= {}).ReadOnlyNonRecursive = true;
            break;
          case 'readonly': // recursively read-only, or the start fails
            (m.BindOptions ??= {}).ReadOnlyForceRecursive = true;
            break;
          default:
            throw bad(value, `invalid value for ${key}: ${val} (must be "enabled", "disabled", "writable", or "readonly")`);
        }
        break;
      case 'volume-nocopy':
        volumeOptions().NoCopy = parseBool(value, key, val);
        break;
      case 'volume-label': {
        const i = val.indexOf('=');
        (volumeOptions().Labels ??= {})[i < 0 ? val : val.slice(0, i)] = i < 0 ? '' : val.slice(i + 1);
        break;
      }
      case 'volume-driver':
        (volumeOptions().DriverConfig ??= {}).Name = val;
        break;
      case 'volume-opt': {
        const i = val.indexOf('=');
        const dc = (volumeOptions().DriverConfig ??= {});
        (dc.Options ??= {})[i < 0 ? val : val.slice(0, i)] = i < 0 ? '' : val.slice(i + 1);
        break;
      }
      case 'tmpfs-size':
        try {
          tmpfsOptions().SizeBytes = parseRamBytes(val);
        } catch {
          throw bad(value, `invalid value for ${key}: ${val}`);
        }
        break;
      case 'tmpfs-mode': {
        const n = parseInt(val, 8);
        if (!/^[0-7]+$/.test(val) || Number.isNaN(n)) throw bad(value, `invalid value for ${key}: ${val}`);
        tmpfsOptions().Mode = n;
        break;
      }
      default:
        throw bad(value, `unexpected key '${key}' in '${field}'`);
    }
  }
  if (m.Target === '') throw bad(value, 'target is required');
  if (type === undefined) m.Type = 'volume';
  if (m.Type !== 'bind' && m.BindOptions) throw bad(value, `cannot mix 'bind-*' options with mount type '${m.Type}'`);
  if (m.Type !== 'volume' && m.VolumeOptions) throw bad(value, `cannot mix 'volume-*' options with mount type '${m.Type}'`);
  if (m.Type !== 'tmpfs' && m.TmpfsOptions) throw bad(value, `cannot mix 'tmpfs-*' options with mount type '${m.Type}'`);
  if (m.BindOptions?.ReadOnlyNonRecursive && !m.ReadOnly) throw bad(value, "option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction");
  if (m.BindOptions?.ReadOnlyForceRecursive) {
    if (!m.ReadOnly) throw bad(value, "option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction");
    if (m.BindOptions.Propagation !== 'rprivate') throw bad(value, "option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction");
  }
  if (m.Type === 'bind' && m.Source !== undefined && isRelativePath(m.Source)) m.Source = absolute(m.Source, cwd, home);
  return m;
}

/** `--tmpfs /path[:options]`. */
export function parseTmpfsFlag(value: string): [string, string] {
  const i = value.indexOf(':');
  return i < 0 ? [value, ''] : [value.slice(0, i), value.slice(i + 1)];
}

/** All four flags → the parts of the create body they fill (absent when unused). */
export function mountBodyParts(flags: MountFlags, cwd = process.cwd(), home = homedir()): MountBodyParts {
  const out: MountBodyParts = {};
  for (const v of flags.volume ?? []) {
    const r = parseVolumeFlag(v, cwd, home);
    if (r.bind !== undefined) (out.Binds ??= []).push(r.bind);
    if (r.volume !== undefined) (out.Volumes ??= {})[r.volume] = {};
  }
  for (const v of flags.mount ?? []) (out.Mounts ??= []).push(parseMountFlag(v, cwd, home));
  for (const v of flags.tmpfs ?? []) {
    const [path, opts] = parseTmpfsFlag(v);
    if (!isAbsolute(path)) throw new FlagError(`invalid argument "${v}" for "--tmpfs" flag: invalid mount path: '${path}' mount path must be absolute`);
    (out.Tmpfs ??= {})[path] = opts;
  }
  if ((flags.volumesFrom ?? []).length > 0) out.VolumesFrom = [...(flags.volumesFrom ?? [])];
  return out;
}

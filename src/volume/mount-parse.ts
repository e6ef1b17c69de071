// Parses and validates what a container asks to mount — docker's `-v`/Binds
// strings (`src:dst[:mode]`, `/dst`) and HostConfig.Mounts entries — into one
// MountRequest each, with dockerd's rules and error texts (volume/mounts/linux_parser.go).
import { posix } from 'node:path';
import { invalidArgument } from '../core/errors.ts';
import type { MountSpec } from '../core/types.ts';

export interface MountRequest {
  readonly type: 'bind' | 'volume' | 'tmpfs' | 'image';
  /** bind: absolute host path; volume: its name, '' for a new anonymous volume; tmpfs: ''; image: its reference or id. */
  readonly source: string;
  readonly destination: string;
  /** The mode text as inspect shows it. */
  readonly mode: string;
  readonly rw: boolean;
  /** Bind propagation (`rprivate` unless asked); '' for volume and tmpfs. */
  readonly propagation: string;
  readonly noCopy: boolean;
  /** `-v` creates a missing host directory; `--mount type=bind` refuses it. */
  readonly createHostPath: boolean;
  readonly volumeDriver?: string;
  readonly volumeLabels?: Readonly<Record<string, string>>;
  readonly volumeDriverOptions?: Readonly<Record<string, string>>;
  /** tmpfs mount options (size=…, mode=…). */
  readonly tmpfsOptions?: readonly string[];
  /** Bind: read-only with its submounts (`rro`) or the start fails (BindOptions.ReadOnlyForceRecursive, `-v …:rro`). */
  readonly recursiveReadOnly?: boolean;
  /** Bind: read-only at its top only (BindOptions.ReadOnlyNonRecursive, `-v …:ro-non-recursive`). */
  readonly readOnlyNonRecursive?: boolean;
  /** image: the directory of the image to mount ('' for its root). */
  readonly imageSubpath?: string;
}

const propagations = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'] as const;
const labelModes = ['z', 'Z'];
// API 1.44's words: `ro-non-recursive`, `ro-force-recursive` and its short `rro` are read-only modes too.
const rwModes = ['rw', 'ro', 'ro-non-recursive', 'ro-force-recursive', 'rro'];
const readOnlyModes = ['ro', 'ro-non-recursive', 'ro-force-recursive', 'rro'];
const isRecursionMode = (o: string): boolean => o.startsWith('ro-') || o === 'rro';
const copyModes = ['nocopy'];

/** docker's ValidMountMode: comma-separated, at most one of each kind. */
export function validMountMode(mode: string): boolean {
  if (mode === '') return true;
  let rw = 0;
  let label = 0;
  let prop = 0;
  let copy = 0;
  for (const o of mode.split(',')) {
    if (rwModes.includes(o)) rw++;
    else if (labelModes.includes(o)) label++;
    else if ((propagations as readonly string[]).includes(o)) prop++;
    else if (copyModes.includes(o)) copy++;
    else return false;
  }
  return rw <= 1 && label <= 1 && prop <= 1 && copy <= 1;
}

function invalidSpec(raw: string): string {
  return `invalid volume specification: '${raw}'`;
}

function mountConfigError(type: string, why: string): string {
  return `invalid mount config for type "${type}": ${why}`;
}

/** Destination checks shared by Binds and Mounts; returns the error text or undefined. */
function destinationProblem(type: string, dest: string): string | undefined {
  if (dest === '') return mountConfigError(type, 'field Target must not be empty');
  if (!posix.isAbsolute(dest)) return mountConfigError(type, `invalid mount path: '${dest}' mount path must be absolute`);
  if (posix.normalize(dest) === '/') return mountConfigError(type, "invalid specification: destination can't be '/'");
  return undefined;
}

/** Normalised container path: no trailing slash, no `.`/`..` parts. */
function cleanPath(p: string): string {
  const n = posix.normalize(p);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

/** One HostConfig.Binds entry (or a `-v` value the CLI passed on unchanged). */
export function parseBind(raw: string): MountRequest {
  const arr = raw.split(':');
  if (arr[0] === '' || arr.length > 3) throw invalidArgument(invalidSpec(raw));
  let source = '';
  let destination: string;
  let mode = '';
  if (arr.length === 1) {
    destination = arr[0] as string;
  } else if (arr.length === 2) {
    // `/foo:rw` is a destination with a mode, which volumes cannot have.
    if (validMountMode(arr[1] as string)) throw invalidArgument(invalidSpec(raw));
    source = arr[0] as string;
    destination = arr[1] as string;
  } else {
    source = arr[0] as string;
    destination = arr[1] as string;
    mode = arr[2] as string;
  }
  if (!validMountMode(mode)) throw invalidArgument(`invalid mode: ${mode}`);
  const opts = mode === '' ? [] : mode.split(',');
  const type = posix.isAbsolute(source) ? 'bind' : 'volume';
  const problem = destinationProblem(type, destination);
  if (problem) throw invalidArgument(`${invalidSpec(raw)}: ${problem}`);
  const rw = !opts.some((o) => readOnlyModes.includes(o));
  // dockerd's text names the whole mode, not the word.
  if (type !== 'bind' && opts.some(isRecursionMode)) throw invalidArgument(`mount mode "${mode}" requires a bind mount: ${invalidSpec(raw)}`);
  const propagation = opts.find((o) => (propagations as readonly string[]).includes(o));
  if (type === 'volume' && propagation) throw invalidArgument(`${invalidSpec(raw)}: ${mountConfigError('volume', 'field BindOptions must not be specified')}`);
  if (type === 'bind' && opts.includes('nocopy')) throw invalidArgument(`${invalidSpec(raw)}: ${mountConfigError('bind', 'field VolumeOptions must not be specified')}`);
  return {
    type,
    source: type === 'bind' ? cleanPath(source) : source,
    destination: cleanPath(destination),
    // docker shows `z` for a volume given without a mode (its default SELinux relabel mode).
    mode: type === 'volume' && mode === '' && source !== '' ? 'z' : mode,
    rw,
    propagation: type === 'bind' ? (propagation ?? 'rprivate') : '',
    noCopy: opts.includes('nocopy'),
    createHostPath: true,
    ...(opts.includes('ro-non-recursive') ? { readOnlyNonRecursive: true } : {}),
    ...(opts.includes('ro-force-recursive') || opts.includes('rro') ? { recursiveReadOnly: true } : {}),
  };
}

/** One HostConfig.Mounts entry. */
export function parseMountSpec(m: MountSpec): MountRequest {
  const problem = destinationProblem(m.type, m.target);
  if (problem) throw invalidArgument(problem);
  const destination = cleanPath(m.target);
  if (m.type !== 'image' && m.imageSubpath !== undefined) throw invalidArgument(mountConfigError(m.type, 'field ImageOptions must not be specified'));
  if (m.type === 'bind') {
    if (m.source === '') throw invalidArgument(mountConfigError('bind', 'field Source must not be empty'));
    if (!posix.isAbsolute(m.source)) throw invalidArgument(mountConfigError('bind', `invalid mount path: '${m.source}' mount path must be absolute`));
    if (m.noCopy !== undefined || m.volumeLabels !== undefined || m.volumeDriverOptions !== undefined) {
      throw invalidArgument(mountConfigError('bind', 'field VolumeOptions must not be specified'));
    }
    if (m.tmpfsSize !== undefined || m.tmpfsMode !== undefined) throw invalidArgument(mountConfigError('bind', 'field TmpfsOptions must not be specified'));
    const propagation = m.bindPropagation || 'rprivate';
    if (!(propagations as readonly string[]).includes(propagation)) throw invalidArgument(mountConfigError('bind', `invalid propagation mode: ${propagation}`));
    // A writable bind with ReadOnlyNonRecursive/ReadOnlyForceRecursive, or both of them, is refused at
    // start (ContainerMounts.ociMounts), as dockerd refuses it; dockerd checks no propagation for them either.
    return {
      type: 'bind',
      source: cleanPath(m.source),
      destination,
      mode: '',
      rw: !m.readOnly,
      propagation,
      noCopy: false,
      createHostPath: false,
      ...(m.readOnlyForceRecursive ? { recursiveReadOnly: true } : {}),
      ...(m.readOnlyNonRecursive ? { readOnlyNonRecursive: true } : {}),
    };
  }
  if (m.type === 'volume') {
    if (m.bindPropagation) throw invalidArgument(mountConfigError('volume', 'field BindOptions must not be specified'));
    if (m.tmpfsSize !== undefined || m.tmpfsMode !== undefined) throw invalidArgument(mountConfigError('volume', 'field TmpfsOptions must not be specified'));
    if (m.source === '' && m.readOnly) throw invalidArgument(mountConfigError('volume', 'must not set ReadOnly mode when using anonymous volumes'));
    return {
      type: 'volume',
      source: m.source,
      destination,
      // docker shows its default SELinux mode for every volume given through Mounts.
      mode: 'z',
      rw: !m.readOnly,
      propagation: '',
      noCopy: m.noCopy ?? false,
      createHostPath: false,
      ...(m.volumeDriver ? { volumeDriver: m.volumeDriver } : {}),
      ...(m.volumeLabels ? { volumeLabels: m.volumeLabels } : {}),
      ...(m.volumeDriverOptions ? { volumeDriverOptions: m.volumeDriverOptions } : {}),
    };
  }
  if (m.type === 'image') return parseImageMount(m, destination);
  if (m.source !== '') throw invalidArgument(mountConfigError('tmpfs', 'field Source must not be specified'));
  if (m.bindPropagation) throw invalidArgument(mountConfigError('tmpfs', 'field BindOptions must not be specified'));
  const tmpfsOptions: string[] = [];
  if (m.tmpfsSize !== undefined && m.tmpfsSize > 0) tmpfsOptions.push(`size=${Math.floor(m.tmpfsSize / 1024)}k`);
  if (m.tmpfsMode !== undefined && m.tmpfsMode > 0) tmpfsOptions.push(`mode=${(m.tmpfsMode & 0o7777).toString(8)}`);
  return { type: 'tmpfs', source: '', destination, mode: '', rw: !m.readOnly, propagation: '', noCopy: false, createHostPath: false, tmpfsOptions };
}

/**
 * An image mount: the image's filesystem, always read-only (Kubernetes'
 * image volumes are; so is the view berth mounts). The subpath is relative
 * to the image's root and is looked up when the mount is made.
 */
function parseImageMount(m: MountSpec, destination: string): MountRequest {
  if (m.source === '') throw invalidArgument(mountConfigError('image', 'field Source must not be empty'));
  if (!m.readOnly) throw invalidArgument(mountConfigError('image', 'image mounts must be read-only'));
  if (m.bindPropagation) throw invalidArgument(mountConfigError('image', 'field BindOptions must not be specified'));
  if (m.noCopy !== undefined || m.volumeLabels !== undefined || m.volumeDriverOptions !== undefined) throw invalidArgument(mountConfigError('image', 'field VolumeOptions must not be specified'));
  if (m.tmpfsSize !== undefined || m.tmpfsMode !== undefined) throw invalidArgument(mountConfigError('image', 'field TmpfsOptions must not be specified'));
  const subpath = m.imageSubpath ?? '';
  if (subpath.includes('\0')) throw invalidArgument(mountConfigError('image', 'invalid image subpath'));
  return { type: 'image', source: m.source, destination, mode: 'ro', rw: false, propagation: 'rprivate', noCopy: false, createHostPath: false, imageSubpath: subpath };
}

/** `--volumes-from` value: `<container>[:ro|rw]`. */
export function parseVolumesFrom(spec: string): { container: string; mode: '' | 'ro' | 'rw' } {
  const i = spec.lastIndexOf(':');
  if (i < 0) return { container: spec, mode: '' };
  const mode = spec.slice(i + 1);
  if (!validMountMode(mode)) throw invalidArgument(`invalid mode: ${mode}`);
  if (isRecursionMode(mode)) throw invalidArgument(`mount mode "${mode}" is not supported for volumes-from mounts: invalid mode: ${mode}`);
  const container = spec.slice(0, i);
  if (container === '') throw invalidArgument(`malformed volumes-from specification: ${spec}`);
  return { container, mode: mode.split(',').includes('ro') ? 'ro' : mode.split(',').includes('rw') ? 'rw' : '' };
}

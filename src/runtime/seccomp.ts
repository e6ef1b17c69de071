// Converts a seccomp profile in docker's JSON format (moby's default.json, or
// /usr/share/containers/seccomp.json: archMap, syscalls[].names, includes/excludes
// by caps, arches and kernel version) into the OCI runtime spec's linux.seccomp,
// for one set of capabilities and the host architecture, as moby's loader does.
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { invalidArgument } from '../core/index.ts';

/** Docker's own default profile (moby's default.json), installed by scripts/setup-seccomp. */
export const dockerSeccompProfilePath = '/usr/local/share/berth/seccomp/docker-default.json';
/**
 * containers-common's (podman's) profile: the fallback. Unlike Docker's it allows unshare, setns,
 * mount, clone and clone3 without CAP_SYS_ADMIN, so a container can make user namespaces.
 */
export const containersSeccompProfilePath = '/usr/share/containers/seccomp.json';
/** The profile a container gets when it names none: Docker's where installed (docs/security.md). */
export const defaultSeccompProfilePath = existsSync(dockerSeccompProfilePath) ? dockerSeccompProfilePath : containersSeccompProfilePath;

export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  syscalls?: OciSyscall[];
}

export interface OciSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: { index: number; value: number; valueTwo?: number; op: string }[];
}

interface Filter {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

/** Go's GOARCH names used in profiles' includes/excludes, keyed by Node's process.arch. */
const goArch: Record<string, string> = {
  x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x',
  mips: 'mips', mipsel: 'mipsle', mips64: 'mips64', mips64el: 'mips64le', riscv64: 'riscv64', loong64: 'loong64',
};
/** The libseccomp name of the native architecture, keyed by Node's process.arch. */
const seccompArch: Record<string, string> = {
  x64: 'SCMP_ARCH_X86_64', ia32: 'SCMP_ARCH_X86', arm64: 'SCMP_ARCH_AARCH64', arm: 'SCMP_ARCH_ARM',
  ppc64: 'SCMP_ARCH_PPC64LE', s390x: 'SCMP_ARCH_S390X', mips: 'SCMP_ARCH_MIPS', mipsel: 'SCMP_ARCH_MIPSEL',
  mips64: 'SCMP_ARCH_MIPS64', mips64el: 'SCMP_ARCH_MIPSEL64', riscv64: 'SCMP_ARCH_RISCV64',
};

const cache = new Map<string, unknown>();

/** Reads and parses a profile once per path (it does not change while berthd runs). */
export function loadSeccompProfile(path: string = defaultSeccompProfilePath): unknown {
  let profile = cache.get(path);
  if (profile === undefined) {
    try {
      profile = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    } catch (err) {
      throw invalidArgument(`opening seccomp profile (${path}) failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    cache.set(path, profile);
  }
  return profile;
}

export interface ConvertOptions {
  /** Capabilities in the container's bounding set (moby tests includes/excludes against it). */
  readonly capabilities: readonly string[];
  /** Node's process.arch naming; default: this host. */
  readonly arch?: string;
  /** Kernel release like `6.1.0`; default: this host. */
  readonly kernel?: string;
  /** libseccomp architectures left out of the filter: ABIs this kernel does not run (abis.ts). */
  readonly unrunnable?: readonly string[];
}

/** Builds linux.seccomp from a docker-format profile (already parsed). */
export function convertSeccompProfile(profile: unknown, options: ConvertOptions): OciSeccomp {
  if (!isObject(profile) || typeof profile['defaultAction'] !== 'string') {
    throw invalidArgument('decoding seccomp profile failed: missing defaultAction');
  }
  const arch = options.arch ?? process.arch;
  const goName = goArch[arch] ?? arch;
  const kernel = options.kernel ?? release();
  const out: OciSeccomp = { defaultAction: profile['defaultAction'] };
  if (typeof profile['defaultErrnoRet'] === 'number') out.defaultErrnoRet = profile['defaultErrnoRet'];

  const architectures: string[] = [];
  const native = seccompArch[arch];
  if (Array.isArray(profile['archMap'])) {
    for (const entry of profile['archMap']) {
      if (!isObject(entry) || native === undefined || entry['architecture'] !== native) continue;
      architectures.push(native);
      if (Array.isArray(entry['subArchitectures'])) {
        for (const sub of entry['subArchitectures']) if (typeof sub === 'string') architectures.push(sub);
      }
    }
  } else if (Array.isArray(profile['architectures'])) {
    for (const a of profile['architectures']) if (typeof a === 'string') architectures.push(a);
  }
  // An ABI the kernel refuses is left out, unless nothing else was listed (the rules would move to the native one).
  const runnable = architectures.filter((a) => !options.unrunnable?.includes(a));
  if (architectures.length > 0) out.architectures = runnable.length > 0 ? runnable : architectures;
  if (Array.isArray(profile['flags'])) out.flags = profile['flags'].filter((f): f is string => typeof f === 'string');

  const syscalls: OciSyscall[] = [];
  for (const call of Array.isArray(profile['syscalls']) ? profile['syscalls'] : []) {
    if (!isObject(call) || typeof call['action'] !== 'string') continue;
    const names = Array.isArray(call['names'])
      ? call['names'].filter((n): n is string => typeof n === 'string')
      : typeof call['name'] === 'string' ? [call['name']] : [];
    if (names.length === 0) continue;
    const excludes = asFilter(call['excludes']);
    const includes = asFilter(call['includes']);
    if (excludes.arches?.includes(goName)) continue;
    if (excludes.caps?.some((c) => options.capabilities.includes(c))) continue;
    if (excludes.minKernel && compareKernel(kernel, excludes.minKernel) >= 0) continue;
    if (includes.arches && includes.arches.length > 0 && !includes.arches.includes(goName)) continue;
    if (includes.caps?.some((c) => !options.capabilities.includes(c))) continue;
    if (includes.minKernel && compareKernel(kernel, includes.minKernel) < 0) continue;

    const sc: OciSyscall = { names, action: call['action'] };
    if (typeof call['errnoRet'] === 'number') sc.errnoRet = call['errnoRet'];
    if (Array.isArray(call['args']) && call['args'].length > 0) {
      sc.args = call['args'].filter(isObject).map((a) => ({
        index: Number(a['index'] ?? 0),
        value: Number(a['value'] ?? 0),
        valueTwo: Number(a['valueTwo'] ?? 0),
        op: String(a['op'] ?? ''),
      }));
    }
    syscalls.push(sc);
  }
  out.syscalls = syscalls;
  return out;
}

const sections = new Map<string, Readonly<OciSeccomp>>();
/** Bounds the cache: inline profiles (`seccomp=<json>`) come as a file per container. */
const maxSections = 32;

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/**
 * linux.seccomp for the profile at `path` (loadSeccompProfile) and `options`: converted once per
 * profile, capability set, architecture and kernel, then shared — frozen, so no spec can change it
 * for the next.
 */
export function seccompSection(path: string, options: ConvertOptions): Readonly<OciSeccomp> {
  const key = [path, options.arch ?? '', options.kernel ?? '', [...options.capabilities].sort().join(','), (options.unrunnable ?? []).join(',')].join('\0');
  let section = sections.get(key);
  if (!section) {
    section = deepFreeze(convertSeccompProfile(loadSeccompProfile(path), options));
    if (sections.size >= maxSections) sections.clear();
    sections.set(key, section);
  }
  return section;
}

function asFilter(v: unknown): Filter {
  if (!isObject(v)) return {};
  const f: Filter = {};
  const strings = (x: unknown) => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : undefined);
  const caps = strings(v['caps']);
  const arches = strings(v['arches']);
  if (caps) f.caps = caps;
  if (arches) f.arches = arches;
  if (typeof v['minKernel'] === 'string' && v['minKernel'] !== '') f.minKernel = v['minKernel'];
  return f;
}

/** Compares `major.minor[.patch]` kernel versions, ignoring suffixes like `-amd64`. */
export function compareKernel(a: string, b: string): number {
  const parse = (s: string) => (/^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(s) ?? []).slice(1, 4).map((x) => Number(x ?? 0));
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// dockerd's checks of a container's settings at create (daemon
// verifyContainerSettings: validateContainerConfig, validateHostConfig and
// verifyPlatformContainerResources/Settings on Linux), as pure functions with
// dockerd's texts, so that a value dockerd refuses with 400 — a memory limit
// under 6MB, NanoCpus beyond the host's CPUs, a healthcheck interval under
// 1ms, `=x` in Env — is refused by berth the same way instead of reaching the
// runtime or being kept silently.
import { isIP } from 'node:net';
import { posix } from 'node:path';
import { invalidArgument } from './errors.ts';

/** The resource fields dockerd range-checks (its container.Resources), with the HostConfig's defaults as 0/''. */
export interface ResourceSettings {
  readonly memory: number;
  readonly memorySwap: number;
  readonly memoryReservation: number;
  /** -1 or absent: unset (dockerd's fixMemorySwappiness). */
  readonly memorySwappiness?: number;
  readonly kernelMemory?: number;
  readonly nanoCpus: number;
  readonly cpuPeriod: number;
  readonly cpuQuota: number;
  readonly cpusetCpus: string;
  readonly cpusetMems?: string;
  readonly ioMaximumBandwidth?: number;
  readonly ioMaximumIops?: number;
}

/** What the host offers: the CPU count (Go's NumCPU) and the cpuset lists (`0-1`) of CPUs and memory nodes. */
export interface HostCapacity {
  readonly cpuCount: number;
  readonly cpus: string;
  readonly mems: string;
}

const minMemory = 6 * 1024 * 1024;
/** container.MinimumDuration: 1ms in nanoseconds. */
const minimumDuration = 1_000_000;

/** Go's parsers.ParseUintList: `0-2,4` → {0,1,2,4}; undefined when malformed. */
export function parseUintList(list: string): Set<number> | undefined {
  const out = new Set<number>();
  if (list === '') return out;
  for (const part of list.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return undefined;
    const first = Number(m[1]);
    const last = Number(m[2] ?? m[1]);
    if (last < first) return undefined;
    // A range is bounded by what a host can have; dockerd would list it all.
    for (let n = first; n <= Math.min(last, first + 65536); n++) out.add(n);
  }
  return out;
}

function checkCpuset(requested: string | undefined, available: string, what: 'cpus' | 'mems'): void {
  if (requested === undefined || requested === '') return;
  const want = parseUintList(requested);
  const badPart = requested.split(',').find((p) => parseUintList(p) === undefined) ?? requested;
  if (want === undefined) throw invalidArgument(`Invalid value ${requested} for cpuset ${what}: invalid format: ${badPart}`);
  const have = parseUintList(available) ?? new Set<number>();
  if ([...want].some((n) => !have.has(n))) {
    throw invalidArgument(`Requested ${what === 'cpus' ? 'CPUs' : 'memory nodes'} are not available - requested ${requested}, available: ${available}`);
  }
}

/** verifyPlatformContainerResources: the first resource dockerd refuses, as InvalidArgument. */
export function verifyResources(r: ResourceSettings, host: HostCapacity): void {
  if (r.memory !== 0 && r.memory < minMemory) throw invalidArgument('Minimum memory limit allowed is 6MB');
  if (r.memory > 0 && r.memorySwap > 0 && r.memorySwap < r.memory) throw invalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
  if (r.memory === 0 && r.memorySwap > 0) throw invalidArgument('You should always set the Memory limit when using Memoryswap limit, see usage');
  const swappiness = r.memorySwappiness;
  if (swappiness !== undefined && swappiness !== -1 && (swappiness < 0 || swappiness > 100)) {
    throw invalidArgument(`Invalid value: ${swappiness}, valid memory swappiness range is 0-100`);
  }
  if (r.memoryReservation > 0 && r.memoryReservation < minMemory) throw invalidArgument('Minimum memory reservation allowed is 6MB');
  if (r.memory > 0 && r.memoryReservation > 0 && r.memory < r.memoryReservation) throw invalidArgument('Minimum memory limit can not be less than memory reservation limit, see usage');
  if ((r.kernelMemory ?? 0) > 0 && (r.kernelMemory ?? 0) < minMemory) throw invalidArgument('Minimum kernel memory limit allowed is 6MB');
  if (r.nanoCpus > 0 && r.cpuPeriod > 0) throw invalidArgument('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (r.nanoCpus > 0 && r.cpuQuota > 0) throw invalidArgument('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (r.nanoCpus < 0 || r.nanoCpus > host.cpuCount * 1e9) {
    throw invalidArgument(`Range of CPUs is from 0.01 to ${host.cpuCount}.00, as there are only ${host.cpuCount} CPUs available`);
  }
  if (r.cpuPeriod !== 0 && (r.cpuPeriod < 1000 || r.cpuPeriod > 1_000_000)) throw invalidArgument('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  if (r.cpuQuota > 0 && r.cpuQuota < 1000) throw invalidArgument('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  checkCpuset(r.cpusetCpus, host.cpus, 'cpus');
  checkCpuset(r.cpusetMems, host.mems, 'mems');
  // dockerd answers these with a 500; they are the client's mistake (400).
  if ((r.ioMaximumBandwidth ?? 0) !== 0) throw invalidArgument('Invalid QoS settings: linux does not support configuration of maximum bandwidth');
  if ((r.ioMaximumIops ?? 0) !== 0) throw invalidArgument('Invalid QoS settings: linux does not support configuration of maximum IOPs');
}

/** opts.ValidateEnv as dockerd applies it to Config.Env: a variable needs a name. */
export function verifyEnv(env: readonly string[]): void {
  for (const e of env) if (e === '' || e.startsWith('=')) throw invalidArgument(`invalid environment variable: ${e}`);
}

/** validateHealthCheck: timings of at least 1ms (0 is the default), retries not negative. Durations in ns. */
export function verifyHealthcheck(h: { readonly intervalNs?: number; readonly timeoutNs?: number; readonly startPeriodNs?: number; readonly retries?: number } | undefined): void {
  if (h === undefined) return;
  const short = (ns: number | undefined) => ns !== undefined && ns !== 0 && ns < minimumDuration;
  if (short(h.intervalNs)) throw invalidArgument('Interval in Healthcheck cannot be less than 1ms');
  if (short(h.timeoutNs)) throw invalidArgument('Timeout in Healthcheck cannot be less than 1ms');
  if ((h.retries ?? 0) < 0) throw invalidArgument('Retries in Healthcheck cannot be negative');
  if (short(h.startPeriodNs)) throw invalidArgument('StartPeriod in Healthcheck cannot be less than 1ms');
}

/** opts.ValidateExtraHost: `name:ip` (the IP may be IPv6 or `host-gateway`). */
export function verifyExtraHosts(entries: readonly string[]): void {
  for (const e of entries) {
    // Split on the first `:` only, so that the address may be IPv6.
    const i = e.indexOf(':');
    if (i <= 0) throw invalidArgument(`bad format for add-host: ${JSON.stringify(e)}`);
    const ip = e.slice(i + 1);
    if (ip !== 'host-gateway' && isIP(ip.trim()) === 0) throw invalidArgument(`invalid IP address in add-host: ${JSON.stringify(ip)}`);
  }
}

/** The platform checks after the resources: ShmSize, OomScoreAdj, tmpfs destinations. */
export function verifyPlatformSettings(s: { readonly shmSize: number; readonly oomScoreAdj?: number; readonly tmpfs: Readonly<Record<string, string>> }): void {
  if (s.shmSize < 0) throw invalidArgument('SHM size can not be less than 0');
  const oom = s.oomScoreAdj ?? 0;
  if (oom < -1000 || oom > 1000) throw invalidArgument(`Invalid value ${oom}, range for oom score adj is [-1000, 1000]`);
  for (const dest of Object.keys(s.tmpfs)) {
    if (!dest.startsWith('/')) throw invalidArgument(`invalid mount path: '${dest}' mount path must be absolute`);
    if (posix.normalize(dest).replace(/(.)\/+$/, '$1') === '/') throw invalidArgument("invalid specification: destination can't be '/'");
  }
}

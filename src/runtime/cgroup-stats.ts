// Resource usage of one container read from its cgroup (v1: one hierarchy per
// controller under /sys/fs/cgroup/<controller>/<cgroupsPath>; v2: the unified
// tree), its network namespace's /proc/<pid>/net/dev, and the host's
// /proc/stat — the raw numbers behind docker's stats JSON.
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { cgroupInfo } from './cgroups.ts';

export interface BlkioEntry {
  readonly major: number;
  readonly minor: number;
  readonly op: string;
  readonly value: number;
}

export interface NetworkCounters {
  readonly rx_bytes: number;
  readonly rx_packets: number;
  readonly rx_errors: number;
  readonly rx_dropped: number;
  readonly tx_bytes: number;
  readonly tx_packets: number;
  readonly tx_errors: number;
  readonly tx_dropped: number;
}

export interface CgroupStats {
  readonly cpu: { readonly total: number; readonly percpu: readonly number[]; readonly kernel: number; readonly user: number; readonly periods: number; readonly throttledPeriods: number; readonly throttledTime: number };
  readonly memory: { readonly usage: number; readonly maxUsage: number; readonly limit: number; readonly stats: Readonly<Record<string, number>> };
  readonly blkio: { readonly serviceBytes: readonly BlkioEntry[]; readonly serviced: readonly BlkioEntry[] };
  readonly pids: { readonly current: number; readonly limit: number };
}

async function text(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function num(path: string): Promise<number> {
  const t = (await text(path))?.trim();
  if (t === undefined || t === '' || t === 'max') return 0;
  const n = Number(t);
  return Number.isFinite(n) ? n : 0;
}

/** `key value` lines (memory.stat, cpu.stat) into a map. */
export function parseKeyValues(t: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (t ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

/** v1 blkio files: `8:0 Read 1234` lines (the `Total` line dropped). */
export function parseBlkioV1(t: string | undefined): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (t ?? '').split('\n')) {
    const m = /^(\d+):(\d+) (\w+) (\d+)$/.exec(line.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3]!, value: Number(m[4]) });
  }
  return out;
}

/** v2 io.stat: `8:0 rbytes=1 wbytes=2 rios=3 wios=4 …` into docker's read/write entries. */
export function parseIoStatV2(t: string | undefined): { serviceBytes: BlkioEntry[]; serviced: BlkioEntry[] } {
  const serviceBytes: BlkioEntry[] = [];
  const serviced: BlkioEntry[] = [];
  for (const line of (t ?? '').split('\n')) {
    const [dev, ...fields] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    const kv = Object.fromEntries(fields.map((f) => f.split('=') as [string, string]));
    const major = Number(m[1]);
    const minor = Number(m[2]);
    serviceBytes.push({ major, minor, op: 'read', value: Number(kv['rbytes'] ?? 0) }, { major, minor, op: 'write', value: Number(kv['wbytes'] ?? 0) });
    serviced.push({ major, minor, op: 'read', value: Number(kv['rios'] ?? 0) }, { major, minor, op: 'write', value: Number(kv['wios'] ?? 0) });
  }
  return { serviceBytes, serviced };
}

/** /proc/<pid>/net/dev into per-interface counters (loopback left out, as docker does). */
export function parseNetDev(t: string | undefined): Record<string, NetworkCounters> {
  const out: Record<string, NetworkCounters> = {};
  for (const line of (t ?? '').split('\n')) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!m || m[1] === 'lo') continue;
    const f = m[2]!.trim().split(/\s+/).map(Number);
    if (f.length < 16) continue;
    out[m[1]!] = { rx_bytes: f[0]!, rx_packets: f[1]!, rx_errors: f[2]!, rx_dropped: f[3]!, tx_bytes: f[8]!, tx_packets: f[9]!, tx_errors: f[10]!, tx_dropped: f[11]! };
  }
  return out;
}

/** The host's total CPU time in ns from /proc/stat's `cpu` line (USER_HZ is 100 on Linux). */
export async function systemCpuUsage(): Promise<number> {
  const line = (await text('/proc/stat'))?.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return 0;
  const ticks = line.trim().split(/\s+/).slice(1, 8).map(Number).reduce((a, b) => a + b, 0);
  return ticks * 10_000_000;
}

export function onlineCpus(): number {
  return cpus().length;
}

async function readV1(cgroupsPath: string, root: string): Promise<CgroupStats> {
  const dir = (controller: string) => join(root, controller, cgroupsPath);
  const percpu = ((await text(join(dir('cpuacct'), 'cpuacct.usage_percpu'))) ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
  const cpuacct = parseKeyValues(await text(join(dir('cpuacct'), 'cpuacct.stat')));
  const cpuStat = parseKeyValues(await text(join(dir('cpu'), 'cpu.stat')));
  const mem = parseKeyValues(await text(join(dir('memory'), 'memory.stat')));
  const pidsMax = (await text(join(dir('pids'), 'pids.max')))?.trim();
  return {
    cpu: {
      total: await num(join(dir('cpuacct'), 'cpuacct.usage')),
      percpu,
      // cpuacct.stat is in USER_HZ ticks.
      kernel: (cpuacct['system'] ?? 0) * 10_000_000,
      user: (cpuacct['user'] ?? 0) * 10_000_000,
      periods: cpuStat['nr_periods'] ?? 0,
      throttledPeriods: cpuStat['nr_throttled'] ?? 0,
      throttledTime: cpuStat['throttled_time'] ?? 0,
    },
    memory: {
      usage: await num(join(dir('memory'), 'memory.usage_in_bytes')),
      maxUsage: await num(join(dir('memory'), 'memory.max_usage_in_bytes')),
      limit: await num(join(dir('memory'), 'memory.limit_in_bytes')),
      stats: mem,
    },
    blkio: {
      serviceBytes: parseBlkioV1(await text(join(dir('blkio'), 'blkio.throttle.io_service_bytes_recursive'))),
      serviced: parseBlkioV1(await text(join(dir('blkio'), 'blkio.throttle.io_serviced_recursive'))),
    },
    pids: { current: await num(join(dir('pids'), 'pids.current')), limit: pidsMax === undefined || pidsMax === 'max' ? 0 : Number(pidsMax) },
  };
}

async function readV2(cgroupsPath: string, root: string): Promise<CgroupStats> {
  const dir = join(root, cgroupsPath);
  const cpu = parseKeyValues(await text(join(dir, 'cpu.stat')));
  const memMax = (await text(join(dir, 'memory.max')))?.trim();
  const pidsMax = (await text(join(dir, 'pids.max')))?.trim();
  return {
    cpu: {
      total: (cpu['usage_usec'] ?? 0) * 1000,
      percpu: [],
      kernel: (cpu['system_usec'] ?? 0) * 1000,
      user: (cpu['user_usec'] ?? 0) * 1000,
      periods: cpu['nr_periods'] ?? 0,
      throttledPeriods: cpu['nr_throttled'] ?? 0,
      throttledTime: (cpu['throttled_usec'] ?? 0) * 1000,
    },
    memory: {
      usage: await num(join(dir, 'memory.current')),
      maxUsage: await num(join(dir, 'memory.peak')),
      limit: memMax === undefined || memMax === 'max' ? 0 : Number(memMax),
      stats: parseKeyValues(await text(join(dir, 'memory.stat'))),
    },
    blkio: parseIoStatV2(await text(join(dir, 'io.stat'))),
    pids: { current: await num(join(dir, 'pids.current')), limit: pidsMax === undefined || pidsMax === 'max' ? 0 : Number(pidsMax) },
  };
}

/** Reads the container's cgroup; missing files read as zero (a container that just exited). */
export async function readCgroupStats(cgroupsPath: string, options: { root?: string } = {}): Promise<CgroupStats> {
  const root = options.root ?? '/sys/fs/cgroup';
  return cgroupInfo(root).version === '2' ? readV2(cgroupsPath, root) : readV1(cgroupsPath, root);
}

/**
 * The OOM kills the kernel counted in the container's memory cgroup (v1
 * memory.oom_control, v2 memory.events: `oom_kill`), which it counts before it
 * sends the SIGKILL; undefined when the cgroup or the field is not there.
 */
export async function oomKillCount(cgroupsPath: string, options: { root?: string } = {}): Promise<number | undefined> {
  const root = options.root ?? '/sys/fs/cgroup';
  const file = cgroupInfo(root).version === '2' ? join(root, cgroupsPath, 'memory.events') : join(root, 'memory', cgroupsPath, 'memory.oom_control');
  const m = /^oom_kill (\d+)$/m.exec((await text(file)) ?? '');
  return m ? Number(m[1]) : undefined;
}

/** The network counters of the namespace `pid` lives in. */
export async function readNetworkStats(pid: number): Promise<Record<string, NetworkCounters>> {
  return parseNetDev(await text(`/proc/${pid}/net/dev`));
}

// Pure parsers of the kernel files behind the CRI metrics: cgroup v1 and v2
// files, PSI, /proc/<pid>/net/dev, /proc/<pid>/limits, /proc/<pid>/status and
// /proc/self/mountinfo. Numbers are bigint: cgroup limits and rlimits are
// uint64 and overflow a double. Nothing here reads a file.

/** A single-number file (`memory.usage_in_bytes`, `pids.max`): the number, 'max' for "max", undefined when empty or not a number. */
export function parseSingle(text: string | undefined): bigint | 'max' | undefined {
  const t = text?.trim();
  if (t === undefined || t === '') return undefined;
  if (t === 'max') return 'max';
  return /^-?\d+$/.test(t) ? BigInt(t) : undefined;
}

/** `key value` lines (memory.stat, cpu.stat, cpuacct.stat, memory.oom_control, memory.events). */
export function parseFlatKeyed(text: string | undefined): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const line of (text ?? '').split('\n')) {
    const [k, v, extra] = line.trim().split(/\s+/);
    if (k && v !== undefined && extra === undefined && /^\d+$/.test(v)) out.set(k, BigInt(v));
  }
  return out;
}

export interface Pressure {
  /** Total stall time in microseconds with some tasks waiting. */
  readonly some: bigint | undefined;
  /** Total stall time in microseconds with all tasks stalled. */
  readonly full: bigint | undefined;
}

/** cgroup2 `cpu.pressure` / `memory.pressure` / `io.pressure`: `some avg10=… total=N` lines. */
export function parsePressure(text: string | undefined): Pressure {
  let some: bigint | undefined;
  let full: bigint | undefined;
  for (const line of (text ?? '').split('\n')) {
    const m = /^(some|full)\s.*\btotal=(\d+)/.exec(line.trim());
    if (m?.[1] === 'some') some = BigInt(m[2]!);
    if (m?.[1] === 'full') full = BigInt(m[2]!);
  }
  return { some, full };
}

export interface BlkioEntry {
  readonly major: number;
  readonly minor: number;
  /** Read, Write, Sync, Async, Discard (v1 spelling). */
  readonly op: string;
  readonly value: bigint;
}

/** v1 `blkio.*_recursive` files: `8:0 Read 1234` lines; the `Total` line is dropped. */
export function parseBlkioV1(text: string | undefined): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\d+):(\d+) (\w+) (\d+)$/.exec(line.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3]!, value: BigInt(m[4]!) });
  }
  return out;
}

export interface IoStatEntry {
  readonly major: number;
  readonly minor: number;
  readonly fields: ReadonlyMap<string, bigint>;
}

/** v2 `io.stat`: `8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0` lines. */
export function parseIoStatV2(text: string | undefined): IoStatEntry[] {
  const out: IoStatEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const [devText, ...rest] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(devText ?? '');
    if (!m) continue;
    const fields = new Map<string, bigint>();
    for (const f of rest) {
      const kv = /^(\w+)=(\d+)$/.exec(f);
      if (kv) fields.set(kv[1]!, BigInt(kv[2]!));
    }
    out.push({ major: Number(m[1]), minor: Number(m[2]), fields });
  }
  return out;
}

export interface InterfaceCounters {
  readonly rxBytes: bigint;
  readonly rxPackets: bigint;
  readonly rxErrors: bigint;
  readonly rxDropped: bigint;
  readonly txBytes: bigint;
  readonly txPackets: bigint;
  readonly txErrors: bigint;
  readonly txDropped: bigint;
}

/** /proc/<pid>/net/dev: the counters of each interface but loopback (cAdvisor leaves `lo` out too). */
export function parseNetDev(text: string | undefined): Map<string, InterfaceCounters> {
  const out = new Map<string, InterfaceCounters>();
  for (const line of (text ?? '').split('\n')) {
    const m = /^\s*([^:\s|]+):\s*([\d\s]+)$/.exec(line);
    if (!m || m[1] === 'lo') continue;
    const f = m[2]!.trim().split(/\s+/).map((x) => BigInt(x));
    if (f.length < 16) continue;
    out.set(m[1]!, { rxBytes: f[0]!, rxPackets: f[1]!, rxErrors: f[2]!, rxDropped: f[3]!, txBytes: f[8]!, txPackets: f[9]!, txErrors: f[10]!, txDropped: f[11]! });
  }
  return out;
}

/** The kernel's RLIM_INFINITY as the uint64 the CRI's value carries ("-1" of cAdvisor's help text). */
export const rlimInfinity = (1n << 64n) - 1n;

/** /proc/<pid>/limits: each limit's soft value, named as cAdvisor names them (`Max open files` → `max_open_files`). */
export function parseLimits(text: string | undefined): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const line of (text ?? '').split('\n').slice(1)) {
    const m = /^(Max [a-z ]+?)\s{2,}(unlimited|\d+)\s+(unlimited|\d+)/.exec(line);
    if (!m) continue;
    out.set(m[1]!.trim().toLowerCase().replace(/\s+/g, '_'), m[2] === 'unlimited' ? rlimInfinity : BigInt(m[2]!));
  }
  return out;
}

/** The `Threads:` count of /proc/<pid>/status. */
export function parseStatusThreads(text: string | undefined): number | undefined {
  const m = /^Threads:\s+(\d+)$/m.exec(text ?? '');
  return m ? Number(m[1]) : undefined;
}

/** The pids of a `cgroup.procs` file. */
export function parseProcs(text: string | undefined): number[] {
  return (text ?? '').split('\n').map((l) => l.trim()).filter((l) => /^\d+$/.test(l)).map(Number);
}

export interface MountEntry {
  readonly major: number;
  readonly minor: number;
  readonly mountPoint: string;
  readonly fsType: string;
  readonly source: string;
}

/** /proc/self/mountinfo lines (octal escapes in paths decoded). */
export function parseMountinfo(text: string | undefined): MountEntry[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const out: MountEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const [pre, post] = line.split(' - ');
    if (pre === undefined || post === undefined) continue;
    const f = pre.split(' ');
    const dev = /^(\d+):(\d+)$/.exec(f[2] ?? '');
    const [fsType, source] = post.split(' ');
    if (!dev || f[4] === undefined || fsType === undefined || source === undefined) continue;
    out.push({ major: Number(dev[1]), minor: Number(dev[2]), mountPoint: unescape(f[4]), fsType, source: unescape(source) });
  }
  return out;
}

/** A hugetlb file's page size (`hugetlb.2MB.usage_in_bytes`, `hugetlb.1GB.current`), or undefined for another file. */
export function hugetlbPageSize(fileName: string, suffix: string): string | undefined {
  const m = /^hugetlb\.(\d+[KMG]B)\.(.+)$/.exec(fileName);
  return m && m[2] === suffix ? m[1] : undefined;
}

// A container's cgroup v2 numbers as CRI samples: cpu.stat, memory.*,
// hugetlb.*, io.stat, pids.*, and the limits in force (cpu.max, cpu.weight,
// memory.max/low/swap.max), named as cAdvisor names them on v2 hosts.
import { join } from 'node:path';
import type { CgroupLocation } from '../../engine/index.ts';
import { hugetlbPageSize, parseFlatKeyed, parseIoStatV2, parseSingle } from './parse.ts';
import { listDir, microsPerSecond, readText, sampleOf, workingSetOf, type Sample } from './sample.ts';

/** What cAdvisor reports for a v2 "max" (no limit): the largest uint64. */
const unlimited = (1n << 64n) - 1n;

async function single(path: string): Promise<bigint | 'max' | undefined> {
  return parseSingle(await readText(path));
}

function seconds(usec: bigint | undefined): bigint | undefined {
  return usec === undefined ? undefined : usec / microsPerSecond;
}

async function cpu(dir: string): Promise<Sample[]> {
  const s = parseFlatKeyed(await readText(join(dir, 'cpu.stat')));
  return [
    ...sampleOf('container_cpu_usage_seconds_total', seconds(s.get('usage_usec'))),
    ...sampleOf('container_cpu_user_seconds_total', seconds(s.get('user_usec'))),
    ...sampleOf('container_cpu_system_seconds_total', seconds(s.get('system_usec'))),
    ...sampleOf('container_cpu_cfs_periods_total', s.get('nr_periods')),
    ...sampleOf('container_cpu_cfs_throttled_periods_total', s.get('nr_throttled')),
    ...sampleOf('container_cpu_cfs_throttled_seconds_total', seconds(s.get('throttled_usec'))),
  ];
}

async function memory(dir: string): Promise<Sample[]> {
  const [current, peak, swap] = await Promise.all(['memory.current', 'memory.peak', 'memory.swap.current'].map((f) => single(join(dir, f))));
  const num = (v: bigint | 'max' | undefined) => (typeof v === 'bigint' ? v : undefined);
  const [statText, eventsText] = await Promise.all([readText(join(dir, 'memory.stat')), readText(join(dir, 'memory.events'))]);
  const st = parseFlatKeyed(statText);
  const events = parseFlatKeyed(eventsText);
  const stack = st.get('kernel_stack');
  const slab = st.get('slab');
  // memory.stat's `kernel` (5.18+), else its parts.
  const kernel = st.get('kernel') ?? (stack !== undefined && slab !== undefined ? stack + slab : undefined);
  return [
    ...sampleOf('container_memory_usage_bytes', num(current)),
    ...sampleOf('container_memory_max_usage_bytes', num(peak)),
    ...sampleOf('container_memory_working_set_bytes', workingSetOf(num(current), st.get('inactive_file'))),
    // v2 has no failcnt: memory.events' `max` counts the times usage hit memory.max (as libcontainer reads it).
    ...sampleOf('container_memory_failcnt', events.get('max')),
    ...sampleOf('container_memory_kernel_usage', kernel),
    ...sampleOf('container_memory_rss', st.get('anon')),
    ...sampleOf('container_memory_cache', st.get('file')),
    ...sampleOf('container_memory_mapped_file', st.get('file_mapped')),
    ...sampleOf('container_memory_swap', num(swap)),
    ...sampleOf('container_memory_total_active_file_bytes', st.get('active_file')),
    ...sampleOf('container_memory_total_inactive_file_bytes', st.get('inactive_file')),
    ...sampleOf('container_memory_failures_total', st.get('pgfault'), ['pgfault', 'container']),
    ...sampleOf('container_memory_failures_total', st.get('pgmajfault'), ['pgmajfault', 'container']),
    ...sampleOf('container_oom_events_total', events.get('oom_kill')),
  ];
}

async function hugetlb(dir: string): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const f of await listDir(dir)) {
    const size = hugetlbPageSize(f, 'current');
    const v = size === undefined ? undefined : await single(join(dir, f));
    if (size !== undefined && typeof v === 'bigint') out.push({ name: 'container_hugetlb_usage_bytes', value: v, extra: [size] });
  }
  return out;
}

async function io(dir: string, deviceName: (major: number, minor: number) => Promise<string>): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const e of parseIoStatV2(await readText(join(dir, 'io.stat')))) {
    const dev = await deviceName(e.major, e.minor);
    const f = (k: string) => e.fields.get(k);
    out.push(...sampleOf('container_fs_reads_bytes_total', f('rbytes'), [dev]), ...sampleOf('container_fs_writes_bytes_total', f('wbytes'), [dev]));
    out.push(...sampleOf('container_fs_reads_total', f('rios'), [dev]), ...sampleOf('container_fs_writes_total', f('wios'), [dev]));
    out.push(...sampleOf('container_blkio_device_usage_total', f('rbytes'), [dev, String(e.major), String(e.minor), 'Read']));
    out.push(...sampleOf('container_blkio_device_usage_total', f('wbytes'), [dev, String(e.major), String(e.minor), 'Write']));
  }
  return out;
}

/** cpu.weight as the v1 shares it stands for (the mapping runc and cAdvisor use). */
export function sharesOfWeight(weight: bigint): bigint {
  return 2n + ((weight - 1n) * 262142n) / 9999n;
}

async function limits(dir: string): Promise<Sample[]> {
  const [cpuMax, weight, memMax, memLow, swapMax, pidsMax] = await Promise.all([
    readText(join(dir, 'cpu.max')),
    single(join(dir, 'cpu.weight')),
    single(join(dir, 'memory.max')),
    single(join(dir, 'memory.low')),
    single(join(dir, 'memory.swap.max')),
    single(join(dir, 'pids.max')),
  ]);
  const [quota, period] = (cpuMax ?? '').trim().split(/\s+/);
  const asLimit = (v: bigint | 'max' | undefined) => (v === 'max' ? unlimited : v);
  // cAdvisor's v2 swap limit is memory plus swap, as v1's memsw.
  const swapLimit = swapMax === 'max' || memMax === 'max' ? unlimited : swapMax !== undefined && memMax !== undefined ? swapMax + memMax : undefined;
  return [
    ...sampleOf('container_spec_cpu_period', period !== undefined && /^\d+$/.test(period) ? BigInt(period) : undefined),
    ...sampleOf('container_spec_cpu_quota', quota !== undefined && /^\d+$/.test(quota) ? BigInt(quota) : undefined),
    ...sampleOf('container_spec_cpu_shares', typeof weight === 'bigint' ? sharesOfWeight(weight) : undefined),
    ...sampleOf('container_spec_memory_limit_bytes', asLimit(memMax)),
    ...sampleOf('container_spec_memory_reservation_limit_bytes', asLimit(memLow)),
    ...sampleOf('container_spec_memory_swap_limit_bytes', swapLimit),
    ...sampleOf('container_threads_max', pidsMax === 'max' ? 0n : pidsMax),
  ];
}

export async function collectCgroupV2(cg: CgroupLocation, deviceName: (major: number, minor: number) => Promise<string>): Promise<Sample[]> {
  const dir = cg.dir('');
  const parts = await Promise.all([cpu(dir), memory(dir), hugetlb(dir), io(dir, deviceName), limits(dir)]);
  return parts.flat();
}

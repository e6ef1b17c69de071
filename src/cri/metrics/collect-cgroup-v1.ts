// A container's cgroup v1 numbers as CRI samples: cpu/cpuacct, memory,
// hugetlb, blkio and pids controllers, and the limits in force (cpu period,
// quota, shares; memory limit, soft limit, mem+swap limit). Seconds are whole
// seconds, as the CRI's uint64 value and containerd carry them.
import { join } from 'node:path';
import type { CgroupLocation } from '../../engine/index.ts';
import { hugetlbPageSize, parseBlkioV1, parseFlatKeyed, parseSingle, type BlkioEntry } from './parse.ts';
import { listDir, nanosPerSecond, readText, sampleOf, workingSetOf, type Sample } from './sample.ts';

async function single(path: string): Promise<bigint | undefined> {
  const v = parseSingle(await readText(path));
  return typeof v === 'bigint' ? v : undefined;
}

async function cpu(cg: CgroupLocation): Promise<Sample[]> {
  const acct = cg.dir('cpuacct');
  const [total, user, sys, stat] = await Promise.all([single(join(acct, 'cpuacct.usage')), single(join(acct, 'cpuacct.usage_user')), single(join(acct, 'cpuacct.usage_sys')), readText(join(cg.dir('cpu'), 'cpu.stat'))]);
  const s = parseFlatKeyed(stat);
  const throttled = s.get('throttled_time');
  return [
    ...sampleOf('container_cpu_usage_seconds_total', total === undefined ? undefined : total / nanosPerSecond),
    ...sampleOf('container_cpu_user_seconds_total', user === undefined ? undefined : user / nanosPerSecond),
    ...sampleOf('container_cpu_system_seconds_total', sys === undefined ? undefined : sys / nanosPerSecond),
    ...sampleOf('container_cpu_cfs_periods_total', s.get('nr_periods')),
    ...sampleOf('container_cpu_cfs_throttled_periods_total', s.get('nr_throttled')),
    ...sampleOf('container_cpu_cfs_throttled_seconds_total', throttled === undefined ? undefined : throttled / nanosPerSecond),
  ];
}

async function memory(cg: CgroupLocation): Promise<Sample[]> {
  const dir = cg.dir('memory');
  const [usage, max, failcnt, kmem] = await Promise.all(['memory.usage_in_bytes', 'memory.max_usage_in_bytes', 'memory.failcnt', 'memory.kmem.usage_in_bytes'].map((f) => single(join(dir, f))));
  const [statText, oomText] = await Promise.all([readText(join(dir, 'memory.stat')), readText(join(dir, 'memory.oom_control'))]);
  const st = parseFlatKeyed(statText);
  const inactive = st.get('total_inactive_file');
  const workingSet = workingSetOf(usage, inactive);
  return [
    ...sampleOf('container_memory_usage_bytes', usage),
    ...sampleOf('container_memory_max_usage_bytes', max),
    ...sampleOf('container_memory_working_set_bytes', workingSet),
    ...sampleOf('container_memory_failcnt', failcnt),
    ...sampleOf('container_memory_kernel_usage', kmem),
    ...sampleOf('container_memory_rss', st.get('total_rss')),
    ...sampleOf('container_memory_cache', st.get('total_cache')),
    ...sampleOf('container_memory_mapped_file', st.get('total_mapped_file')),
    ...sampleOf('container_memory_swap', st.get('total_swap')),
    ...sampleOf('container_memory_total_active_file_bytes', st.get('total_active_file')),
    ...sampleOf('container_memory_total_inactive_file_bytes', inactive),
    ...sampleOf('container_memory_failures_total', st.get('pgfault'), ['pgfault', 'container']),
    ...sampleOf('container_memory_failures_total', st.get('pgmajfault'), ['pgmajfault', 'container']),
    ...sampleOf('container_memory_failures_total', st.get('total_pgfault'), ['pgfault', 'hierarchy']),
    ...sampleOf('container_memory_failures_total', st.get('total_pgmajfault'), ['pgmajfault', 'hierarchy']),
    ...sampleOf('container_oom_events_total', parseFlatKeyed(oomText).get('oom_kill')),
  ];
}

async function hugetlb(cg: CgroupLocation): Promise<Sample[]> {
  const dir = cg.dir('hugetlb');
  const out: Sample[] = [];
  for (const f of await listDir(dir)) {
    const usage = hugetlbPageSize(f, 'usage_in_bytes');
    if (usage !== undefined) out.push(...sampleOf('container_hugetlb_usage_bytes', await single(join(dir, f)), [usage]));
    const max = hugetlbPageSize(f, 'max_usage_in_bytes');
    if (max !== undefined) out.push(...sampleOf('container_hugetlb_max_usage_bytes', await single(join(dir, f)), [max]));
  }
  return out;
}

/** The blkio file with per-device lines: the CFQ one when the kernel keeps it, the throttle one otherwise. */
async function blkioFile(dir: string, name: string): Promise<BlkioEntry[]> {
  const cfq = parseBlkioV1(await readText(join(dir, `blkio.${name}`)));
  return cfq.length > 0 ? cfq : parseBlkioV1(await readText(join(dir, `blkio.throttle.${name}`)));
}

async function blkio(cg: CgroupLocation, deviceName: (major: number, minor: number) => Promise<string>): Promise<Sample[]> {
  const dir = cg.dir('blkio');
  const [bytes, ios] = await Promise.all([blkioFile(dir, 'io_service_bytes_recursive'), blkioFile(dir, 'io_serviced_recursive')]);
  const out: Sample[] = [];
  for (const e of bytes) {
    const dev = await deviceName(e.major, e.minor);
    out.push({ name: 'container_blkio_device_usage_total', value: e.value, extra: [dev, String(e.major), String(e.minor), e.op] });
    if (e.op === 'Read') out.push({ name: 'container_fs_reads_bytes_total', value: e.value, extra: [dev] });
    if (e.op === 'Write') out.push({ name: 'container_fs_writes_bytes_total', value: e.value, extra: [dev] });
  }
  for (const e of ios) {
    const dev = await deviceName(e.major, e.minor);
    if (e.op === 'Read') out.push({ name: 'container_fs_reads_total', value: e.value, extra: [dev] });
    if (e.op === 'Write') out.push({ name: 'container_fs_writes_total', value: e.value, extra: [dev] });
  }
  return out;
}

async function limits(cg: CgroupLocation): Promise<Sample[]> {
  const cpuDir = cg.dir('cpu');
  const memDir = cg.dir('memory');
  const [period, quota, shares, limit, soft, memsw, pidsMax] = await Promise.all([
    single(join(cpuDir, 'cpu.cfs_period_us')),
    single(join(cpuDir, 'cpu.cfs_quota_us')),
    single(join(cpuDir, 'cpu.shares')),
    single(join(memDir, 'memory.limit_in_bytes')),
    single(join(memDir, 'memory.soft_limit_in_bytes')),
    single(join(memDir, 'memory.memsw.limit_in_bytes')),
    readText(join(cg.dir('pids'), 'pids.max')),
  ]);
  const pm = parseSingle(pidsMax);
  return [
    ...sampleOf('container_spec_cpu_period', period),
    // -1 is "no quota": cAdvisor leaves the metric out then.
    ...sampleOf('container_spec_cpu_quota', quota !== undefined && quota > 0n ? quota : undefined),
    ...sampleOf('container_spec_cpu_shares', shares),
    ...sampleOf('container_spec_memory_limit_bytes', limit),
    ...sampleOf('container_spec_memory_reservation_limit_bytes', soft),
    ...sampleOf('container_spec_memory_swap_limit_bytes', memsw),
    // "infinity if value is zero", as the descriptor's help says.
    ...sampleOf('container_threads_max', pm === 'max' ? 0n : pm),
  ];
}

export async function collectCgroupV1(cg: CgroupLocation, deviceName: (major: number, minor: number) => Promise<string>): Promise<Sample[]> {
  const parts = await Promise.all([cpu(cg), memory(cg), hugetlb(cg), blkio(cg, deviceName), limits(cg)]);
  return parts.flat();
}

// Docker's stats JSON (`GET /containers/{id}/stats`) from the engine's samples:
// cpu_stats with the previous sample as precpu_stats, memory_stats, blkio_stats,
// pids_stats and networks.
import type { StatsSample } from '../engine/index.ts';

const zeroTime = '0001-01-01T00:00:00Z';

function cpuJson(s: StatsSample | undefined): Record<string, unknown> {
  if (!s || !s.running) return { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } };
  const c = s.cgroup.cpu;
  return {
    cpu_usage: { total_usage: c.total, ...(c.percpu.length > 0 ? { percpu_usage: c.percpu } : {}), usage_in_kernelmode: c.kernel, usage_in_usermode: c.user },
    system_cpu_usage: s.systemCpu,
    online_cpus: s.onlineCpus,
    throttling_data: { periods: c.periods, throttled_periods: c.throttledPeriods, throttled_time: c.throttledTime },
  };
}

type BlkioList = StatsSample['cgroup']['blkio']['serviceBytes'];

/**
 * dockerd's blkio_stats: on cgroup v1 a running container's eight lists are
 * lists (`[]` when empty); on v2 only the two io.stat gives, null when empty;
 * all null for a container not running. berth reads the throttle files (v1)
 * and io.stat (v2); the v1 CFQ lists stay empty (no CFQ on blk-mq kernels).
 */
function blkioJson(s: StatsSample): Record<string, unknown> {
  const listed = s.running && s.cgroupVersion === '1';
  const entries = (list: BlkioList) => (list.length > 0 || listed ? list.map((e) => ({ major: e.major, minor: e.minor, op: e.op, value: e.value })) : null);
  const empty = listed ? [] : null;
  return {
    io_service_bytes_recursive: entries(s.cgroup.blkio.serviceBytes),
    io_serviced_recursive: entries(s.cgroup.blkio.serviced),
    io_queue_recursive: empty,
    io_service_time_recursive: empty,
    io_wait_time_recursive: empty,
    io_merged_recursive: empty,
    io_time_recursive: empty,
    sectors_recursive: empty,
  };
}

/**
 * The memory.stat keys dockerd reports on cgroup v1 (containerd's v1 MemoryStat
 * as docker converts it), each with its hierarchical `total_` twin; the kernel's
 * other keys (shmem, swap, workingset_refault_*) are not among them.
 */
const v1MemoryKeys = ['cache', 'rss', 'rss_huge', 'mapped_file', 'dirty', 'writeback', 'pgpgin', 'pgpgout', 'pgfault', 'pgmajfault', 'inactive_anon', 'active_anon', 'inactive_file', 'active_file', 'unevictable'];
const v1MemoryStatKeys = [...v1MemoryKeys, 'hierarchical_memory_limit', 'hierarchical_memsw_limit', ...v1MemoryKeys.map((k) => `total_${k}`)].sort();

function memoryStatsJson(s: StatsSample): Readonly<Record<string, number>> {
  const stats = s.cgroup.memory.stats;
  if (s.cgroupVersion !== '1') return stats;
  return Object.fromEntries(v1MemoryStatKeys.map((k) => [k, stats[k] ?? 0]));
}

export function statsJson(s: StatsSample, previous: StatsSample | undefined): Record<string, unknown> {
  const m = s.cgroup.memory;
  return {
    read: s.read,
    preread: previous?.read ?? zeroTime,
    pids_stats: s.running ? { current: s.cgroup.pids.current, ...(s.cgroup.pids.limit > 0 ? { limit: s.cgroup.pids.limit } : {}) } : {},
    blkio_stats: blkioJson(s),
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuJson(s),
    precpu_stats: cpuJson(previous),
    memory_stats: s.running ? { usage: m.usage, ...(m.maxUsage > 0 ? { max_usage: m.maxUsage } : {}), stats: memoryStatsJson(s), limit: s.memoryLimit } : {},
    name: `/${s.container.name}`,
    id: s.container.id,
    ...(s.running ? { networks: s.networks } : {}),
  };
}

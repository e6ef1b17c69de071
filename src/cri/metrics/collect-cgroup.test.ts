// The v1 and v2 collectors over fixture cgroup trees (files as the kernel
// writes them), checked for the values and for labels that fit the descriptors.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CgroupLocation } from '../../engine/index.ts';
import { collectCgroupV1 } from './collect-cgroup-v1.ts';
import { collectCgroupV2, sharesOfWeight } from './collect-cgroup-v2.ts';
import { collectPressure } from './collect-pressure.ts';
import { descriptors } from './descriptors.ts';
import { toMetrics } from './pod-metrics.ts';
import type { Sample } from './sample.ts';

const root = mkdtempSync(join(tmpdir(), 'cri-metrics-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

function tree(base: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(base, path, '..'), { recursive: true });
    writeFileSync(join(base, path), text);
  }
}

const devName = async (major: number, minor: number) => `/dev/test${major}-${minor}`;

function values(samples: readonly Sample[]): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const s of samples) out.set([s.name, ...(s.extra ?? [])].join('|'), s.value);
  return out;
}

test('cgroup v1: cpu, memory, blkio, hugetlb, pids and limits', async () => {
  const v1 = join(root, 'v1');
  const p = 'berth/abc';
  tree(v1, {
    [`cpuacct/${p}/cpuacct.usage`]: '3500000000\n',
    [`cpuacct/${p}/cpuacct.usage_user`]: '2900000000\n',
    [`cpuacct/${p}/cpuacct.usage_sys`]: '600000000\n',
    [`cpu/${p}/cpu.stat`]: 'nr_periods 50\nnr_throttled 9\nthrottled_time 2100000000\n',
    [`cpu/${p}/cpu.cfs_period_us`]: '100000\n',
    [`cpu/${p}/cpu.cfs_quota_us`]: '20000\n',
    [`cpu/${p}/cpu.shares`]: '1024\n',
    [`memory/${p}/memory.usage_in_bytes`]: '1048576\n',
    [`memory/${p}/memory.max_usage_in_bytes`]: '2097152\n',
    [`memory/${p}/memory.failcnt`]: '4\n',
    [`memory/${p}/memory.kmem.usage_in_bytes`]: '65536\n',
    [`memory/${p}/memory.limit_in_bytes`]: '67108864\n',
    [`memory/${p}/memory.soft_limit_in_bytes`]: '9223372036854771712\n',
    [`memory/${p}/memory.memsw.limit_in_bytes`]: '67108864\n',
    [`memory/${p}/memory.stat`]: 'cache 4096\nrss 8192\npgfault 10\npgmajfault 1\ntotal_cache 262144\ntotal_rss 786432\ntotal_mapped_file 4096\ntotal_swap 0\ntotal_pgfault 11\ntotal_pgmajfault 2\ntotal_active_file 131072\ntotal_inactive_file 131072\n',
    [`memory/${p}/memory.oom_control`]: 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n',
    [`blkio/${p}/blkio.throttle.io_service_bytes_recursive`]: '8:0 Read 4096\n8:0 Write 8192\n8:0 Total 12288\nTotal 12288\n',
    [`blkio/${p}/blkio.throttle.io_serviced_recursive`]: '8:0 Read 1\n8:0 Write 2\n8:0 Total 3\nTotal 3\n',
    [`hugetlb/${p}/hugetlb.2MB.usage_in_bytes`]: '2097152\n',
    [`hugetlb/${p}/hugetlb.2MB.max_usage_in_bytes`]: '4194304\n',
    [`pids/${p}/pids.max`]: 'max\n',
  });
  const cg: CgroupLocation = { version: '1', path: `/${p}`, dir: (c) => join(v1, c, p), unifiedDir: undefined };
  const samples = await collectCgroupV1(cg, devName);
  const v = values(samples);
  assert.equal(v.get('container_cpu_usage_seconds_total'), 3n);
  assert.equal(v.get('container_cpu_user_seconds_total'), 2n);
  assert.equal(v.get('container_cpu_system_seconds_total'), 0n);
  assert.equal(v.get('container_cpu_cfs_throttled_periods_total'), 9n);
  assert.equal(v.get('container_cpu_cfs_throttled_seconds_total'), 2n);
  assert.equal(v.get('container_memory_working_set_bytes'), 1048576n - 131072n);
  assert.equal(v.get('container_memory_rss'), 786432n);
  assert.equal(v.get('container_memory_cache'), 262144n);
  assert.equal(v.get('container_memory_failcnt'), 4n);
  assert.equal(v.get('container_memory_kernel_usage'), 65536n);
  assert.equal(v.get('container_memory_failures_total|pgmajfault|hierarchy'), 2n);
  assert.equal(v.get('container_oom_events_total'), 1n);
  assert.equal(v.get('container_fs_writes_bytes_total|/dev/test8-0'), 8192n);
  assert.equal(v.get('container_fs_reads_total|/dev/test8-0'), 1n);
  assert.equal(v.get('container_blkio_device_usage_total|/dev/test8-0|8|0|Write'), 8192n);
  assert.equal(v.get('container_hugetlb_max_usage_bytes|2MB'), 4194304n);
  assert.equal(v.get('container_spec_cpu_quota'), 20000n);
  assert.equal(v.get('container_spec_memory_limit_bytes'), 67108864n);
  assert.equal(v.get('container_spec_memory_reservation_limit_bytes'), 9223372036854771712n);
  assert.equal(v.get('container_threads_max'), 0n);
  // Every sample names a descriptor and fits its label keys.
  assert.equal(toMetrics(samples, ['p', 'ns', 'c', 'id', 'img'], '1').length, samples.length);
});

test('cgroup v1: a container without a quota has no container_spec_cpu_quota; missing files are left out', async () => {
  const v1 = join(root, 'v1-bare');
  tree(v1, { 'cpu/x/cpu.cfs_quota_us': '-1\n', 'cpu/x/cpu.cfs_period_us': '100000\n' });
  const samples = await collectCgroupV1({ version: '1', path: '/x', dir: (c) => join(v1, c, 'x'), unifiedDir: undefined }, devName);
  assert.deepEqual(samples.map((s) => s.name), ['container_spec_cpu_period']);
});

test('cgroup v2: cpu.stat, memory, io.stat, limits, PSI', async () => {
  const dir = join(root, 'v2', 'berth', 'abc');
  tree(dir, {
    'cpu.stat': 'usage_usec 4200000\nuser_usec 3100000\nsystem_usec 1100000\nnr_periods 30\nnr_throttled 5\nthrottled_usec 1500000\n',
    'cpu.max': '20000 100000\n',
    'cpu.weight': '100\n',
    'memory.current': '3145728\n',
    'memory.peak': '4194304\n',
    'memory.swap.current': '0\n',
    'memory.max': '67108864\n',
    'memory.low': '0\n',
    'memory.swap.max': 'max\n',
    'memory.stat': 'anon 1048576\nfile 2097152\nkernel 131072\nfile_mapped 4096\nactive_file 1048576\ninactive_file 1048576\npgfault 100\npgmajfault 3\n',
    'memory.events': 'low 0\nhigh 0\nmax 6\noom 1\noom_kill 1\n',
    'io.stat': '8:16 rbytes=100 wbytes=200 rios=3 wios=4 dbytes=0 dios=0\n',
    'pids.max': '1024\n',
    'hugetlb.2MB.current': '0\n',
    'cpu.pressure': 'some avg10=0.00 avg60=0.00 avg300=0.00 total=7500000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=2500000\n',
    'io.pressure': 'some avg10=0.00 avg60=0.00 avg300=0.00 total=10\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=5\n',
  });
  const cg: CgroupLocation = { version: '2', path: '/berth/abc', dir: () => dir, unifiedDir: dir };
  const samples = [...(await collectCgroupV2(cg, devName)), ...(await collectPressure(cg.unifiedDir))];
  const v = values(samples);
  assert.equal(v.get('container_cpu_usage_seconds_total'), 4n);
  assert.equal(v.get('container_cpu_system_seconds_total'), 1n);
  assert.equal(v.get('container_cpu_cfs_throttled_seconds_total'), 1n);
  assert.equal(v.get('container_memory_working_set_bytes'), 3145728n - 1048576n);
  assert.equal(v.get('container_memory_max_usage_bytes'), 4194304n);
  assert.equal(v.get('container_memory_failcnt'), 6n);
  assert.equal(v.get('container_memory_kernel_usage'), 131072n);
  assert.equal(v.get('container_oom_events_total'), 1n);
  assert.equal(v.get('container_fs_writes_total|/dev/test8-16'), 4n);
  assert.equal(v.get('container_blkio_device_usage_total|/dev/test8-16|8|16|Read'), 100n);
  assert.equal(v.get('container_spec_cpu_quota'), 20000n);
  assert.equal(v.get('container_spec_cpu_period'), 100000n);
  assert.equal(v.get('container_spec_cpu_shares'), sharesOfWeight(100n));
  assert.equal(v.get('container_spec_memory_swap_limit_bytes'), (1n << 64n) - 1n);
  assert.equal(v.get('container_threads_max'), 1024n);
  assert.equal(v.get('container_hugetlb_usage_bytes|2MB'), 0n);
  assert.equal(v.get('container_pressure_cpu_waiting_seconds_total'), 7n);
  assert.equal(v.get('container_pressure_cpu_stalled_seconds_total'), 2n);
  assert.equal(v.get('container_pressure_io_waiting_seconds_total'), 0n);
  assert.equal(v.has('container_pressure_memory_waiting_seconds_total'), false, 'no memory.pressure file, no value');
  assert.equal(toMetrics(samples, ['p', 'ns', 'c', 'id', 'img'], '1').length, samples.length);
});

test('cpu.weight maps to the shares runc derived it from', () => {
  assert.equal(sharesOfWeight(1n), 2n);
  assert.equal(sharesOfWeight(10000n), 262144n);
  assert.equal(sharesOfWeight(39n), 998n);
});

test('descriptors: unique names, help texts, base label keys first', () => {
  const names = descriptors.map((d) => d.name);
  assert.equal(new Set(names).size, names.length);
  for (const d of descriptors) {
    assert.ok(d.help.length > 0, d.name);
    assert.deepEqual(d.labelKeys.slice(0, 5), ['pod', 'namespace', 'container', 'id', 'image'], d.name);
  }
  assert.throws(() => toMetrics([{ name: 'container_fs_usage_bytes', value: 1n }], ['p', 'ns', 'c', 'id', 'img'], '1'), /label values/);
});

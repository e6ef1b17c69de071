import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderList } from './render.ts';
import { cpuPercent, memoryUsage, statsContext, statsDefaultTable, statsHeaders, statsRow } from './stats.ts';

test('cpuPercent scales the container\'s share of the host CPU time by the online CPUs', () => {
  const s = { cpu_stats: { cpu_usage: { total_usage: 300_000_000 }, system_cpu_usage: 2_000_000_000, online_cpus: 2 }, precpu_stats: { cpu_usage: { total_usage: 100_000_000 }, system_cpu_usage: 1_000_000_000 } };
  assert.equal(cpuPercent(s), 40);
  assert.equal(cpuPercent({ cpu_stats: s.cpu_stats }), 30);
  assert.equal(cpuPercent({}), 0);
});

test('memoryUsage leaves out the inactive page cache on cgroup v1 and v2', () => {
  assert.equal(memoryUsage({ memory_stats: { usage: 1000, stats: { total_inactive_file: 300, inactive_file: 100 } } }), 700);
  assert.equal(memoryUsage({ memory_stats: { usage: 1000, stats: { inactive_file: 100 } } }), 900);
  assert.equal(memoryUsage({ memory_stats: { usage: 1000, stats: { total_inactive_file: 3000 } } }), 1000);
});

test('the default stats table has docker\'s columns and units', () => {
  const row = statsRow({
    id: 'a'.repeat(64), name: '/web',
    memory_stats: { usage: 2 * 1024 * 1024, limit: 1024 * 1024 * 1024, stats: {} },
    networks: { eth0: { rx_bytes: 1500, tx_bytes: 648 }, eth1: { rx_bytes: 500, tx_bytes: 0 } },
    blkio_stats: { io_service_bytes_recursive: [{ op: 'Read', value: 4096 }, { op: 'Write', value: 1_200_000 }, { op: 'Total', value: 1 }] },
    pids_stats: { current: 3 },
  });
  const text = renderList([statsContext(row, 'web', true)], { format: '', defaultTable: statsDefaultTable, headers: statsHeaders });
  assert.equal(text,
    'CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O      BLOCK I/O       PIDS\n' +
    'aaaaaaaaaaaa   web       0.00%     2MiB / 1GiB         0.20%     2kB / 648B   4.1kB / 1.2MB   3\n');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { oomKillCount, parseBlkioV1, parseIoStatV2, parseKeyValues, parseNetDev, readCgroupStats } from './cgroup-stats.ts';

test('parseNetDev reads per-interface counters and leaves out loopback', () => {
  const text = [
    'Inter-|   Receive                                                |  Transmit',
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
    '    lo:     100       2    0    0    0     0          0         0      100       2    0    0    0     0       0          0',
    '  eth0:    1496      14    1    2    0     0          0         0      648       8    3    4    0     0       0          0',
  ].join('\n');
  assert.deepEqual(parseNetDev(text), { eth0: { rx_bytes: 1496, rx_packets: 14, rx_errors: 1, rx_dropped: 2, tx_bytes: 648, tx_packets: 8, tx_errors: 3, tx_dropped: 4 } });
});

test('parseBlkioV1 keeps device lines and drops the Total line', () => {
  assert.deepEqual(parseBlkioV1('8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\nTotal 12288\n'), [
    { major: 8, minor: 0, op: 'Read', value: 4096 },
    { major: 8, minor: 0, op: 'Write', value: 8192 },
    { major: 8, minor: 0, op: 'Sync', value: 0 },
  ]);
});

test('parseIoStatV2 turns io.stat into docker\'s read and write entries', () => {
  const r = parseIoStatV2('259:0 rbytes=4096 wbytes=1024 rios=1 wios=2 dbytes=0 dios=0\n');
  assert.deepEqual(r.serviceBytes, [{ major: 259, minor: 0, op: 'read', value: 4096 }, { major: 259, minor: 0, op: 'write', value: 1024 }]);
  assert.deepEqual(r.serviced, [{ major: 259, minor: 0, op: 'read', value: 1 }, { major: 259, minor: 0, op: 'write', value: 2 }]);
});

test('parseKeyValues reads memory.stat lines', () => {
  assert.deepEqual(parseKeyValues('cache 10\ntotal_inactive_file 4\nbogus x\n'), { cache: 10, total_inactive_file: 4 });
});

test('readCgroupStats reads a cgroup v1 layout and reads missing files as zero', async () => {
  const root = await mkdtemp(join(tmpdir(), 'berth-cg-'));
  try {
    const cg = '/berth/c1';
    const put = async (ctl: string, file: string, text: string) => {
      await mkdir(join(root, ctl, cg), { recursive: true });
      await writeFile(join(root, ctl, cg, file), text);
    };
    await put('cpuacct', 'cpuacct.usage', '123456789\n');
    await put('cpuacct', 'cpuacct.usage_percpu', '100 200 \n');
    await put('cpuacct', 'cpuacct.stat', 'user 5\nsystem 3\n');
    await put('memory', 'memory.usage_in_bytes', '4096\n');
    await put('memory', 'memory.limit_in_bytes', '67108864\n');
    await put('memory', 'memory.stat', 'total_inactive_file 1024\n');
    await put('pids', 'pids.current', '2\n');
    await put('pids', 'pids.max', 'max\n');
    const s = await readCgroupStats(cg, { root });
    assert.equal(s.cpu.total, 123456789);
    assert.deepEqual(s.cpu.percpu, [100, 200]);
    assert.equal(s.cpu.user, 50_000_000);
    assert.equal(s.cpu.kernel, 30_000_000);
    assert.equal(s.memory.usage, 4096);
    assert.equal(s.memory.limit, 67108864);
    assert.equal(s.memory.stats['total_inactive_file'], 1024);
    assert.deepEqual(s.pids, { current: 2, limit: 0 });
    assert.deepEqual(s.blkio.serviceBytes, []);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('oomKillCount reads oom_kill from a v1 memory.oom_control; undefined without the cgroup or the field', async () => {
  const root = await mkdtemp(join(tmpdir(), 'berth-cg-'));
  try {
    const dir = join(root, 'memory', 'berth', 'c1');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n');
    assert.equal(await oomKillCount('/berth/c1', { root }), 2);
    await writeFile(join(dir, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\n');
    assert.equal(await oomKillCount('/berth/c1', { root }), undefined);
    assert.equal(await oomKillCount('/berth/gone', { root }), undefined);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

// The /proc and filesystem collectors on this test process and a scratch
// directory (real kernel files, no cgroup needed).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectFilesystem, diskUsage } from './collect-fs.ts';
import { collectProcesses } from './collect-proc.ts';

const root = mkdtempSync(join(tmpdir(), 'cri-metrics-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('diskUsage counts allocated blocks, a hard-linked file once', async () => {
  const dir = join(root, 'upper');
  mkdirSync(join(dir, 'a'), { recursive: true });
  const before = await diskUsage(dir);
  writeFileSync(join(dir, 'a', 'f'), Buffer.alloc(256 * 1024, 1));
  const once = await diskUsage(dir);
  assert.ok(once - before >= 256n * 1024n, `${once} - ${before}`);
  linkSync(join(dir, 'a', 'f'), join(dir, 'g'));
  assert.equal(await diskUsage(dir), once);
});

test('collectFilesystem: usage of the layer, size and inodes of its filesystem', async () => {
  const dir = join(root, 'fs');
  mkdirSync(dir);
  writeFileSync(join(dir, 'x'), Buffer.alloc(64 * 1024, 1));
  const s = new Map((await collectFilesystem(dir)).map((m) => [m.name, m]));
  assert.ok(s.get('container_fs_usage_bytes')!.value >= 64n * 1024n);
  assert.ok(s.get('container_fs_limit_bytes')!.value > s.get('container_fs_usage_bytes')!.value);
  assert.ok(s.get('container_fs_inodes_total')!.value >= s.get('container_fs_inodes_free')!.value);
  assert.equal(s.get('container_fs_usage_bytes')!.extra!.length, 1);
});

test('collectProcesses counts the pids of a procs file, their fds and sockets, and reads ulimits', async () => {
  const procs = join(root, 'cgroup.procs');
  writeFileSync(procs, `${process.pid}\n`);
  const count = async () => new Map((await collectProcesses(procs, process.pid)).filter((s) => !s.extra).map((s) => [s.name, s.value]));
  const before = await count();
  assert.equal(before.get('container_processes'), 1n);
  assert.ok(before.get('container_threads')! >= 1n);
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const during = await count();
    assert.ok(during.get('container_sockets')! > before.get('container_sockets')!, 'a listening socket counts');
    assert.ok(during.get('container_file_descriptors')! > before.get('container_file_descriptors')!);
  } finally {
    await new Promise((r) => server.close(r));
  }
  const ulimits = (await collectProcesses(procs, process.pid)).filter((s) => s.name === 'container_ulimits_soft');
  assert.ok(ulimits.some((s) => s.extra?.[0] === 'max_open_files' && s.value > 0n));
});

test('collectProcesses leaves counts out when the cgroup is gone', async () => {
  assert.deepEqual(await collectProcesses(join(root, 'nope', 'cgroup.procs'), 0), []);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { backingFilesystem, fsName } from './backing-fs.ts';

test('fsName() gives dockerd\'s names for statfs magics', () => {
  assert.equal(fsName(0xef53), 'extfs');
  assert.equal(fsName(0x58465342), 'xfs');
  assert.equal(fsName(0x01021994), 'tmpfs');
  assert.equal(fsName(0x9123683e | 0), 'btrfs');
  assert.equal(fsName(0x1234), '<unknown>');
});

test('backingFilesystem() names what the kernel says is under the path (as stat -f)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-bfs-'));
  try {
    const magic = spawnSync('stat', ['-f', '-c', '%t', dir], { encoding: 'utf8' }).stdout.trim();
    assert.equal(await backingFilesystem(dir), fsName(parseInt(magic, 16)));
    assert.equal(await backingFilesystem('/proc'), '<unknown>');
    assert.equal(await backingFilesystem('/dev/shm'), 'tmpfs');
  } finally {
    await rm(dir, { recursive: true });
  }
});

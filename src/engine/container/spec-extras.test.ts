// Unit tests for the process user's groups from the image (imageGroups:
// docker's rule, the CRI's Merge and Strict) in a scratch rootfs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userWithImageGroups } from './spec-extras.ts';

function rootfs(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cri-rro-sgp-rootfs-'));
  mkdirSync(join(dir, 'etc'));
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\ndefault-user:x:1000:1000::/home/default-user:/bin/sh\n');
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\ndefault-user:x:1000:\ngroup-defined-in-image:x:50000:default-user\nother:x:60000:root\n');
  return dir;
}

test('imageGroups: docker\'s rule without it, merge and strict with it', async () => {
  const dir = rootfs();
  try {
    // docker (and runc): the user's /etc/group memberships only when no group is named.
    assert.deepEqual(await userWithImageGroups(dir, '1000', undefined), { uid: 1000, gid: 1000, additionalGids: [50000] });
    assert.deepEqual(await userWithImageGroups(dir, '1000:3000', undefined), { uid: 1000, gid: 3000, additionalGids: [] });
    // Merge (containerd's CRI): also with a group named.
    assert.deepEqual(await userWithImageGroups(dir, '1000', 'merge'), { uid: 1000, gid: 1000, additionalGids: [50000] });
    assert.deepEqual(await userWithImageGroups(dir, '1000:3000', 'merge'), { uid: 1000, gid: 3000, additionalGids: [50000] });
    assert.deepEqual(await userWithImageGroups(dir, 'default-user:3000', 'merge'), { uid: 1000, gid: 3000, additionalGids: [50000] });
    // Strict: never.
    assert.deepEqual(await userWithImageGroups(dir, '1000', 'strict'), { uid: 1000, gid: 1000, additionalGids: [] });
    assert.deepEqual(await userWithImageGroups(dir, '', 'strict'), { uid: 0, gid: 0, additionalGids: [] });
    assert.deepEqual(await userWithImageGroups(dir, '', 'merge'), { uid: 0, gid: 0, additionalGids: [60000] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

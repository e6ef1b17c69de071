// Unit tests for ContainerStatus.user from /proc/<pid>/status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { processUser, userFromProcStatus } from './process-user.ts';

const status = `Name:\tsleep
Umask:\t0022
State:\tS (sleeping)
Uid:\t1000\t1000\t1000\t1000
Gid:\t1000\t1000\t1000\t1000
FDSize:\t64
Groups:\t1000 1234 50000 
NStgid:\t1
`;

test('userFromProcStatus() reads the real uid and gid and every supplementary group', () => {
  assert.deepEqual(userFromProcStatus(status), { uid: '1000', gid: '1000', supplemental_groups: ['1000', '1234', '50000'] });
  assert.deepEqual(userFromProcStatus(status.replace('Groups:\t1000 1234 50000 ', 'Groups:\t')), { uid: '1000', gid: '1000', supplemental_groups: [] });
  assert.equal(userFromProcStatus('Name:\tx\n'), undefined);
});

test('processUser() of this process matches what the kernel says of it; a pid that is gone (or none) has no user', async () => {
  const own = await processUser(process.pid);
  assert.equal(own?.linux.uid, String(process.getuid?.()));
  assert.equal(own?.linux.gid, String(process.getgid?.()));
  const groups = /^Groups:(.*)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
  assert.deepEqual(own?.linux.supplemental_groups, groups);
  assert.equal(await processUser(0), undefined);
  assert.equal(await processUser(2 ** 22 + 12345), undefined);
});

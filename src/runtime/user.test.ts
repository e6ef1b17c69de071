// Unit tests for resolveUser() against a fake rootfs, including symlinks that try to leave it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, symlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveInRoot, resolveUser } from './user.ts';

let dir: string;
let rootfs: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-user-'));
  rootfs = join(dir, 'rootfs');
  await mkdir(join(rootfs, 'etc'), { recursive: true });
  await writeFile(
    join(rootfs, 'etc', 'passwd'),
    ['root:x:0:0:root:/root:/bin/sh', 'daemon:x:1:1:daemon:/usr/sbin:/bin/false', 'app:x:1000:1000::/home/app:/bin/sh', '# comment', ''].join('\n'),
  );
  await writeFile(join(rootfs, 'etc', 'group'), ['root:x:0:', 'wheel:x:10:root,app', 'app:x:1000:', 'staff:x:50:app', 'audio:x:29:daemon', ''].join('\n'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('resolveUser treats an empty user as root with root supplementary groups', async () => {
  assert.deepEqual(await resolveUser(rootfs, ''), { uid: 0, gid: 0, additionalGids: [10] });
  assert.deepEqual(await resolveUser(rootfs), { uid: 0, gid: 0, additionalGids: [10] });
});

test('resolveUser resolves a name to its uid, primary gid and groups', async () => {
  assert.deepEqual(await resolveUser(rootfs, 'app'), { uid: 1000, gid: 1000, additionalGids: [10, 50] });
});

test('resolveUser resolves a known uid like its name', async () => {
  assert.deepEqual(await resolveUser(rootfs, '1'), { uid: 1, gid: 1, additionalGids: [29] });
});

test('resolveUser accepts an unknown numeric uid with gid 0', async () => {
  assert.deepEqual(await resolveUser(rootfs, '4242'), { uid: 4242, gid: 0, additionalGids: [] });
});

test('resolveUser takes an explicit group by name or number and then adds no supplementary groups', async () => {
  assert.deepEqual(await resolveUser(rootfs, 'app:staff'), { uid: 1000, gid: 50, additionalGids: [] });
  assert.deepEqual(await resolveUser(rootfs, '1000:1000'), { uid: 1000, gid: 1000, additionalGids: [] });
  assert.deepEqual(await resolveUser(rootfs, '5000:6000'), { uid: 5000, gid: 6000, additionalGids: [] });
});

test('resolveUser fails with docker messages for unknown users and groups', async () => {
  await assert.rejects(resolveUser(rootfs, 'nosuch'), { message: 'unable to find user nosuch: no matching entries in passwd file' });
  await assert.rejects(resolveUser(rootfs, 'app:nogroup'), { message: 'unable to find group nogroup: no matching entries in group file' });
});

test('resolveUser works without /etc/passwd for numeric users only', async () => {
  const empty = join(dir, 'empty');
  await mkdir(empty, { recursive: true });
  assert.deepEqual(await resolveUser(empty, '1000:1000'), { uid: 1000, gid: 1000, additionalGids: [] });
  assert.deepEqual(await resolveUser(empty, ''), { uid: 0, gid: 0, additionalGids: [] });
  await assert.rejects(resolveUser(empty, 'app'), /unable to find user app/);
});

test('resolveUser follows symlinks inside the rootfs, never out of it', async () => {
  const evil = join(dir, 'evil');
  await mkdir(join(evil, 'etc'), { recursive: true });
  await mkdir(join(evil, 'real'), { recursive: true });
  // An absolute link and a ../ link both stay inside the rootfs.
  await symlink('/real/passwd', join(evil, 'etc', 'passwd'));
  await symlink('../../../../../../real/group', join(evil, 'etc', 'group'));
  await writeFile(join(evil, 'real', 'passwd'), 'svc:x:77:88::/:/bin/sh\n');
  await writeFile(join(evil, 'real', 'group'), 'grp:x:99:svc\n');
  assert.deepEqual(await resolveUser(evil, 'svc'), { uid: 77, gid: 88, additionalGids: [99] });
  // A link to the host's /etc/passwd resolves to the rootfs's own (missing) file.
  const escape = join(dir, 'escape');
  await mkdir(join(escape, 'etc'), { recursive: true });
  await symlink('../../../../../../../../etc/passwd-of-host', join(escape, 'etc', 'passwd'));
  await assert.rejects(resolveUser(escape, 'root'), /unable to find user root/);
  assert.equal(await resolveInRoot(escape, '/etc/passwd'), join(escape, 'etc', 'passwd-of-host'));
  // A link to itself is a loop, reported as such (and as a missing file by resolveUser).
  await symlink('/etc/group', join(escape, 'etc', 'group'));
  await assert.rejects(resolveInRoot(escape, '/etc/group'), /too many levels of symbolic links/);
  assert.equal(await resolveInRoot(evil, '/etc/group'), join(evil, 'real', 'group'));
});

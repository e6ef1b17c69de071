// Layer unpack as root: ownership, setuid bits, device nodes, fifos, xattrs and
// the OCI whiteout conversions (0:0 char device, trusted.overlay.opaque=y).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { makeTar, type FixtureEntry } from '../../src/image/tar-fixture.ts';
import { unpackLayer } from '../../src/image/unpack-layer.ts';

const skip = process.getuid?.() !== 0 ? 'needs root (chown, mknod, trusted xattrs)' : false;

async function withLayer(entries: FixtureEntry[], fn: (dir: string) => Promise<void>): Promise<void> {
  const base = await mkdtemp(join(tmpdir(), 'berth-unpack-root-'));
  try {
    const dir = join(base, 'fs');
    await mkdir(dir);
    await unpackLayer(Readable.from([await makeTar(entries)]), dir);
    await fn(dir);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

function getXattr(path: string, name: string): string | undefined {
  const r = spawnSync('/usr/bin/python3', ['-c', `import os,sys\ntry:\n  sys.stdout.write(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).decode())\nexcept OSError:\n  sys.exit(3)`, path, name]);
  return r.status === 0 ? r.stdout.toString() : undefined;
}

test('unpackLayer() keeps owners, setuid bits and modes as root', { skip }, async () => {
  await withLayer([
    { name: 'home/user/', type: 'directory', uid: 1000, gid: 1000, mode: 0o700 },
    { name: 'home/user/file', data: 'x', uid: 1000, gid: 100, mode: 0o640 },
    { name: 'bin/su', data: 'su', mode: 0o4755 },
    { name: 'link', type: 'symlink', linkname: 'bin/su', uid: 33, gid: 33 },
    { name: 'tmp/', type: 'directory', mode: 0o1777 },
  ], async (dir) => {
    const d = await stat(join(dir, 'home/user'));
    assert.deepEqual([d.uid, d.gid, d.mode & 0o7777], [1000, 1000, 0o700]);
    const f = await stat(join(dir, 'home/user/file'));
    assert.deepEqual([f.uid, f.gid, f.mode & 0o7777], [1000, 100, 0o640]);
    assert.equal((await stat(join(dir, 'bin/su'))).mode & 0o7777, 0o4755);
    const l = await lstat(join(dir, 'link'));
    assert.deepEqual([l.uid, l.gid], [33, 33]);
    assert.equal((await stat(join(dir, 'tmp'))).mode & 0o7777, 0o1777);
  });
});

test('unpackLayer() turns .wh.<name> into a 0:0 character device and .wh..wh..opq into an opaque dir', { skip }, async () => {
  await withLayer([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/.wh.motd', data: '' },
    { name: 'var/cache/.wh..wh..opq', data: '' },
    { name: 'var/cache/new', data: 'n' },
    { name: '.wh.toplevel', data: '' },
  ], async (dir) => {
    const w = await lstat(join(dir, 'etc/motd'));
    assert.ok(w.isCharacterDevice());
    assert.equal(w.rdev, 0);
    await assert.rejects(lstat(join(dir, 'etc/.wh.motd')));
    assert.ok((await lstat(join(dir, 'toplevel'))).isCharacterDevice());
    assert.equal(getXattr(join(dir, 'var/cache'), 'trusted.overlay.opaque'), 'y');
    await assert.rejects(lstat(join(dir, 'var/cache/.wh..wh..opq')));
  });
});

test('unpackLayer() creates device nodes and fifos, and restores xattrs from PAX records', { skip }, async () => {
  await withLayer([
    { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
    { name: 'dev/loop9', type: 'block-device', devmajor: 7, devminor: 9, mode: 0o660 },
    { name: 'run/fifo', type: 'fifo', mode: 0o600 },
    { name: 'bin/tool', data: 'x', pax: { 'SCHILY.xattr.user.berth': 'hello' } },
  ], async (dir) => {
    const n = await lstat(join(dir, 'dev/null'));
    assert.ok(n.isCharacterDevice());
    assert.equal(n.rdev, (1 << 8) | 3);
    assert.equal(n.mode & 0o777, 0o666);
    assert.ok((await lstat(join(dir, 'dev/loop9'))).isBlockDevice());
    assert.ok((await lstat(join(dir, 'run/fifo'))).isFIFO());
    assert.equal(getXattr(join(dir, 'bin/tool'), 'user.berth'), 'hello');
  });
});

test('unpackLayer() does not let PAX records set overlayfs attributes; .wh..wh..opq still makes a dir opaque', { skip }, async () => {
  await withLayer([
    { name: 'hidden/', type: 'directory', pax: { 'SCHILY.xattr.trusted.overlay.opaque': 'y' } },
    { name: 'moved/', type: 'directory', pax: { 'SCHILY.xattr.trusted.overlay.redirect': '/etc', 'SCHILY.xattr.user.overlay.opaque': 'y' } },
    { name: 'bin/tool', data: 'x', pax: { 'SCHILY.xattr.trusted.overlay.metacopy': '', 'SCHILY.xattr.trusted.overlay.origin': 'zz', 'SCHILY.xattr.user.berth': 'kept', 'SCHILY.xattr.trusted.berth': 'kept too' } },
    { name: 'var/cache/.wh..wh..opq', data: '' },
  ], async (dir) => {
    assert.equal(getXattr(join(dir, 'hidden'), 'trusted.overlay.opaque'), undefined);
    assert.equal(getXattr(join(dir, 'moved'), 'trusted.overlay.redirect'), undefined);
    assert.equal(getXattr(join(dir, 'moved'), 'user.overlay.opaque'), undefined);
    assert.equal(getXattr(join(dir, 'bin/tool'), 'trusted.overlay.metacopy'), undefined);
    assert.equal(getXattr(join(dir, 'bin/tool'), 'trusted.overlay.origin'), undefined);
    // Other xattrs are still set, and the OCI opaque marker still becomes overlayfs' own.
    assert.equal(getXattr(join(dir, 'bin/tool'), 'user.berth'), 'kept');
    assert.equal(getXattr(join(dir, 'bin/tool'), 'trusted.berth'), 'kept too');
    assert.equal(getXattr(join(dir, 'var/cache'), 'trusted.overlay.opaque'), 'y');
  });
});

test('unpackLayer() refuses xattrs Linux cannot hold before keeping them, and a layer whose xattrs would not fit in memory', { skip }, async () => {
  const big = 'v'.repeat(65536 + 1);
  await assert.rejects(withLayer([{ name: 'f', data: 'x', pax: { 'SCHILY.xattr.user.big': big } }], async () => undefined), /f: extended attribute user\.big is 65537 bytes, more than 65536/);
  // 1100 files with 60 KiB each: 64 MiB and more.
  const value = 'w'.repeat(60 * 1024);
  const entries: FixtureEntry[] = Array.from({ length: 1100 }, (_, i) => ({ name: `f${i}`, data: '', pax: { 'SCHILY.xattr.user.fill': value } }));
  await assert.rejects(withLayer(entries, async () => undefined), /extended attributes take more than 64 MiB/);
});

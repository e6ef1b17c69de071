// initLayerOps, made by fsBatch in an upper as prepareRootfs makes them:
// docker's init layer entries in a new writable layer, and an entry already
// there replaced (a link is replaced, never followed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fsBatch } from '../../lib/index.ts';
import { initLayerOps, initLayerSize } from './init-layer.ts';

/** The init layer's ops made in `upper`. */
const writeInitLayer = (upper: string) => fsBatch(initLayerOps().map((o) => ({ ...o, path: join(upper, o.path) })));

test('the init layer makes the mount points, the empty files and /etc/mtab', async () => {
  const upper = await mkdtemp(join(tmpdir(), 'berth-initlayer-'));
  try {
    await writeInitLayer(upper);
    for (const d of ['dev/pts', 'dev/shm', 'proc', 'sys']) assert.ok((await lstat(join(upper, d))).isDirectory(), d);
    for (const f of ['.dockerenv', 'etc/resolv.conf', 'etc/hosts', 'etc/hostname', 'dev/console']) {
      const st = await lstat(join(upper, f));
      assert.ok(st.isFile() && st.size === 0, f);
    }
    assert.equal(await readlink(join(upper, 'etc/mtab')), '/proc/mounts');
    assert.equal(await initLayerSize(upper), '/proc/mounts'.length);
  } finally {
    await rm(upper, { recursive: true, force: true });
  }
});

test('the init layer replaces what is already there without following links', async () => {
  const upper = await mkdtemp(join(tmpdir(), 'berth-initlayer-'));
  const outside = join(upper, 'outside');
  try {
    await writeFile(outside, 'keep');
    await mkdir(join(upper, 'etc'));
    await symlink(outside, join(upper, 'etc/hosts'));
    await writeFile(join(upper, 'etc/hostname'), 'old');
    await symlink('/elsewhere', join(upper, 'etc/mtab'));
    await writeInitLayer(upper);
    assert.equal(await readFile(outside, 'utf8'), 'keep');
    assert.ok((await lstat(join(upper, 'etc/hosts'))).isFile());
    assert.equal((await lstat(join(upper, 'etc/hostname'))).size, 0);
    assert.equal(await readlink(join(upper, 'etc/mtab')), '/proc/mounts');
  } finally {
    await rm(upper, { recursive: true, force: true });
  }
});

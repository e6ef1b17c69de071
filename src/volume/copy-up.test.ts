import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyUp, resolveInRoot } from './copy-up.ts';

test('resolveInRoot() keeps absolute and climbing symlinks inside the root', async () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-copyup-'));
  try {
    mkdirSync(join(root, 'real', 'data'), { recursive: true });
    symlinkSync('/etc', join(root, 'abs'));
    symlinkSync('../../../../real', join(root, 'up'));
    symlinkSync('real', join(root, 'rel'));
    assert.equal(await resolveInRoot(root, '/abs/x'), join(root, 'etc', 'x'));
    assert.equal(await resolveInRoot(root, '/up/data'), join(root, 'real', 'data'));
    assert.equal(await resolveInRoot(root, '/rel/data/'), join(root, 'real', 'data'));
    assert.equal(await resolveInRoot(root, '/../../real'), join(root, 'real'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/** A rootfs with /data holding a.txt and sub/b.txt (the directory mode 0750), and an empty volume dir. */
function fixture(): { root: string; rootfs: string; volume: string } {
  const root = mkdtempSync(join(tmpdir(), 'berth-copyup-'));
  const rootfs = join(root, 'rootfs');
  mkdirSync(join(rootfs, 'data', 'sub'), { recursive: true });
  writeFileSync(join(rootfs, 'data', 'a.txt'), 'a');
  writeFileSync(join(rootfs, 'data', 'sub', 'b.txt'), 'b');
  chmodSync(join(rootfs, 'data'), 0o750);
  const volume = join(root, 'volume');
  mkdirSync(volume);
  return { root, rootfs, volume };
}

test('copyUp() fills an empty volume with the image content and the directory\'s mode, and leaves a filled one alone', async () => {
  const { root, rootfs, volume } = fixture();
  try {
    assert.equal(await copyUp(rootfs, '/data', volume), true);
    assert.deepEqual(readdirSync(volume).sort(), ['a.txt', 'sub']);
    assert.deepEqual(readdirSync(join(volume, 'sub')), ['b.txt']);
    assert.equal(statSync(volume).mode & 0o7777, 0o750);
    writeFileSync(join(rootfs, 'data', 'c.txt'), 'c');
    assert.equal(await copyUp(rootfs, '/data', volume), false);
    assert.deepEqual(readdirSync(volume).sort(), ['a.txt', 'sub']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('copyUp() drops a copy a crash cut short and copies afresh', async () => {
  const { root, rootfs, volume } = fixture();
  try {
    mkdirSync(join(volume, '.berth-copy-up.partial'));
    writeFileSync(join(volume, '.berth-copy-up.partial', 'a.txt'), 'half');
    assert.equal(await copyUp(rootfs, '/data', volume), true);
    assert.deepEqual(readdirSync(volume).sort(), ['a.txt', 'sub']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('copyUp() finishes a complete copy a crash interrupted while moving it up', async () => {
  const { root, rootfs, volume } = fixture();
  try {
    // The crash came after a.txt was moved up; sub/ is still in the complete staging directory.
    const done = join(volume, '.berth-copy-up.done');
    mkdirSync(join(done, 'sub'), { recursive: true });
    writeFileSync(join(done, 'sub', 'b.txt'), 'b');
    chmodSync(done, 0o750);
    writeFileSync(join(volume, 'a.txt'), 'a');
    assert.equal(await copyUp(rootfs, '/data', volume), true);
    assert.deepEqual(readdirSync(volume).sort(), ['a.txt', 'sub']);
    assert.equal(statSync(volume).mode & 0o7777, 0o750);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

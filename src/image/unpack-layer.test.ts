// Unit tests of layer unpack path safety (no root needed: ownership is kept only as root).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, readlink, rm, stat, lstat, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { isInvalidArgument } from '../core/errors.ts';
import { sha256 } from '../core/digest.ts';
import { makeTar, type FixtureEntry } from './tar-fixture.ts';
import { cleanComponents, unpackLayer } from './unpack-layer.ts';

async function withDirs(fn: (base: string, dir: string) => Promise<void>): Promise<void> {
  const base = await mkdtemp(join(tmpdir(), 'berth-unpack-'));
  try {
    const dir = join(base, 'layer');
    await mkdir(dir);
    await fn(base, dir);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

async function unpack(entries: FixtureEntry[], dir: string) {
  return unpackLayer(Readable.from([await makeTar(entries)]), dir);
}

test('cleanComponents() drops "." and empty parts and resolves ".." inside the root', () => {
  assert.deepEqual(cleanComponents('./a//b/./c'), ['a', 'b', 'c']);
  assert.deepEqual(cleanComponents('/etc/passwd'), ['etc', 'passwd']);
  assert.deepEqual(cleanComponents('a/../b'), ['b']);
  assert.throws(() => cleanComponents('../x'), isInvalidArgument);
  assert.throws(() => cleanComponents('a/../../x'), isInvalidArgument);
});

test('unpackLayer() writes files, dirs, symlinks and hardlinks and returns the diff id of the tar', async () => {
  await withDirs(async (_, dir) => {
    const mtime = new Date('2020-01-02T03:04:05Z');
    const entries: FixtureEntry[] = [
      { name: 'bin/', type: 'directory', mode: 0o750, mtime },
      { name: 'bin/tool', data: 'hello', mode: 0o755, mtime },
      { name: 'bin/alias', type: 'symlink', linkname: 'tool' },
      { name: 'bin/hard', type: 'link', linkname: 'bin/tool' },
      { name: 'deep/er/file', data: 'x' },
    ];
    const bytes = await makeTar(entries);
    const r = await unpackLayer(Readable.from([bytes]), dir);
    assert.equal(r.diffId, sha256(bytes));
    assert.equal(r.tarSize, bytes.length);
    assert.equal(r.size, 5 + 4 + 1);
    assert.equal(await readFile(join(dir, 'bin/tool'), 'utf8'), 'hello');
    assert.equal((await stat(join(dir, 'bin/tool'))).mode & 0o7777, 0o755);
    assert.equal((await stat(join(dir, 'bin'))).mode & 0o7777, 0o750);
    assert.equal((await stat(join(dir, 'bin'))).mtime.getTime(), mtime.getTime());
    assert.equal(await readlink(join(dir, 'bin/alias')), 'tool');
    assert.equal((await stat(join(dir, 'bin/hard'))).ino, (await stat(join(dir, 'bin/tool'))).ino);
    assert.equal(await readFile(join(dir, 'deep/er/file'), 'utf8'), 'x');
  });
});

test('unpackLayer() rejects an entry that climbs out with ".."', async () => {
  await withDirs(async (base, dir) => {
    await assert.rejects(unpack([{ name: '../escaped', data: 'x' }], dir), isInvalidArgument);
    await assert.rejects(unpack([{ name: 'a/../../escaped', data: 'x' }], dir), isInvalidArgument);
    assert.deepEqual((await readdir(base)).sort(), ['layer']);
  });
});

test('unpackLayer() puts absolute names inside the layer, not on the host', async () => {
  await withDirs(async (base, dir) => {
    await unpack([{ name: join(base, 'abs-target'), data: 'x' }], dir);
    await assert.rejects(stat(join(base, 'abs-target')));
    assert.equal(await readFile(join(dir, base, 'abs-target'), 'utf8'), 'x');
  });
});

test('unpackLayer() refuses to write through a symlinked parent directory', async () => {
  await withDirs(async (base, dir) => {
    await assert.rejects(unpack([{ name: 'a', type: 'symlink', linkname: '/' }, { name: 'a/x', data: 'x' }], dir), isInvalidArgument);
    await assert.rejects(unpack([{ name: 'b', type: 'symlink', linkname: base }, { name: 'b/escaped', data: 'x' }], dir), isInvalidArgument);
    await assert.rejects(stat(join(base, 'escaped')));
    await assert.rejects(stat('/x'));
  });
});

test('unpackLayer() rejects hardlinks to files outside the layer', async () => {
  await withDirs(async (base, dir) => {
    await assert.rejects(unpack([{ name: 'passwd', type: 'link', linkname: '../../etc/passwd' }], dir), isInvalidArgument);
    // An absolute link name means the layer's own /etc/passwd, which is absent here.
    await assert.rejects(unpack([{ name: 'passwd2', type: 'link', linkname: '/etc/passwd' }], dir), isInvalidArgument);
    // A hardlink through a symlinked parent would reach the host.
    await assert.rejects(unpack([{ name: 'h', type: 'symlink', linkname: '/etc' }, { name: 'p3', type: 'link', linkname: 'h/passwd' }], dir), isInvalidArgument);
    await assert.rejects(lstat(join(dir, 'passwd')));
    await assert.rejects(lstat(join(dir, 'p3')));
    assert.ok(base);
  });
});

test('unpackLayer() replaces an earlier entry of the same name, and a later directory keeps earlier contents', async () => {
  await withDirs(async (_, dir) => {
    await unpack([
      { name: 'f', data: 'old' },
      { name: 'f', data: 'new' },
      { name: 'd/', type: 'directory' },
      { name: 'd/a', data: 'a' },
      { name: 'd/', type: 'directory', mode: 0o700 },
      { name: 'l', type: 'symlink', linkname: 'x' },
      { name: 'l', data: 'file now' },
    ], dir);
    assert.equal(await readFile(join(dir, 'f'), 'utf8'), 'new');
    assert.equal(await readFile(join(dir, 'd/a'), 'utf8'), 'a');
    assert.equal((await stat(join(dir, 'd'))).mode & 0o7777, 0o700, 'the later entry\'s mode wins');
    assert.equal(await readFile(join(dir, 'l'), 'utf8'), 'file now');
  });
});

test('unpackLayer() rejects whiteouts that would name the directory itself or its parent', async () => {
  await withDirs(async (base, dir) => {
    await mkdir(join(base, 'sibling'));
    for (const name of ['.wh..', '.wh...', 'sub/.wh...', '.wh.']) {
      await assert.rejects(unpack([{ name, data: '' }], dir), isInvalidArgument, name);
    }
    await stat(join(base, 'sibling'));
    await stat(dir);
  });
});

test('unpackLayer() rejects a truncated tar', async () => {
  await withDirs(async (_, dir) => {
    const bytes = await makeTar([{ name: 'big', data: Buffer.alloc(10000, 1) }]);
    await assert.rejects(unpackLayer(Readable.from([bytes.subarray(0, 3000)]), dir), isInvalidArgument);
  });
});

test('unpackLayer() writes many files of many sizes and modes, across writer-thread batches, exactly (twice: reused batch buffers hold nothing of the first)', async () => {
  // The second round's bytes differ: a batch buffer reused from the first must not leak its old bytes.
  for (const shift of [0, 7]) await withDirs(async (_, dir) => {
    const entries: FixtureEntry[] = [{ name: 'd/', type: 'directory' }];
    const modes = [0o644, 0o755, 0o600, 0o444, 0o777, 0o640];
    const sizes = [0, 1, 511, 512, 513, 70_000, 900_000, 1_500_000, 5_000_000];
    for (let i = 0; i < 200; i++) {
      const size = sizes[i % sizes.length] as number;
      entries.push({ name: `d/f${i}`, data: Buffer.alloc(size, (i + shift) % 251), mode: modes[i % modes.length] as number });
    }
    entries.push({ name: 'd/hard', type: 'link', linkname: 'd/f199' });
    entries.push({ name: 'd/f3', data: 'replaced' });
    const bytes = await makeTar(entries);
    // Small pieces, as a network delivers them.
    const pieces: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 65_536) pieces.push(bytes.subarray(i, i + 65_536));
    const r = await unpackLayer(Readable.from(pieces), dir);
    assert.equal(r.diffId, sha256(bytes));
    for (let i = 0; i < 200; i++) {
      const path = join(dir, 'd', `f${i}`);
      if (i === 3) continue;
      const content = await readFile(path);
      assert.equal(content.length, sizes[i % sizes.length], `f${i}`);
      assert.ok(content.every((b) => b === (i + shift) % 251), `f${i} content`);
      assert.equal((await stat(path)).mode & 0o7777, modes[i % modes.length], `f${i} mode`);
    }
    assert.equal(await readFile(join(dir, 'd', 'f3'), 'utf8'), 'replaced');
    assert.equal((await stat(join(dir, 'd', 'hard'))).ino, (await stat(join(dir, 'd', 'f199'))).ino);
  });
});

test('unpackLayer() links each hardlink to its target while the writer threads still owe files (the reader waits, not the thread)', async () => {
  await withDirs(async (_, dir) => {
    const entries: FixtureEntry[] = [];
    for (let i = 0; i < 120; i++) {
      entries.push({ name: `f${i}`, data: Buffer.alloc(3000 + i, i % 251) });
      // Right after its target: the target is most likely still with a writer thread.
      if (i % 3 === 0) entries.push({ name: `h${i}`, type: 'link', linkname: `f${i}` });
    }
    const bytes = await makeTar(entries);
    const pieces: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 4096) pieces.push(bytes.subarray(i, i + 4096));
    const r = await unpackLayer(Readable.from(pieces), dir);
    assert.equal(r.diffId, sha256(bytes));
    for (let i = 0; i < 120; i += 3) {
      const link = await stat(join(dir, `h${i}`));
      assert.equal(link.ino, (await stat(join(dir, `f${i}`))).ino, `h${i}`);
      const content = await readFile(join(dir, `h${i}`));
      assert.equal(content.length, 3000 + i);
      assert.ok(content.every((b) => b === i % 251), `h${i} content`);
    }
  });
});

test('unpackLayer() lets the event loop run between 64 KiB slices of a big chunk (as the gunzip tool hands over 1 MiB), and writes it exactly', async () => {
  await withDirs(async (_, dir) => {
    const entries: FixtureEntry[] = [];
    for (let i = 0; i < 64; i++) entries.push({ name: `d${i}/`, type: 'directory' }, { name: `d${i}/f`, data: Buffer.alloc(30_000 + i, i) });
    const bytes = await makeTar(entries);
    // A ticker that runs once per turn of the event loop while the unpack goes on.
    let ticks = 0;
    let ticking = true;
    const tick = () => {
      ticks++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    let turnsDuringChunk = -1;
    async function* oneChunk() {
      const before = ticks;
      yield bytes;
      // Asked for the next chunk: this one is done with.
      turnsDuringChunk = ticks - before;
    }
    let r;
    try {
      r = await unpackLayer(oneChunk(), dir);
    } finally {
      ticking = false;
    }
    assert.equal(r.diffId, sha256(bytes));
    const slices = Math.ceil(bytes.length / 65_536);
    assert.ok(slices >= 30, `the tar is ${bytes.length} bytes`);
    assert.ok(turnsDuringChunk >= slices - 2, `the event loop turned ${turnsDuringChunk} times during one chunk of ${slices} slices`);
    for (let i = 0; i < 64; i++) {
      const content = await readFile(join(dir, `d${i}`, 'f'));
      assert.equal(content.length, 30_000 + i);
      assert.ok(content.every((b) => b === i), `d${i}/f content`);
    }
  });
});

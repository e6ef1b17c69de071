// Unit tests of background positional writes: the file holds the chunks in order; a failure surfaces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackgroundWrites } from './background-writes.ts';

test('BackgroundWrites appends the chunks in order while several are in flight', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-bgw-'));
  try {
    const path = join(dir, 'f');
    const fd = openSync(path, 'wx');
    const w = new BackgroundWrites(fd);
    const chunks = Array.from({ length: 200 }, (_, i) => randomBytes((i * 7919) % 70_000));
    for (const c of chunks) {
      w.write(c);
      if (w.pendingBytes > 1 << 20) await w.below(256 << 10);
    }
    await w.settle();
    assert.equal(w.pendingBytes, 0);
    closeSync(fd);
    assert.deepEqual(readFileSync(path), Buffer.concat(chunks));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('BackgroundWrites reports a failed write from settle() and refuses more', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-bgw-'));
  try {
    const path = join(dir, 'f');
    writeFileSync(path, '');
    const fd = openSync(path, 'r'); // not writable: every write fails with EBADF
    const w = new BackgroundWrites(fd);
    w.write(Buffer.from('data'));
    await assert.rejects(w.settle(), (err: NodeJS.ErrnoException) => err.code === 'EBADF');
    assert.throws(() => w.write(Buffer.from('more')), (err: NodeJS.ErrnoException) => err.code === 'EBADF');
    closeSync(fd);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

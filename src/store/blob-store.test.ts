// Unit tests of the blob store: verified, atomic ingest and crash leftovers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { sha256 } from '../core/digest.ts';
import { isInvalidArgument, isNotFound } from '../core/errors.ts';
import { openBlobStore } from './blob-store.ts';

async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'berth-blobs-'));
  try {
    await fn(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test('ingest() stores a blob under blobs/sha256/<hex> and reads it back', async () => {
  await withRoot(async (root) => {
    const blobs = await openBlobStore(root);
    const data = Buffer.from('hello blob');
    const { digest, size } = await blobs.ingest(Readable.from([data.subarray(0, 3), data.subarray(3)]), { digest: sha256(data), size: data.length });
    assert.equal(digest, sha256(data));
    assert.equal(size, data.length);
    assert.equal(blobs.path(digest), join(root, 'blobs', 'sha256', digest.slice(7)));
    assert.ok(await blobs.has(digest));
    assert.equal(await blobs.size(digest), data.length);
    assert.deepEqual(await blobs.read(digest), data);
    const chunks: Buffer[] = [];
    for await (const c of blobs.stream(digest)) chunks.push(c as Buffer);
    assert.deepEqual(Buffer.concat(chunks), data);
    assert.deepEqual(await blobs.list(), [digest]);
    await blobs.delete(digest);
    await blobs.delete(digest);
    assert.equal(await blobs.has(digest), false);
  });
});

test('ingest() rejects a digest mismatch, names the expected digest, and leaves nothing behind', async () => {
  await withRoot(async (root) => {
    const blobs = await openBlobStore(root);
    const expected = sha256('something else');
    await assert.rejects(blobs.put('actual content', { digest: expected }), (err) => isInvalidArgument(err) && err.message.includes(expected));
    assert.deepEqual(await blobs.list(), []);
    assert.deepEqual(await readdir(join(root, 'ingest')), []);
    assert.equal(await blobs.has(sha256('actual content')), false);
  });
});

test('ingest() rejects a size mismatch', async () => {
  await withRoot(async (root) => {
    const blobs = await openBlobStore(root);
    await assert.rejects(blobs.ingest(Readable.from([Buffer.from('abc')]), { size: 4 }), isInvalidArgument);
    assert.deepEqual(await blobs.list(), []);
  });
});

test('ingest() leaves nothing visible when its source fails midway', async () => {
  await withRoot(async (root) => {
    const blobs = await openBlobStore(root);
    async function* failing() {
      yield Buffer.from('partial');
      throw new Error('connection reset');
    }
    await assert.rejects(blobs.ingest(failing()), /connection reset/);
    assert.deepEqual(await blobs.list(), []);
    assert.deepEqual(await readdir(join(root, 'ingest')), []);
  });
});

test('openBlobStore() drops temp files of ingests interrupted by a crash', async () => {
  await withRoot(async (root) => {
    await openBlobStore(root);
    await writeFile(join(root, 'ingest', 'dead.tmp'), 'half');
    const blobs = await openBlobStore(root);
    assert.deepEqual(await readdir(join(root, 'ingest')), []);
    assert.deepEqual(await blobs.list(), []);
  });
});

test('read(), size() and stream() throw NotFound for a missing blob', async () => {
  await withRoot(async (root) => {
    const blobs = await openBlobStore(root);
    const d = sha256('missing');
    await assert.rejects(blobs.read(d), isNotFound);
    await assert.rejects(blobs.size(d), isNotFound);
    await assert.rejects(async () => {
      for await (const _ of blobs.stream(d)) void _;
    }, isNotFound);
  });
});

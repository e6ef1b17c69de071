// Unit tests of image removal and garbage collection over real stores in a
// temp dir (images without layers, so no overlay is needed): leases hold
// blobs that no record names yet, and a removal leaves exactly what gc keeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { sha256 } from '../core/digest.ts';
import { log, setLogSink } from '../lib/logger.ts';
import { openBlobStore, openMetadataStore, openSnapshotter, type BlobStore, type MetadataStore } from '../store/index.ts';
import { createImageStore, type LocalImageStore } from './image-store.ts';
import type { OciImageConfig } from './types.ts';

setLogSink(() => {});

async function withStore(fn: (s: { store: LocalImageStore; blobs: BlobStore; meta: MetadataStore }) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'berth-gc-'));
  const meta = openMetadataStore(join(root, 'berth.db'));
  try {
    const blobs = await openBlobStore(root);
    const store = await createImageStore({ blobs, meta, snapshotter: await openSnapshotter(root), log });
    await fn({ store, blobs, meta });
  } finally {
    meta.close();
    await rm(root, { recursive: true, force: true });
  }
}

const emptyConfig = (label: string): OciImageConfig => ({ architecture: 'amd64', os: 'linux', config: { Labels: { label } }, rootfs: { type: 'layers', diff_ids: [] } });

test('gc() keeps a blob ingested under a lease until the lease is released', async () => {
  await withStore(async ({ store, blobs }) => {
    const lease = blobs.lease();
    const { digest } = await blobs.ingest(Readable.from([Buffer.from('a layer a build just wrote')]), { lease });
    assert.equal(blobs.isLeased(digest), true);
    assert.deepEqual((await store.gc()).blobs, []);
    assert.equal(await blobs.has(digest), true);
    lease.release();
    lease.release();
    assert.equal(blobs.isLeased(digest), false);
    assert.deepEqual((await store.gc()).blobs, [digest]);
    assert.equal(await blobs.has(digest), false);
  });
});

test('two leases on one blob hold it until both are released', async () => {
  await withStore(async ({ blobs }) => {
    const d = sha256('x');
    const a = blobs.lease([d]);
    const b = blobs.lease([d]);
    a.release();
    assert.equal(blobs.isLeased(d), true);
    b.release();
    assert.equal(blobs.isLeased(d), false);
  });
});

test('delete() leaves what gc() would keep: a pushed manifest goes with its RepoDigest, a superseded layer blob goes', async () => {
  await withStore(async ({ store, blobs, meta }) => {
    const keep = await store.create(emptyConfig('keep'), [], { ref: 'keep:latest' });
    const gone = await store.create(emptyConfig('gone'), [], { ref: 'gone:latest' });
    // What a push leaves: the manifest it sent, named by a RepoDigest.
    const manifest = await blobs.put('{"pushed":"manifest"}');
    await store.tag(gone.id, `127.0.0.1:5000/gone@${manifest.digest}`);
    // A layer row (of no image) whose blob a push replaced by its gzip: the plain blob is garbage at once.
    const plain = await blobs.put('plain layer tar');
    const gz = await blobs.put('gzip of it');
    meta.putLayer({ chainId: sha256('chain'), diffId: plain.digest, parent: null, size: 15, blobDigest: plain.digest, blobMediaType: 'application/vnd.oci.image.layer.v1.tar' });
    await store.setLayerBlob(sha256('chain'), gz.digest, 'application/vnd.docker.image.rootfs.diff.tar.gzip');
    assert.equal(await blobs.has(plain.digest), false, 'the replaced blob is still there');
    assert.equal(await blobs.has(manifest.digest), true, 'the RepoDigest manifest went while its tag is there');
    await store.delete(gone.id);
    const left = new Set(await blobs.list());
    assert.equal(left.has(manifest.digest), false, 'the pushed manifest outlived its image');
    assert.equal(left.has(gone.id), false);
    assert.equal(left.has(keep.id), true);
    // The row of no image went with the sweep, and its blob with it: what a start-up gc would find is nothing.
    assert.deepEqual(await store.gc(), { layers: [], blobs: [] });
    assert.deepEqual([...left].sort(), [keep.id].sort());
  });
});

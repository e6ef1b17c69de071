// Unit tests of the SQLite metadata store: round trips, transactions, WAL, schema version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '../core/digest.ts';
import { openMetadataStore, schemaVersion } from './metadata-store.ts';

async function withDb(fn: (path: string) => Promise<void> | void): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-meta-'));
  try {
    await fn(join(dir, 'berth.db'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const img = sha256('config');
const img2 = sha256('config2');
const layer = sha256('layer');

test('the metadata store round-trips images, tags, layers, containers and settings across reopen', async () => {
  await withDb((path) => {
    const m = openMetadataStore(path);
    m.putImage({ id: img, size: 10, created: '2020-01-01T00:00:00Z', addedAt: '2024-01-01T00:00:00Z' });
    m.putImage({ id: img2, manifestDigest: layer, size: 0, created: 'c', addedAt: 'a' });
    m.setTag('docker.io/library/busybox:latest', img);
    m.setTag('docker.io/library/busybox@' + layer, img);
    m.putLayer({ chainId: layer, diffId: layer, parent: null, size: 5, blobDigest: layer, blobMediaType: 'application/vnd.oci.image.layer.v1.tar' });
    m.putContainer({ id: 'c1', name: 'web', json: '{"a":1}' });
    m.setSetting('k', 'v');
    m.close();

    const r = openMetadataStore(path);
    assert.deepEqual(r.getImage(img), { id: img, size: 10, created: '2020-01-01T00:00:00Z', addedAt: '2024-01-01T00:00:00Z' });
    assert.equal(r.getImage(img2)?.manifestDigest, layer);
    assert.equal(r.listImages().length, 2);
    assert.equal(r.resolveTag('docker.io/library/busybox:latest'), img);
    assert.deepEqual(r.tagsOf(img).sort(), ['docker.io/library/busybox:latest', 'docker.io/library/busybox@' + layer].sort());
    assert.equal(r.listTags().length, 2);
    assert.deepEqual(r.getLayer(layer), { chainId: layer, diffId: layer, parent: null, size: 5, blobDigest: layer, blobMediaType: 'application/vnd.oci.image.layer.v1.tar' });
    assert.deepEqual(r.getContainer('c1'), { id: 'c1', name: 'web', json: '{"a":1}' });
    assert.equal(r.listContainers().length, 1);
    assert.equal(r.getSetting('k'), 'v');
    assert.equal(r.getSetting('schema_version'), String(schemaVersion));

    r.setTag('docker.io/library/busybox:latest', img2);
    assert.equal(r.resolveTag('docker.io/library/busybox:latest'), img2);
    r.removeTag('docker.io/library/busybox:latest');
    assert.equal(r.resolveTag('docker.io/library/busybox:latest'), undefined);
    r.deleteImage(img);
    r.deleteLayer(layer);
    r.deleteContainer('c1');
    assert.equal(r.getImage(img), undefined);
    assert.equal(r.getLayer(layer), undefined);
    assert.equal(r.getContainer('c1'), undefined);
    r.close();
  });
});

test('transaction() rolls back every change when its function throws', async () => {
  await withDb((path) => {
    const m = openMetadataStore(path);
    assert.throws(() =>
      m.transaction(() => {
        m.putImage({ id: img, size: 1, created: 'c', addedAt: 'a' });
        m.setTag('docker.io/library/x:latest', img);
        throw new Error('crash in the middle');
      }),
    /crash in the middle/);
    assert.equal(m.getImage(img), undefined);
    assert.equal(m.resolveTag('docker.io/library/x:latest'), undefined);
    assert.equal(m.transaction(() => 42), 42);
    m.close();
  });
});

test('openMetadataStore() uses WAL mode', async () => {
  await withDb(async (path) => {
    openMetadataStore(path).close();
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(path, { readonly: true });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('user_version', { simple: true }), schemaVersion);
    db.close();
  });
});

test('a container record written without fsync is committed at once: another connection reads it, and deleting it so is too', async () => {
  await withDb((path) => {
    const m = openMetadataStore(path);
    m.putContainer({ id: 'c1', name: 'web', json: '{"s":"running"}' }, { durable: false });
    const other = openMetadataStore(path);
    assert.deepEqual(other.getContainer('c1'), { id: 'c1', name: 'web', json: '{"s":"running"}' });
    m.putContainer({ id: 'c1', name: 'web', json: '{"s":"dead"}' });
    assert.equal(other.getContainer('c1')?.json, '{"s":"dead"}');
    m.deleteContainer('c1', { durable: false });
    assert.equal(other.getContainer('c1'), undefined);
    other.close();
    m.close();
  });
});

test('putContainerDurably commits at once, and many at once all become durable (they share the WAL fsyncs)', async () => {
  await withDb(async (path) => {
    const m = openMetadataStore(path);
    const rows = Array.from({ length: 30 }, (_, i) => ({ id: `c${i}`, name: `n${i}`, json: JSON.stringify({ i }) }));
    const pending = rows.map((r) => m.putContainerDurably(r));
    // Committed before any fsync: a reader (and a process crash) already sees them.
    assert.equal(m.listContainers().length, 30);
    await Promise.all(pending);
    await m.putContainerDurably({ id: 'c0', name: 'renamed', json: '{}' });
    assert.equal(m.getContainer('c0')?.name, 'renamed');
    m.close();
    const again = openMetadataStore(path);
    assert.equal(again.listContainers().length, 30);
    assert.equal(again.getContainer('c0')?.name, 'renamed');
    again.close();
  });
});

// The image store over a real blob store, SQLite database and overlay
// snapshotter: import, save/load round trips (docker-save and OCI layouts),
// resolution rules, reference-counted delete, history, and crash safety.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import * as tar from 'tar-stream';
import { sha256, type Digest } from '../../src/core/digest.ts';
import { isInvalidArgument, isNotFound } from '../../src/core/errors.ts';
import { setLogSink } from '../../src/lib/logger.ts';
import { log } from '../../src/lib/logger.ts';
import { openBlobStore, openMetadataStore, openSnapshotter } from '../../src/store/index.ts';
import { createImageStore, goArch, type LocalImageStore } from '../../src/image/index.ts';
import { makeTar, type FixtureEntry } from '../../src/image/tar-fixture.ts';
import type { BlobStore, MetadataStore, Snapshotter } from '../../src/store/index.ts';

const skip = process.getuid?.() !== 0 ? 'needs root (layer ownership, whiteouts)' : false;
setLogSink(() => {});

interface Env {
  root: string;
  store: LocalImageStore;
  blobs: BlobStore;
  meta: MetadataStore;
  snap: Snapshotter;
}

async function open(root: string): Promise<Env> {
  const blobs = await openBlobStore(root);
  const meta = openMetadataStore(join(root, 'berth.db'));
  const snap = await openSnapshotter(root);
  const store = await createImageStore({ blobs, meta, snapshotter: snap, log });
  return { root, store, blobs, meta, snap };
}

async function withStore(fn: (e: Env) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'berth-images-'));
  const env = await open(root);
  try {
    await fn(env);
  } finally {
    env.meta.close();
    await rm(root, { recursive: true, force: true });
  }
}

async function collect(fn: (out: PassThrough) => Promise<void>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await fn(out);
  return Buffer.concat(chunks);
}

async function untar(bytes: Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const ex = tar.extract();
  const done = (async () => {
    for await (const e of ex) {
      const parts: Buffer[] = [];
      for await (const c of e) parts.push(c as Buffer);
      files.set(e.header.name, Buffer.concat(parts));
    }
  })();
  ex.end(bytes);
  await done;
  return files;
}

const rootfs: FixtureEntry[] = [
  { name: 'bin/', type: 'directory' },
  { name: 'bin/hello', data: 'hello world\n', mode: 0o755 },
  { name: 'etc/passwd', data: 'root:x:0:0:root:/root:/bin/sh\n' },
];

test('importRootfs() makes a one-layer image with docker\'s config and history', { skip }, async () => {
  await withStore(async ({ store, blobs, snap }) => {
    const layer = await makeTar(rootfs);
    const img = await store.importRootfs(Readable.from([gzipSync(layer)]), { ref: 'docker.io/library/mini:1' });
    assert.equal(img.id, sha256(await blobs.read(img.id)));
    assert.deepEqual(img.repoTags, ['docker.io/library/mini:1']);
    assert.deepEqual(img.config.rootfs.diff_ids, [sha256(layer)]);
    assert.equal(img.config.architecture, goArch());
    assert.equal(img.config.os, 'linux');
    assert.equal(img.config.history?.[0]?.comment, 'Imported from -');
    assert.equal(img.size, 12 + 30);
    assert.deepEqual(img.chain, [sha256(layer)]);
    assert.ok(await blobs.has(sha256(layer)), 'the uncompressed layer tar is kept as a blob');
    assert.ok(await snap.hasLayer(sha256(layer)));
    const hist = await store.history(img.id);
    assert.equal(hist.length, 1);
    assert.equal(hist[0]?.id, img.id);
    assert.equal(hist[0]?.size, img.size);
    assert.equal(hist[0]?.comment, 'Imported from -');
  });
});

test('resolve() finds images by short name, full name, id, id prefix and repo digest', { skip }, async () => {
  await withStore(async ({ store, meta }) => {
    const img = await store.importRootfs(Readable.from([await makeTar(rootfs)]), { ref: 'busybox' });
    const hex = img.id.slice(7);
    for (const name of ['busybox', 'busybox:latest', 'docker.io/library/busybox:latest', img.id, hex, hex.slice(0, 12), `sha256:${hex.slice(0, 12)}`]) {
      assert.equal((await store.resolve(name)).id, img.id, name);
    }
    const manifestDigest = sha256('a manifest');
    meta.setTag(`docker.io/library/busybox@${manifestDigest}`, img.id);
    assert.equal((await store.resolve(`busybox@${manifestDigest}`)).id, img.id);
    assert.deepEqual((await store.get(img.id)).repoDigests, [`docker.io/library/busybox@${manifestDigest}`]);
    await assert.rejects(store.resolve('nope'), (e) => isNotFound(e) && e.message === 'No such image: nope:latest');
    await assert.rejects(store.resolve('user/app:2'), (e) => isNotFound(e) && e.message === 'No such image: user/app:2');

    await store.tag(img.id, 'other/name:v1');
    assert.equal((await store.resolve('other/name:v1')).id, img.id);
    assert.equal(await store.untag('other/name:v1'), true);
    assert.equal(await store.untag('other/name:v1'), false);
  });
});

test('save() then load() into a fresh store keeps the image id, tags and files', { skip }, async () => {
  await withStore(async (a) => {
    const img = await a.store.importRootfs(Readable.from([await makeTar(rootfs)]), { ref: 'mini' });
    await a.store.tag(img.id, 'mini:other');
    const archive = await collect((out) => a.store.save(['mini'], out));
    const files = await untar(archive);
    for (const f of ['manifest.json', 'index.json', 'oci-layout', 'repositories', `blobs/sha256/${img.id.slice(7)}`]) assert.ok(files.has(f), f);
    const manifest = JSON.parse(files.get('manifest.json')!.toString());
    assert.deepEqual(manifest[0].RepoTags.sort(), ['mini:latest', 'mini:other']);
    assert.equal(manifest[0].Config, `blobs/sha256/${img.id.slice(7)}`);
    const index = JSON.parse(files.get('index.json')!.toString());
    assert.deepEqual(index.manifests.map((m: { annotations: Record<string, string> }) => m.annotations['io.containerd.image.name']).sort(), ['docker.io/library/mini:latest', 'docker.io/library/mini:other']);

    await withStore(async (b) => {
      const r = await b.store.load(Readable.from([archive]));
      assert.deepEqual(r.images, [img.id]);
      assert.deepEqual([...r.messages].sort(), ['Loaded image: mini:latest', 'Loaded image: mini:other']);
      const loaded = await b.store.resolve('mini:other');
      assert.equal(loaded.id, img.id);
      assert.equal(loaded.size, img.size);
      await b.store.ensureUnpacked(img.id);
      assert.ok(await b.snap.hasLayer(img.chain[0]!));
      // Loading the same archive again only reports it.
      assert.deepEqual((await b.store.load(Readable.from([gzipSync(archive)]))).images, [img.id]);
    });
  });
});

test('an image saved by id loads back untagged and says so', { skip }, async () => {
  await withStore(async (a) => {
    const img = await a.store.importRootfs(Readable.from([await makeTar(rootfs)]));
    const archive = await collect((out) => a.store.save([img.id.slice(7, 19)], out));
    await withStore(async (b) => {
      const r = await b.store.load(Readable.from([archive]));
      assert.deepEqual(r.messages, [`Loaded image ID: ${img.id}`]);
      assert.deepEqual((await b.store.get(img.id)).repoTags, []);
    });
  });
});

test('load() of an OCI image layout with a gzip layer uses the ref name annotation', { skip }, async () => {
  await withStore(async ({ store }) => {
    const layer = await makeTar(rootfs);
    const gz = gzipSync(layer);
    const config = Buffer.from(JSON.stringify({ architecture: goArch(), os: 'linux', config: { Cmd: ['/bin/hello'] }, rootfs: { type: 'layers', diff_ids: [sha256(layer)] }, history: [{ created_by: 'test' }] }));
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(gz), size: gz.length }],
    }));
    const index = { schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(manifest), size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'localhost:5000/oci/app:v3' } }] };
    const archive = await makeTar([
      { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
      { name: 'index.json', data: JSON.stringify(index) },
      { name: `blobs/sha256/${sha256(gz).slice(7)}`, data: gz },
      { name: `blobs/sha256/${sha256(manifest).slice(7)}`, data: manifest },
      { name: `blobs/sha256/${sha256(config).slice(7)}`, data: config },
    ]);
    const r = await store.load(Readable.from([archive]));
    assert.deepEqual(r.messages, ['Loaded image: localhost:5000/oci/app:v3']);
    const img = await store.resolve('localhost:5000/oci/app:v3');
    assert.equal(img.id, sha256(config));
    assert.deepEqual(img.config.config?.Cmd, ['/bin/hello']);
  });
});

test('load() rejects a layer whose diff id does not match the config, leaving nothing behind', { skip }, async () => {
  await withStore(async ({ store, blobs, meta, snap }) => {
    const layer = await makeTar(rootfs);
    const wrong = sha256('not this layer');
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [wrong] } }));
    const archive = await makeTar([
      { name: 'manifest.json', data: JSON.stringify([{ Config: 'cfg.json', RepoTags: ['evil:latest'], Layers: ['l/layer.tar'] }]) },
      { name: 'cfg.json', data: config },
      { name: 'l/layer.tar', data: layer },
    ]);
    await assert.rejects(store.load(Readable.from([archive])), (e) => isInvalidArgument(e) && e.message.includes(wrong));
    assert.deepEqual(await store.list(), []);
    assert.deepEqual(meta.listLayers(), []);
    assert.deepEqual(await snap.listLayers(), []);
    assert.deepEqual(await blobs.list(), []);
  });
});

test('load() rejects archive entries that climb out of the archive', { skip }, async () => {
  await withStore(async ({ store, root }) => {
    const archive = await makeTar([{ name: '../../escape', data: 'x' }, { name: 'manifest.json', data: '[]' }]);
    await assert.rejects(store.load(Readable.from([archive])), isInvalidArgument);
    await assert.rejects(stat(join(root, '..', 'escape')));
    assert.deepEqual(await readdir(join(root, 'tmp')), []);
  });
});

test('importRootfs() of a malicious tar fails without leaving an image, layer or blob', { skip }, async () => {
  await withStore(async ({ store, blobs, meta, snap }) => {
    const bad = await makeTar([{ name: 'ok', data: 'x' }, { name: '../../../tmp/berth-escaped', data: 'x' }]);
    await assert.rejects(store.importRootfs(Readable.from([bad]), { ref: 'bad' }), isInvalidArgument);
    assert.deepEqual(await store.list(), []);
    assert.deepEqual(meta.listLayers(), []);
    assert.deepEqual(await snap.listLayers(), []);
    assert.deepEqual(await blobs.list(), []);
    await assert.rejects(stat('/tmp/berth-escaped'));
  });
});

test('delete() frees only the layers and blobs no other image uses', { skip }, async () => {
  await withStore(async ({ store, blobs, snap, meta }) => {
    const base = await makeTar(rootfs);
    const extra = await makeTar([{ name: 'extra', data: 'more' }]);
    const baseBlob = (await blobs.put(base)).digest;
    const extraBlob = (await blobs.put(extra)).digest;
    const cfg = (diffIds: Digest[], n: number) => ({ architecture: 'amd64', os: 'linux', created: `2024-01-0${n}T00:00:00Z`, rootfs: { type: 'layers' as const, diff_ids: diffIds } });
    const tar = 'application/vnd.oci.image.layer.v1.tar';
    const one = await store.create(cfg([baseBlob], 1), [{ blob: baseBlob, mediaType: tar }], { ref: 'one' });
    const two = await store.create(cfg([baseBlob, extraBlob], 2), [{ blob: baseBlob, mediaType: tar }, { blob: extraBlob, mediaType: tar }], { ref: 'two' });
    assert.equal(two.chain[0], one.chain[0]);

    const removed = await store.delete(two.id);
    assert.deepEqual(removed, [two.chain[1]]);
    assert.equal(await snap.hasLayer(two.chain[1]!), false);
    assert.equal(await snap.hasLayer(one.chain[0]!), true);
    assert.equal(await blobs.has(extraBlob), false);
    assert.equal(await blobs.has(two.id), false);
    assert.equal(await blobs.has(baseBlob), true);
    assert.equal(meta.resolveTag('docker.io/library/two:latest'), undefined);
    await assert.rejects(store.get(two.id), isNotFound);

    // A layer a container still uses stays until gc() finds it unused.
    const inUse = new Set([one.chain[0]!]);
    assert.deepEqual(await store.delete(one.id, { layerInUse: (c) => inUse.has(c) }), []);
    assert.equal(await snap.hasLayer(one.chain[0]!), true);
    assert.deepEqual((await store.gc({ layerInUse: (c) => inUse.has(c) })).layers, []);
    inUse.clear();
    const gc = await store.gc();
    assert.deepEqual(gc.layers, [one.chain[0]]);
    assert.deepEqual(await blobs.list(), []);
    assert.deepEqual(await snap.listLayers(), []);
  });
});

test('history() lists newest first and pairs non-empty entries with layer sizes', { skip }, async () => {
  await withStore(async ({ store, blobs }) => {
    const l1 = await makeTar([{ name: 'a', data: '12345' }]);
    const l2 = await makeTar([{ name: 'b', data: '1234567' }]);
    const b1 = (await blobs.put(l1)).digest;
    const b2 = (await blobs.put(l2)).digest;
    const img = await store.create({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [b1, b2] },
      history: [
        { created: '2024-01-01T00:00:00Z', created_by: 'ADD a /' },
        { created: '2024-01-02T00:00:00Z', created_by: 'ENV X=1', empty_layer: true },
        { created: '2024-01-03T00:00:00Z', created_by: 'ADD b /', comment: 'c' },
      ],
    }, [{ blob: b1, mediaType: 'application/vnd.oci.image.layer.v1.tar' }, { blob: b2, mediaType: 'application/vnd.oci.image.layer.v1.tar' }], { ref: 'hist' });
    const h = await store.history(img.id);
    assert.deepEqual(h.map((e) => [e.id, e.createdBy, e.size]), [[img.id, 'ADD b /', 7], ['<missing>', 'ENV X=1', 0], ['<missing>', 'ADD a /', 5]]);
    assert.deepEqual(h[0]?.tags, ['docker.io/library/hist:latest']);
  });
});

test('ensureUnpacked() re-creates a layer directory lost in a crash from its blob', { skip }, async () => {
  await withStore(async ({ store, snap }) => {
    const img = await store.importRootfs(Readable.from([await makeTar(rootfs)]), { ref: 'mini' });
    await snap.removeLayer(img.chain[0]!);
    await store.ensureUnpacked(img.id);
    assert.ok(await snap.hasLayer(img.chain[0]!));
  });
});

test('reopening after a crash drops spools, ingests and half layers but keeps committed images', { skip }, async () => {
  const root = await mkdtemp(join(tmpdir(), 'berth-images-crash-'));
  try {
    let env = await open(root);
    const img = await env.store.importRootfs(Readable.from([await makeTar(rootfs)]), { ref: 'mini' });
    env.meta.close();
    // What a crash mid-load / mid-ingest / mid-unpack leaves.
    await mkdir(join(root, 'tmp', 'load-dead'), { recursive: true });
    await writeFile(join(root, 'tmp', 'load-dead', '0'), 'x');
    await writeFile(join(root, 'ingest', 'dead.tmp'), 'x');
    await mkdir(join(root, 'snapshots', '.tmp-dead', 'fs'), { recursive: true });
    env = await open(root);
    assert.deepEqual(await readdir(join(root, 'tmp')), []);
    assert.deepEqual(await readdir(join(root, 'ingest')), []);
    assert.deepEqual((await readdir(join(root, 'snapshots'))).filter((n) => n.startsWith('.')), []);
    assert.equal((await env.store.resolve('mini')).id, img.id);
    env.meta.close();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('importRootfs() accepts xz-compressed tars', { skip: skip || (spawnSync('xz', ['--version']).status !== 0 ? 'xz not installed' : false) }, async () => {
  await withStore(async ({ store }) => {
    const layer = await makeTar(rootfs);
    const xz = spawnSync('xz', ['-c'], { input: layer }).stdout;
    const img = await store.importRootfs(Readable.from([xz]));
    assert.deepEqual(img.config.rootfs.diff_ids, [sha256(layer)]);
  });
});

test('skopeo reads a saved archive both as a docker archive and as an OCI layout', { skip: skip || (spawnSync('skopeo', ['--version']).status !== 0 ? 'skopeo not installed' : false) }, async () => {
  await withStore(async ({ store, root }) => {
    const img = await store.importRootfs(Readable.from([await makeTar(rootfs)]), { ref: 'mini:5' });
    const file = join(root, 'saved.tar');
    await writeFile(file, await collect((out) => store.save(['mini:5'], out)));
    for (const transport of [`docker-archive:${file}`, `oci-archive:${file}:5`]) {
      const r = spawnSync('skopeo', ['inspect', '--config', transport]);
      assert.equal(r.status, 0, `${transport}: ${r.stderr.toString()}`);
      const config = JSON.parse(r.stdout.toString());
      assert.deepEqual(config.rootfs.diff_ids, img.config.rootfs.diff_ids, transport);
    }
  });
});

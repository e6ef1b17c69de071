// The archive formats against Docker itself: a private dockerd (20.10, the
// Debian docker.io) loads what berth's image store saves with the same image id
// and runs it, and berth loads what `docker save` writes (legacy layout with
// layer symlinks) with docker's ids and tags. Fails (never skips) without dockerd.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { log, setLogSink } from '../../src/lib/logger.ts';
import { openBlobStore, openMetadataStore, openSnapshotter, type MetadataStore } from '../../src/store/index.ts';
import { createImageStore, type LocalImageStore } from '../../src/image/index.ts';
import { makeTar, type FixtureEntry } from '../../src/image/tar-fixture.ts';
import { startPrivateDockerd, type PrivateDockerd } from './acceptance-support.ts';

setLogSink(() => {});

function busyboxRootfs(): Promise<Buffer> {
  const entries: FixtureEntry[] = [
    { name: 'bin/', type: 'directory' },
    { name: 'bin/busybox', data: readFileSync('/bin/busybox'), mode: 0o755 },
    ...['sh', 'echo', 'cat', 'true'].map((n): FixtureEntry => ({ name: `bin/${n}`, type: 'symlink', linkname: 'busybox' })),
    { name: 'etc/passwd', data: 'root:x:0:0:root:/root:/bin/sh\n' },
  ];
  return makeTar(entries);
}

async function bytesOf(fn: (out: PassThrough) => Promise<void>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await fn(out);
  return Buffer.concat(chunks);
}

describe('image archives round-trip with a real dockerd', { timeout: 300_000 }, () => {
  let dockerd: PrivateDockerd | undefined;
  let root = '';
  let store: LocalImageStore;
  let meta: MetadataStore;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'berth-interop-'));
    meta = openMetadataStore(join(root, 'berth.db'));
    store = await createImageStore({ blobs: await openBlobStore(root), meta, snapshotter: await openSnapshotter(root), log });
    dockerd = await startPrivateDockerd();
  });

  after(async () => {
    await dockerd?.stop();
    meta?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const docker = () => {
    assert.ok(dockerd, 'the private dockerd did not start');
    return dockerd;
  };

  test('docker load accepts what berth saves, with the same image id, and runs it', async () => {
    const img = await store.importRootfs(Readable.from([await busyboxRootfs()]), { ref: 'interop/bb:1', config: { Cmd: ['sh'] } });
    const archive = await bytesOf((out) => store.save(['interop/bb:1'], out));
    const load = await docker().docker(['load'], { input: archive, timeoutMs: 120_000 });
    assert.equal(load.code, 0, load.stderr);
    assert.match(load.stdout, /Loaded image: interop\/bb:1/);
    const id = await docker().docker(['image', 'inspect', '-f', '{{.Id}}', 'interop/bb:1']);
    assert.equal(id.stdout.trim(), img.id);
    const size = await docker().docker(['image', 'inspect', '-f', '{{.Size}}', 'interop/bb:1']);
    assert.equal(Number(size.stdout.trim()), img.size, 'docker counts the same layer size');
    const r = await docker().docker(['run', '--rm', '--network', 'none', 'interop/bb:1', 'echo', 'saved by berth'], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'saved by berth\n');
  });

  test('berth loads what docker save writes, with docker\'s ids and tags', async () => {
    const imp = await docker().docker(['import', '-c', 'CMD ["sh"]', '-', 'madebydocker:1'], { input: await busyboxRootfs() });
    assert.equal(imp.code, 0, imp.stderr);
    // Two tags and two images sharing one layer: docker 20.10 writes the second copy as a symlink.
    assert.equal((await docker().docker(['tag', 'madebydocker:1', 'madebydocker:2'])).code, 0);
    const save = await docker().docker(['save', '-o', join(root, 'docker.tar'), 'madebydocker', 'interop/bb:1']);
    assert.equal(save.code, 0, save.stderr);
    const ids = new Map<string, string>();
    for (const ref of ['madebydocker:1', 'madebydocker:2', 'interop/bb:1']) {
      ids.set(ref, (await docker().docker(['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim());
    }
    const r = await store.load(Readable.from([readFileSync(join(root, 'docker.tar'))]));
    for (const [ref, id] of ids) {
      assert.equal((await store.resolve(ref)).id, id, ref);
      assert.ok(r.messages.includes(`Loaded image: ${ref}`), `${ref} in ${JSON.stringify(r.messages)}`);
    }
    const made = await store.resolve('madebydocker:1');
    assert.deepEqual(made.config.config?.Cmd, ['sh']);
    const hist = await store.history(made.id);
    assert.equal(hist[0]?.comment, 'Imported from -');
    await store.ensureUnpacked(made.id);
  });
});

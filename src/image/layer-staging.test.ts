// Unit tests of pulled-layer staging: verified while streaming, nothing left behind on a mismatch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { sha256, type Digest } from '../core/digest.ts';
import { isInvalidArgument } from '../core/errors.ts';
import { log } from '../lib/logger.ts';
import { stageLayer } from './layer-staging.ts';
import { makeTar } from './tar-fixture.ts';
import { withEnv } from './env-fixture.ts';

async function withPlaces(fn: (p: { tmpDir: string; snapshotsDir: string; log: typeof log }) => Promise<void>): Promise<void> {
  const base = await mkdtemp(join(tmpdir(), 'berth-stage-'));
  try {
    await mkdir(join(base, 'tmp'));
    await mkdir(join(base, 'snapshots'));
    await fn({ tmpDir: join(base, 'tmp'), snapshotsDir: join(base, 'snapshots'), log });
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

/** The blob in small pieces, as a network would deliver it. */
function pieces(b: Buffer): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < b.length; i += 1000) parts.push(b.subarray(i, i + 1000));
  return Readable.from(parts);
}

const chainId = sha256('chain') as Digest;

test('stageLayer() unpacks a gzip layer while it streams and keeps the blob as it came', async () => {
  await withPlaces(async (places) => {
    const tar = await makeTar([{ name: 'etc/', type: 'directory' }, { name: 'etc/hello', data: 'hi there' }, { name: 'big', data: Buffer.alloc(300_000, 7) }]);
    const blob = gzipSync(tar);
    const s = await stageLayer(places, { data: pieces(blob), digest: sha256(blob), size: blob.length, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', diffId: sha256(tar), chainId });
    assert.equal(s.size, 8 + 300_000);
    assert.equal(await readFile(join(s.snapshotDir, 'fs', 'etc', 'hello'), 'utf8'), 'hi there');
    assert.deepEqual(readFileSync(s.blobFile), blob);
    assert.ok(s.snapshotDir.startsWith(join(places.snapshotsDir, '.tmp-')), 'staging is named so that start-up removes it');
    await s.discard();
    assert.deepEqual(await readdir(places.snapshotsDir), []);
    assert.deepEqual(await readdir(places.tmpDir), []);
  });
});

test('stageLayer() names the digest of a corrupted blob and leaves nothing behind', async () => {
  await withPlaces(async (places) => {
    const tar = await makeTar([{ name: 'f', data: Buffer.alloc(100_000, 1) }]);
    const blob = gzipSync(tar);
    const digest = sha256(blob);
    const bad = Buffer.from(blob);
    bad[bad.length >> 1] = (bad[bad.length >> 1] ?? 0) ^ 0xff;
    await assert.rejects(
      stageLayer(places, { data: pieces(bad), digest, size: blob.length, mediaType: 'x', diffId: sha256(tar), chainId }),
      (err: Error) => isInvalidArgument(err) && err.message.includes(`digest mismatch: expected ${digest}`),
    );
    assert.deepEqual(await readdir(places.snapshotsDir), []);
    assert.deepEqual(await readdir(places.tmpDir), []);
  });
});

test('stageLayer() refuses a blob longer than the manifest says, and a tar whose diff id is wrong', async () => {
  await withPlaces(async (places) => {
    const tar = await makeTar([{ name: 'f', data: 'x' }]);
    const blob = gzipSync(tar);
    await assert.rejects(stageLayer(places, { data: pieces(blob), digest: sha256(blob), size: blob.length - 1, mediaType: 'x', diffId: sha256(tar), chainId }), /size mismatch/);
    await assert.rejects(stageLayer(places, { data: pieces(blob), digest: sha256(blob), size: blob.length, mediaType: 'x', diffId: sha256('other'), chainId }), /invalid diffID/);
    assert.deepEqual(await readdir(places.snapshotsDir), []);
    assert.deepEqual(await readdir(places.tmpDir), []);
    assert.ok(!existsSync(join(places.snapshotsDir, 'fs')));
  });
});

const installed = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

test('stageLayer() refuses a corrupted blob and leaves nothing behind, whichever gunzip and hashing run', async (t) => {
  const tar = await makeTar([{ name: 'd/', type: 'directory' }, { name: 'd/f', data: Buffer.alloc(200_000, 3) }, { name: 'g', data: 'small' }]);
  const blob = gzipSync(tar);
  const digest = sha256(blob);
  const bad = Buffer.from(blob);
  bad[bad.length >> 1] = (bad[bad.length >> 1] ?? 0) ^ 0xff;
  for (const tool of ['igzip', 'unpigz', 'zlib']) {
    if (tool !== 'zlib' && !installed(tool)) {
      t.diagnostic(`${tool} not installed; skipped`);
      continue;
    }
    // Each with the hashes on this thread (the default) and on the worker thread.
    for (const hashThread of ['0', '1']) await withEnv({ BERTH_GUNZIP: tool, BERTH_HASH_THREAD: hashThread }, async () => {
      await withPlaces(async (places) => {
        await assert.rejects(
          stageLayer(places, { data: pieces(bad), digest, size: blob.length, mediaType: 'x', diffId: sha256(tar), chainId }),
          (err: Error) => isInvalidArgument(err) && err.message.includes(`digest mismatch: expected ${digest}`),
          tool,
        );
        assert.deepEqual(await readdir(places.snapshotsDir), [], tool);
        assert.deepEqual(await readdir(places.tmpDir), [], tool);
        // The same layer, intact, goes through.
        const s = await stageLayer(places, { data: pieces(blob), digest, size: blob.length, mediaType: 'x', diffId: sha256(tar), chainId });
        assert.equal(await readFile(join(s.snapshotDir, 'fs', 'g'), 'utf8'), 'small', tool);
        await s.discard();
      });
    });
  }
});

test('stageLayer() does not trust the gzip tool: a tar it makes up is refused by the diff id and leaves nothing behind', async () => {
  const real = await makeTar([{ name: 'real', data: 'the layer' }]);
  const other = await makeTar([{ name: 'evil', data: 'not the layer' }]);
  const blob = gzipSync(real);
  const dir = await mkdtemp(join(tmpdir(), 'berth-lying-gzip-'));
  try {
    await writeFile(join(dir, 'other.tar'), other);
    // Reads all of its input (so the blob's digest still matches), then prints another, valid tar.
    await writeFile(join(dir, 'igzip'), `#!/bin/sh\ncat >/dev/null\nexec cat '${join(dir, 'other.tar')}'\n`, { mode: 0o755 });
    await withEnv({ PATH: `${dir}:/usr/bin:/bin`, BERTH_GUNZIP: 'igzip' }, async () => {
      await withPlaces(async (places) => {
        await assert.rejects(stageLayer(places, { data: pieces(blob), digest: sha256(blob), size: blob.length, mediaType: 'x', diffId: sha256(real), chainId }), (err: Error) => isInvalidArgument(err) && /invalid diffID/.test(err.message));
        assert.deepEqual(await readdir(places.snapshotsDir), []);
        assert.deepEqual(await readdir(places.tmpDir), []);
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('stageLayer() unpacks with zlib when the gzip tools asked for are not installed', async () => {
  const tar = await makeTar([{ name: 'a', data: 'one' }]);
  const blob = gzipSync(tar);
  const empty = await mkdtemp(join(tmpdir(), 'berth-no-gzip-tools-'));
  try {
    await withEnv({ PATH: empty, BERTH_GUNZIP: 'auto' }, async () => {
      await withPlaces(async (places) => {
        const s = await stageLayer(places, { data: pieces(blob), digest: sha256(blob), size: blob.length, mediaType: 'x', diffId: sha256(tar), chainId });
        assert.equal(await readFile(join(s.snapshotDir, 'fs', 'a'), 'utf8'), 'one');
        await s.discard();
      });
    });
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});

test('stageLayer() keeps every byte of the blob when the gzip tool stops reading before its end', async () => {
  const tar = await makeTar([{ name: 'a', data: Buffer.alloc(200_000, 3) }]);
  const gz = gzipSync(tar);
  // Past the end of the gzip stream, several MiB the tool never reads (so some are gathered, not yet handed on, when it stops).
  const tail = Buffer.from(Array.from({ length: 5 << 20 }, (_, i) => (i * 31) & 0xff));
  const blob = Buffer.concat([gz, tail]);
  const dir = await mkdtemp(join(tmpdir(), 'berth-short-gzip-'));
  try {
    await writeFile(join(dir, 'igzip'), `#!/bin/sh\nhead -c ${gz.length} | gzip -dc\n`, { mode: 0o755 });
    await withEnv({ PATH: `${dir}:/usr/bin:/bin`, BERTH_GUNZIP: 'igzip' }, async () => {
      await withPlaces(async (places) => {
        const s = await stageLayer(places, { data: pieces(blob), digest: sha256(blob), size: blob.length, mediaType: 'x', diffId: sha256(tar), chainId });
        assert.ok(readFileSync(s.blobFile).equals(blob), 'the blob file holds the whole blob');
        await s.discard();
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar-stream';
import { sha256, type Digest } from '../core/digest.ts';
import type { BlobStore } from '../store/index.ts';
import { diffToLayer } from './layer-diff.ts';

/** A blob store that keeps ingested bytes in memory. */
function memoryBlobs(): BlobStore & { bytes: Map<string, Buffer> } {
  const bytes = new Map<string, Buffer>();
  const store = {
    bytes,
    async ingest(data: AsyncIterable<Uint8Array>) {
      const chunks: Buffer[] = [];
      for await (const c of data) chunks.push(Buffer.from(c));
      const b = Buffer.concat(chunks);
      const digest = sha256(b);
      bytes.set(digest, b);
      return { digest, size: b.length };
    },
  };
  return store as unknown as BlobStore & { bytes: Map<string, Buffer> };
}

async function entries(b: Buffer): Promise<{ name: string; mtime: number; type: string; linkname?: string | null }[]> {
  const out: { name: string; mtime: number; type: string; linkname?: string | null }[] = [];
  const x = tar.extract();
  const done = (async () => {
    for await (const e of x) {
      out.push({ name: e.header.name, mtime: (e.header.mtime as Date).getTime() / 1000, type: e.header.type as string, linkname: e.header.linkname });
      e.resume();
    }
  })();
  x.end(b);
  await done;
  return out;
}

describe('diffToLayer()', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-layer-diff-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('writes entries sorted, depth first, with times clamped to the epoch', async () => {
    const dir = join(root, 'a');
    mkdirSync(join(dir, 'b/c'), { recursive: true });
    writeFileSync(join(dir, 'z'), 'z');
    writeFileSync(join(dir, 'b/c/f'), 'f');
    writeFileSync(join(dir, 'B'), 'upper');
    symlinkSync('z', join(dir, 'link'));
    utimesSync(join(dir, 'B'), 100, 100);
    const blobs = memoryBlobs();
    const r = await diffToLayer(dir, blobs, { epoch: 1000 });
    const list = await entries(blobs.bytes.get(r.diffId as Digest) as Buffer);
    assert.deepEqual(list.map((e) => e.name), ['B', 'b/', 'b/c/', 'b/c/f', 'link', 'z']);
    assert.deepEqual(list.map((e) => e.mtime), [100, 1000, 1000, 1000, 1000, 1000]);
    assert.equal(list.find((e) => e.name === 'link')?.linkname, 'z');
    const again = await diffToLayer(dir, blobs, { epoch: 1000 });
    assert.equal(again.diffId, r.diffId);
  });

  it('leaves out excluded paths and directories that only held them', async () => {
    const dir = join(root, 'x');
    mkdirSync(join(dir, 'etc'), { recursive: true });
    mkdirSync(join(dir, 'proc/1'), { recursive: true });
    mkdirSync(join(dir, 'empty'));
    writeFileSync(join(dir, 'etc/hosts'), '');
    writeFileSync(join(dir, 'kept'), 'k');
    const blobs = memoryBlobs();
    const r = await diffToLayer(dir, blobs, { exclude: new Set(['etc/hosts', 'proc']) });
    const list = await entries(blobs.bytes.get(r.diffId as Digest) as Buffer);
    assert.deepEqual(list.map((e) => e.name), ['empty/', 'kept']);
  });
});

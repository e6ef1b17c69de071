// Unit tests of compression detection and decompression (gzip in-process, others via tools).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { decompress, detectCompression, type Compression } from './decompress.ts';
import { isInvalidArgument } from '../core/errors.ts';

const plain = Buffer.from('plain tar bytes '.repeat(5000));

async function collect(r: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of r) out.push(Buffer.from(c));
  return Buffer.concat(out);
}

function compressWith(tool: string): Buffer | undefined {
  const r = spawnSync(tool, ['-c'], { input: plain });
  return r.status === 0 ? r.stdout : undefined;
}

test('decompress() passes a plain stream through unchanged', async () => {
  let seen: Compression | undefined;
  assert.deepEqual(await collect(decompress(Readable.from([plain.subarray(0, 3), plain.subarray(3)]), (c) => (seen = c))), plain);
  assert.equal(seen, 'none');
});

test('decompress() handles gzip, bzip2, xz and zstd', async (t) => {
  const inputs: [Compression, Buffer | undefined][] = [
    ['gzip', gzipSync(plain)],
    ['bzip2', compressWith('bzip2')],
    ['xz', compressWith('xz')],
    ['zstd', compressWith('zstd')],
  ];
  for (const [kind, data] of inputs) {
    if (data === undefined) {
      t.diagnostic(`${kind} tool not installed; skipped`);
      continue;
    }
    assert.equal(detectCompression(data), kind);
    // Fed in small pieces, so the magic straddles chunk boundaries.
    const pieces = [data.subarray(0, 2), data.subarray(2, 5), data.subarray(5)];
    assert.deepEqual(await collect(decompress(Readable.from(pieces))), plain, kind);
  }
});

test('decompress() rejects corrupt compressed data', async () => {
  const bad = gzipSync(plain);
  bad.fill(7, 20, 60);
  await assert.rejects(collect(decompress(Readable.from([bad]))), isInvalidArgument);
  const xz = compressWith('xz');
  if (xz) {
    xz.fill(7, 30, 80);
    await assert.rejects(collect(decompress(Readable.from([xz]))), isInvalidArgument);
  }
});

test('decompress() of an empty stream yields nothing', async () => {
  assert.equal((await collect(decompress(Readable.from([])))).length, 0);
});

// Unit tests of compression detection and decompression (gzip in-process or through igzip/unpigz, others via tools).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decompress, decompressLayer, detectCompression, gunzipTool, type Compression } from './decompress.ts';
import { nativeIfBuilt } from '../lib/native.ts';
import { isInvalidArgument } from '../core/errors.ts';
import { withEnv } from './env-fixture.ts';

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
  assert.deepEqual(await collect(decompress(Readable.from([plain.subarray(0, 3), plain.subarray(3)]), { onDetect: (c) => (seen = c) })), plain);
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

/** A directory holding executable scripts by name, for a PATH of fake tools. */
async function toolDir(scripts: Record<string, string>): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-gzip-tools-'));
  for (const [name, text] of Object.entries(scripts)) await writeFile(join(dir, name), text, { mode: 0o755 });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

const gzipped = gzipSync(plain);
const installed = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

test('decompress() with gzipTool gives the same bytes through igzip, unpigz and zlib', async (t) => {
  for (const tool of ['igzip', 'unpigz', 'zlib'] as const) {
    if (tool !== 'zlib' && !installed(tool)) {
      t.diagnostic(`${tool} not installed; skipped`);
      continue;
    }
    await withEnv({ BERTH_GUNZIP: tool }, async () => {
      assert.equal((await gunzipTool()).name, tool);
      assert.deepEqual(await collect(decompress(Readable.from([gzipped.subarray(0, 2), gzipped.subarray(2)]), { gzipTool: true })), plain, tool);
    });
  }
});

test('decompress() with gzipTool rejects corrupt and truncated gzip, whichever tool runs', async (t) => {
  const corrupt = Buffer.from(gzipped);
  corrupt.fill(7, 20, 60);
  const truncated = gzipped.subarray(0, gzipped.length >> 1);
  for (const tool of ['igzip', 'unpigz', 'zlib'] as const) {
    if (tool !== 'zlib' && !installed(tool)) {
      t.diagnostic(`${tool} not installed; skipped`);
      continue;
    }
    await withEnv({ BERTH_GUNZIP: tool }, async () => {
      await assert.rejects(collect(decompress(Readable.from([corrupt]), { gzipTool: true })), isInvalidArgument, `${tool}: corrupt`);
      await assert.rejects(collect(decompress(Readable.from([truncated]), { gzipTool: true })), isInvalidArgument, `${tool}: truncated`);
    });
  }
});

test('decompress() with gzipTool uses the gzip tool on PATH by default (igzip first), and zlib when BERTH_GUNZIP=zlib', async () => {
  const mark = join(tmpdir(), `berth-gzip-mark-${process.pid}`);
  const tools = await toolDir({ igzip: `#!/bin/sh\ntouch '${mark}'\nexec gzip -dc\n` });
  try {
    await withEnv({ PATH: `${tools.dir}:/usr/bin:/bin`, BERTH_GUNZIP: 'zlib' }, async () => {
      assert.equal((await gunzipTool()).name, 'zlib');
      assert.deepEqual(await collect(decompress(Readable.from([gzipped]), { gzipTool: true })), plain);
    });
    assert.ok(!existsSync(mark), 'BERTH_GUNZIP=zlib runs no tool');
    // By default (as with `auto`) igzip goes first.
    for (const wanted of [undefined, 'auto']) {
      await withEnv({ PATH: `${tools.dir}:/usr/bin:/bin`, BERTH_GUNZIP: wanted }, async () => {
        assert.equal((await gunzipTool()).name, 'igzip');
        assert.deepEqual(await collect(decompress(Readable.from([gzipped]), { gzipTool: true })), plain);
      });
    }
    assert.ok(existsSync(mark), 'the tool on PATH ran');
  } finally {
    await rm(mark, { force: true });
    await tools.remove();
  }
});

test('decompress() with gzipTool falls back to zlib when no gzip tool is installed', async () => {
  const tools = await toolDir({});
  try {
    await withEnv({ PATH: tools.dir, BERTH_GUNZIP: 'auto' }, async () => {
      assert.equal((await gunzipTool()).name, 'zlib');
      assert.deepEqual(await collect(decompress(Readable.from([gzipped]), { gzipTool: true })), plain);
    });
    // A tool asked for by name that is missing falls back too.
    await withEnv({ PATH: tools.dir, BERTH_GUNZIP: 'unpigz' }, async () => {
      assert.equal((await gunzipTool()).name, 'zlib');
      assert.deepEqual(await collect(decompress(Readable.from([gzipped]), { gzipTool: true })), plain);
    });
  } finally {
    await tools.remove();
  }
});

test('decompress() with gzipTool falls back to zlib when the tool on PATH cannot start', async () => {
  // Executable, but its interpreter does not exist: spawn fails before any byte was read.
  const tools = await toolDir({ igzip: '#!/nonexistent/berth-interpreter\n' });
  try {
    await withEnv({ PATH: `${tools.dir}:/usr/bin:/bin`, BERTH_GUNZIP: 'igzip' }, async () => {
      assert.deepEqual(await collect(decompress(Readable.from([gzipped.subarray(0, 3), gzipped.subarray(3)]), { gzipTool: true })), plain);
    });
  } finally {
    await tools.remove();
  }
});

/** Descriptors open in this process. */
const openFds = () => readdirSync('/proc/self/fd').length;
/** Several MiB of layer-like bytes: mostly compressible, some not. */
const big = Buffer.concat(Array.from({ length: 48 }, (_, i) => Buffer.concat([plain.subarray(0, 60_000 + i), Buffer.from(Array.from({ length: 40_000 }, (_, k) => (k * 2654435761 + i) >>> 24))])));
const bigGzipped = gzipSync(big);

test('decompressLayer() gives the same bytes through igzip, unpigz and zlib to a consumer done with each piece before the next, and leaves no descriptor open', async (t) => {
  for (const tool of ['igzip', 'unpigz', 'zlib'] as const) {
    if (tool !== 'zlib' && !installed(tool)) {
      t.diagnostic(`${tool} not installed; skipped`);
      continue;
    }
    await withEnv({ BERTH_GUNZIP: tool }, async () => {
      const before = openFds();
      const pieces = Array.from({ length: 40 }, (_, i) => bigGzipped.subarray(Math.floor((i * bigGzipped.length) / 40), Math.floor(((i + 1) * bigGzipped.length) / 40)));
      const buffers = new Set<ArrayBufferLike>();
      const out: Buffer[] = [];
      for await (const c of decompressLayer(Readable.from(pieces))) {
        buffers.add(c.buffer);
        out.push(Buffer.from(c));
      }
      assert.ok(Buffer.concat(out).equals(big), tool);
      // Through a tool with berth's addon built, the pieces are read into one buffer again and again.
      if (tool !== 'zlib' && nativeIfBuilt() !== undefined) assert.ok(out.length > 1 && buffers.size === 1, `${tool}: ${out.length} pieces in ${buffers.size} buffers`);
      await new Promise((r) => setImmediate(r));
      assert.equal(openFds(), before, `${tool}: descriptors`);
    });
  }
});

test('decompressLayer() stops the tool and closes its pipes when the consumer stops early or the data is corrupt', async (t) => {
  for (const tool of ['igzip', 'unpigz'] as const) {
    if (!installed(tool)) {
      t.diagnostic(`${tool} not installed; skipped`);
      continue;
    }
    await withEnv({ BERTH_GUNZIP: tool }, async () => {
      const before = openFds();
      for await (const c of decompressLayer(Readable.from([bigGzipped]))) {
        assert.ok(c.length > 0);
        break;
      }
      const corrupt = Buffer.from(bigGzipped);
      corrupt.fill(7, 100, 4000);
      await assert.rejects(collect(decompressLayer(Readable.from([corrupt]))), isInvalidArgument, tool);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(openFds(), before, `${tool}: descriptors`);
    });
  }
});

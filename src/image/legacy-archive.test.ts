import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tar from 'tar-stream';
import { SpooledArchive } from './archive-spool.ts';
import { isLegacyArchive, readLegacyArchive } from './legacy-archive.ts';

async function archive(entries: Record<string, string | Buffer>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, body] of Object.entries(entries)) pack.entry({ name }, body);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function* once(b: Buffer) {
  yield b;
}

test('readLegacyArchive() turns a tagged v1 chain into one image config, base layer first', async () => {
  const base = 'a'.repeat(64);
  const top = 'b'.repeat(64);
  const layer = await archive({ 'f': 'hello' });
  const empty = await archive({});
  const dir = await mkdtemp(join(tmpdir(), 'berth-legacy-'));
  try {
    const spool = new SpooledArchive(dir);
    await spool.fill(once(await archive({
      [`${base}/json`]: JSON.stringify({ id: base, created: '2015-01-01T00:00:00Z', container_config: { Cmd: ['/bin/sh', '-c', '#(nop) ADD f'] }, os: 'linux', architecture: 'amd64' }),
      [`${base}/layer.tar`]: layer,
      [`${top}/json`]: JSON.stringify({ id: top, parent: base, created: '2015-01-02T00:00:00Z', author: 'A', Size: 0, config: { Cmd: ['sh'] }, container_config: { Cmd: ['/bin/sh', '-c', '#(nop) CMD ["sh"]'] }, os: 'linux', architecture: 'amd64' }),
      [`${top}/layer.tar`]: empty,
      'repositories': JSON.stringify({ old: { v1: top, also: top } }),
    })));
    assert.equal(isLegacyArchive(spool), true);
    const [img, ...rest] = await readLegacyArchive(spool);
    assert.equal(rest.length, 0);
    assert.deepEqual(img!.tags, ['docker.io/library/old:v1', 'docker.io/library/old:also']);
    assert.deepEqual(img!.layerFiles, [`${base}/layer.tar`, `${top}/layer.tar`]);
    const config = JSON.parse(img!.config.toString()) as Record<string, unknown>;
    const digest = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
    assert.deepEqual(config['rootfs'], { type: 'layers', diff_ids: [digest(layer), digest(empty)] });
    assert.deepEqual(config['history'], [
      { created: '2015-01-01T00:00:00Z', created_by: '/bin/sh -c #(nop) ADD f' },
      { created: '2015-01-02T00:00:00Z', author: 'A', created_by: '/bin/sh -c #(nop) CMD ["sh"]' },
    ]);
    assert.deepEqual(config['config'], { Cmd: ['sh'] });
    for (const k of ['id', 'parent', 'Size']) assert.equal(k in config, false, k);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('readLegacyArchive() refuses a chain whose parent is missing', async () => {
  const top = 'c'.repeat(64);
  const dir = await mkdtemp(join(tmpdir(), 'berth-legacy-'));
  try {
    const spool = new SpooledArchive(dir);
    await spool.fill(once(await archive({
      [`${top}/json`]: JSON.stringify({ id: top, parent: 'd'.repeat(64) }),
      [`${top}/layer.tar`]: await archive({}),
      'repositories': JSON.stringify({ x: { latest: top } }),
    })));
    await assert.rejects(readLegacyArchive(spool), /invalid archive: "d{64}\/json" is missing/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

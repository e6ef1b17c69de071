// JsonRecordDir: records written with and without fsync load back; a damaged
// record is skipped, and an empty one (what a power loss can leave of a write
// without fsync) is removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonRecordDir } from './json-record-dir.ts';
import type { Logger } from './logger.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, with: () => quiet };

test('records load back; an unreadable one is skipped and an empty one removed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-records-'));
  try {
    const d = new JsonRecordDir<{ n: number }>(dir, quiet, 'record');
    await d.write('a', { n: 1 });
    await d.write('b', { n: 2 }, { durable: false });
    await writeFile(join(dir, 'c.json'), '{not json');
    await writeFile(join(dir, 'd.json'), '');
    const loaded = (await d.load()).map((r) => r.n).sort();
    assert.deepEqual(loaded, [1, 2]);
    assert.deepEqual((await readdir(dir)).sort(), ['a.json', 'b.json', 'c.json']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

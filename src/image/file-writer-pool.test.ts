// The unpack workers are stopped once no unpack has used them for a while (each is an isolate of
// several MB that an idle berthd would otherwise keep), and start again for the next unpack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileWriterPool, unpackWorkers } from './file-writer-pool.ts';

const threads = () => readdirSync('/proc/self/task').length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function writeOne(pool: FileWriterPool, path: string, text: string): Promise<void> {
  const data = pool.alloc(Buffer.byteLength(text));
  data.write(text);
  pool.add({ path, data, uid: 0, gid: 0, chown: false, mode: 0o644, modeAtOpen: false, mtime: 0 });
  await pool.close();
}

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(20);
  }
}

test('the unpack workers stop when idle and start again for the next unpack', async () => {
  const saved = FileWriterPool.idleMs;
  FileWriterPool.idleMs = 300;
  const dir = await mkdtemp(join(tmpdir(), 'berth-writer-pool-'));
  try {
    const before = threads();
    const first = FileWriterPool.open();
    assert.ok(first, 'workers can run here');
    const running = threads();
    assert.ok(running > before, `threads: ${before} before the pool, ${running} with it`);
    await writeOne(first, join(dir, 'a'), 'one');
    assert.equal(await readFile(join(dir, 'a'), 'utf8'), 'one');

    // A pool opened within the idle time keeps the same workers, however long it stays open.
    const second = FileWriterPool.open();
    assert.ok(second);
    await sleep(FileWriterPool.idleMs * 2);
    assert.ok(unpackWorkers() > 0, 'the workers stopped under an open pool');
    await writeOne(second, join(dir, 'b'), 'two');
    assert.equal(await readFile(join(dir, 'b'), 'utf8'), 'two');

    // Idle: the worker threads end.
    await until('the worker threads end', () => unpackWorkers() === 0 && threads() <= before);

    const third = FileWriterPool.open();
    assert.ok(third, 'workers start again');
    assert.ok(threads() > before);
    await writeOne(third, join(dir, 'c'), 'three');
    assert.equal(await readFile(join(dir, 'c'), 'utf8'), 'three');
    await until('the worker threads end again', () => unpackWorkers() === 0 && threads() <= before);
  } finally {
    FileWriterPool.idleMs = saved;
    await rm(dir, { recursive: true, force: true });
  }
});

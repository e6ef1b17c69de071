// readWhole(): a regular file's whole content and stat, at any size across its 64 KiB reads;
// a fifo or a device refused at once (never blocking, never read); a missing file as readFile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWhole } from './read-whole.ts';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-read-whole-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('readWhole reads a regular file of any size whole, with its stat', () => withDir(async (dir) => {
  for (const size of [0, 3, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 200 * 1024]) {
    const content = Buffer.alloc(size, 'x');
    for (let i = 0; i < size; i += 997) content[i] = i % 251;
    const path = join(dir, `f${size}`);
    writeFileSync(path, content);
    const { data, stat } = await readWhole(path);
    assert.ok(data.equals(content), `${size} bytes`);
    assert.equal(stat.size, size);
    assert.ok(stat.isFile());
  }
  await assert.rejects(readWhole(join(dir, 'missing')), { code: 'ENOENT' });
}));

test('readWhole refuses a fifo and a device without blocking or reading them', () => withDir(async (dir) => {
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  await assert.rejects(readWhole(fifo), { code: 'EINVAL' });
  await assert.rejects(readWhole('/dev/zero'), { code: 'EINVAL' });
}));

// Unit tests of the early write-back an unpack starts (a syncfs in the background, never awaited but by settle()).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EarlyWriteBack } from './early-write-back.ts';

test('EarlyWriteBack starts a sync each interval of bytes, never two at once, and settle() waits for the running one', async () => {
  const calls: string[] = [];
  let release: (() => void) | undefined;
  const sync = (dir: string) => {
    calls.push(dir);
    return new Promise<void>((r) => (release = r));
  };
  const wb = new EarlyWriteBack('/layer', 1000, sync);
  wb.progress(999);
  assert.equal(calls.length, 0);
  wb.progress(1000);
  assert.deepEqual(calls, ['/layer']);
  // Still running: no second sync, however much more is written.
  wb.progress(5000);
  assert.equal(calls.length, 1);
  let settled = false;
  const waiting = wb.settle().then(() => (settled = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(settled, false, 'settle() waits for the running sync');
  release?.();
  await waiting;
  // The next one comes an interval after the count the last one started at (1000).
  wb.progress(1999);
  assert.equal(calls.length, 1);
  wb.progress(2000);
  assert.equal(calls.length, 2);
  release?.();
  await wb.settle();
});

test('EarlyWriteBack syncs a real file system, and a sync that cannot run is only logged, never failing the unpack', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-writeback-'));
  try {
    await writeFile(join(dir, 'f'), Buffer.alloc(1 << 20, 1));
    const wb = new EarlyWriteBack(dir, 1);
    wb.progress(1);
    await assert.doesNotReject(wb.settle());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const missing = new EarlyWriteBack(join(tmpdir(), `berth-writeback-missing-${process.pid}`), 1);
  missing.progress(10);
  await assert.doesNotReject(missing.settle());
  const failing = new EarlyWriteBack('/layer', 1, () => Promise.reject(new Error('EIO')));
  failing.progress(1);
  await assert.doesNotReject(failing.settle());
});

// readExitStatus() and waitForExitFile() against exit files written by hand, as conmon writes them.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readExitStatus, waitForExitFile } from './conmon-exit.ts';
import { conmonDirs, conmonPaths } from './conmon-paths.ts';
import { onExitFile, watchedExitDirs } from './exit-dir-watch.ts';

const root = mkdtempSync(join(tmpdir(), 'berth-exit-'));
after(() => rmSync(root, { recursive: true, force: true }));
const dirs = conmonDirs(root);

async function container(id: string) {
  const p = conmonPaths(dirs, id);
  await mkdir(dirs.exitsDir, { recursive: true });
  await mkdir(p.persistDir, { recursive: true });
  return p;
}

test('readExitStatus() is undefined before the file exists and while it is empty', async () => {
  const p = await container('a');
  assert.equal(await readExitStatus(p), undefined);
  await writeFile(p.exitFile, '');
  assert.equal(await readExitStatus(p), undefined);
});

test('readExitStatus() reads the code, the oom mark and the time of the file', async () => {
  const p = await container('b');
  await writeFile(p.exitFile, '3\n');
  const s = await readExitStatus(p);
  assert.equal(s?.exitCode, 3);
  assert.equal(s?.oomKilled, false);
  assert.ok(!Number.isNaN(Date.parse(s?.finishedAt ?? '')));
  await writeFile(p.oomFile, '');
  assert.equal((await readExitStatus(p))?.oomKilled, true);
});

test('readExitStatus() takes an unreadable code as 255', async () => {
  const p = await container('c');
  await writeFile(p.exitFile, 'x');
  assert.equal((await readExitStatus(p))?.exitCode, 255);
});

test('waitForExitFile() resolves when the exit file is written later', async () => {
  const p = await container('d');
  const waiting = waitForExitFile(dirs.exitsDir, 'd', () => readExitStatus(p));
  setTimeout(() => void writeFile(p.exitFile, '7'), 100);
  assert.equal((await waiting).exitCode, 7);
});

test('waitForExitFile() rejects with the signal\'s reason when aborted', async () => {
  const p = await container('e');
  const ac = new AbortController();
  const waiting = waitForExitFile(dirs.exitsDir, 'e', () => readExitStatus(p), ac.signal);
  ac.abort(new Error('gone'));
  await assert.rejects(waiting, /gone/);
});

test('waitForExitFile() for many containers shares one watch of the exits dir, closed after the last exit', async () => {
  const ids = Array.from({ length: 20 }, (_, i) => `many${i}`);
  const paths = await Promise.all(ids.map((id) => container(id)));
  const waiting = ids.map((id, i) => waitForExitFile(dirs.exitsDir, id, () => readExitStatus(paths[i]!)));
  // The waits subscribe once the directory is there (a mkdir, asynchronously).
  const deadline = Date.now() + 2000;
  while (watchedExitDirs() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(watchedExitDirs(), 1);
  await Promise.all(paths.map((p, i) => writeFile(p.exitFile, String(i))));
  assert.deepEqual((await Promise.all(waiting)).map((s) => s.exitCode), ids.map((_, i) => i));
  assert.equal(watchedExitDirs(), 0);
});

test('onExitFile() wakes the waiter of a file that appears, only that one, and none once unsubscribed', async () => {
  const dir = join(root, 'exits-direct');
  await mkdir(dir, { recursive: true });
  const woken: string[] = [];
  const offA = onExitFile(dir, 'a', () => woken.push('a'));
  const offB = onExitFile(dir, 'b', () => woken.push('b'));
  await writeFile(join(dir, 'a'), '0');
  const deadline = Date.now() + 3000;
  while (!woken.includes('a') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.ok(woken.includes('a'));
  assert.ok(!woken.includes('b'));
  offA();
  offB();
  assert.equal(watchedExitDirs(), 0);
  woken.length = 0;
  await writeFile(join(dir, 'b'), '0');
  await new Promise((r) => setTimeout(r, 700));
  assert.deepEqual(woken, []);
});

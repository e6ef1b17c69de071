// readExitStatus() and waitForExitFile() against exit files written by hand, as conmon writes them.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readExitStatus, waitForExitFile } from './conmon-exit.ts';
import { conmonDirs, conmonPaths } from './conmon-paths.ts';

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

test('readExitStatus() takes a SIGKILL (137) as an OOM kill from the cgroup\'s count, without waiting for conmon\'s mark', async () => {
  const p = await container('f');
  await writeFile(p.exitFile, '137');
  let t0 = performance.now();
  assert.equal((await readExitStatus(p, async () => 0))?.oomKilled, false);
  assert.ok(performance.now() - t0 < 40, 'no 50 ms wait');
  assert.equal((await readExitStatus(p, async () => 1))?.oomKilled, true);
  // Unknown count: conmon's mark, after a wait.
  t0 = performance.now();
  assert.equal((await readExitStatus(p, async () => undefined))?.oomKilled, false);
  assert.ok(performance.now() - t0 >= 45);
});

test('waitForExitFile() waiters share the directory: each resolves with its own file, an aborted one leaves the others', async () => {
  const ps = await Promise.all(['g1', 'g2', 'g3'].map((id) => container(id)));
  const ac = new AbortController();
  const w1 = waitForExitFile(dirs.exitsDir, 'g1', () => readExitStatus(ps[0]!));
  const w2 = waitForExitFile(dirs.exitsDir, 'g2', () => readExitStatus(ps[1]!), ac.signal);
  const w3 = waitForExitFile(dirs.exitsDir, 'g3', () => readExitStatus(ps[2]!));
  ac.abort(new Error('gone'));
  await assert.rejects(w2, /gone/);
  setTimeout(() => void writeFile(ps[2]!.exitFile, '3'), 50);
  setTimeout(() => void writeFile(ps[0]!.exitFile, '1'), 150);
  assert.deepEqual([(await w1).exitCode, (await w3).exitCode], [1, 3]);
});

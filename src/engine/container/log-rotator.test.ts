// LogRotator with a stand-in runtime: a container whose conmon does not cap
// its log is rotated by size and conmon asked to reopen it; after a restart
// (its conmon now caps the log) it gets the hard-link history instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container } from '../../core/types.ts';
import type { Logger } from '../../lib/logger.ts';
import type { ContainerRuntime } from '../../runtime/index.ts';
import { LogRotator } from './log-rotator.ts';
import { rotatedLogFiles } from './log-rotation.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, with: () => quiet };

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, what);
    await settle(20);
  }
}

test('an uncapped log is rotated by size until its container restarts under a conmon that caps it', { timeout: 20_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-rotator-'));
  const path = join(dir, 'c-json.log');
  let capped = false;
  let reopened = 0;
  const runtime = {
    logCapped: async () => capped,
    reopenLog: async () => {
      reopened++;
      await writeFile(path, '');
    },
  } as unknown as ContainerRuntime;
  let container = {
    id: 'c1',
    logPath: path,
    runtime: 'runc',
    state: { startedAt: '2026-01-01T00:00:00Z' },
    spec: { host: { logConfig: { type: 'json-file', config: { 'max-size': '100', 'max-file': '2' } } } },
  } as unknown as Container;
  await writeFile(path, 'x'.repeat(150));
  const rotator = new LogRotator({ running: async () => [container], runtimeFor: async () => runtime, log: quiet, intervalMs: 30 });
  try {
    await until('the uncapped log was rotated', async () => reopened === 1);
    assert.equal((await readFile(`${path}.1`, 'utf8')).length, 150);
    assert.equal(await readFile(path, 'utf8'), '');
    assert.deepEqual(await rotatedLogFiles(path), [`${path}.1`], 'no hard link is made for an uncapped log');
    // Restarted: its new conmon caps the log, so the live file gets its second name and size alone rotates nothing.
    capped = true;
    container = { ...container, state: { ...container.state, startedAt: '2026-01-01T00:01:00Z' } } as Container;
    await writeFile(path, 'y'.repeat(150));
    await until('the live file got its .0 name', async () => (await stat(`${path}.0`).catch(() => undefined))?.ino === (await stat(path)).ino);
    await settle(150);
    assert.equal(reopened, 1, 'no size rotation once conmon caps the log');
  } finally {
    rotator.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a quiet log is not checked on every pass; a write to it has the next pass check it', { timeout: 20_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-rotator-'));
  const path = join(dir, 'c-json.log');
  const container = {
    id: 'c2',
    logPath: path,
    runtime: 'runc',
    state: { startedAt: '2026-01-01T00:00:00Z' },
    spec: { host: { logConfig: { type: 'json-file', config: { 'max-size': '1m', 'max-file': '3' } } } },
  } as unknown as Container;
  await writeFile(path, 'first line\n');
  let checks = 0;
  const rotator = new LogRotator({
    running: async () => [container],
    log: quiet,
    intervalMs: 30,
    rotateIfReplaced: async () => {
      checks++;
      return false;
    },
  });
  try {
    await until('the first pass checked the log', async () => checks === 1);
    // Ten passes with nothing written.
    await settle(300);
    assert.equal(checks, 1, 'a log whose directory reported nothing is not checked again');
    await appendFile(path, 'second line\n');
    await until('the pass after the write checked the log', async () => checks === 2);
    await settle(300);
    assert.equal(checks, 2);
  } finally {
    rotator.close();
    await rm(dir, { recursive: true, force: true });
  }
});

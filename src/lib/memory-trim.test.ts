import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeapSpaceStatistics } from 'node:v8';
import { fullGc, idleTrim } from './memory-trim.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('idleTrim() trims once, after the last touch has been quiet for quietMs', async () => {
  let trims = 0;
  const t = idleTrim({ quietMs: 60, maxDelayMs: 10_000, trim: () => trims++ });
  t.touch();
  await sleep(30);
  t.touch();
  await sleep(40);
  assert.equal(trims, 0, 'the second touch should have pushed the trim back');
  await sleep(60);
  assert.equal(trims, 1);
  await sleep(100);
  assert.equal(trims, 1, 'no touch, no further trim');
  t.touch();
  await sleep(100);
  assert.equal(trims, 2);
  t.close();
});

test('idleTrim() trims after maxDelayMs under touches that never leave it quiet', async () => {
  let trims = 0;
  const t = idleTrim({ quietMs: 50, maxDelayMs: 150, trim: () => trims++ });
  const started = Date.now();
  while (Date.now() - started < 260) {
    t.touch();
    await sleep(10);
  }
  t.close();
  assert.equal(trims, 1);
});

test('idleTrim() does nothing after close()', async () => {
  let trims = 0;
  const t = idleTrim({ quietMs: 20, maxDelayMs: 100, trim: () => trims++ });
  t.touch();
  t.close();
  t.touch();
  await sleep(60);
  assert.equal(trims, 0);
});

test('fullGc() collects without --expose-gc and leaves gc off the global object', () => {
  let kept: object[] = [];
  for (let i = 0; i < 200_000; i++) {
    kept.push({ i, s: `x${i}` });
    if (kept.length > 1000) kept = [];
  }
  kept = [];
  const used = () => getHeapSpaceStatistics().reduce((n, s) => n + s.space_used_size, 0);
  const before = used();
  fullGc();
  assert.ok(used() < before, `heap used ${before} → ${used()}`);
  assert.equal((globalThis as { gc?: unknown }).gc, undefined);
});

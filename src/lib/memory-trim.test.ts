import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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

test('idleTrim() trims at once when a touch finds the resident size grown past growthBytes, and measures from that trim', async () => {
  let trims = 0;
  let size = 100;
  // Each trim gives back all but 8 of what was there above 100.
  const trim = () => {
    trims++;
    size = 108;
  };
  const t = idleTrim({ quietMs: 50, maxDelayMs: 10_000, growthBytes: 10, growthCheckMs: 0, rss: () => size, trim });
  // Touches that keep it busy, the size growing under the bound: no trim.
  for (let i = 0; i < 5; i++) {
    size += 1;
    t.touch();
    await sleep(20);
  }
  assert.equal(trims, 0);
  size = 115;
  t.touch();
  await sleep(5);
  assert.equal(trims, 1, 'grown by 15 > 10 since the start: trimmed on the next turn');
  await sleep(60);
  size = 117;
  t.touch();
  await sleep(5);
  assert.equal(trims, 1, '9 above the size after the trim (108): not yet');
  size = 119;
  t.touch();
  await sleep(5);
  assert.equal(trims, 2);
  t.close();
});

test('idleTrim() trims for growth at most once per quietMs, and trimNow() resets the measure', async () => {
  let trims = 0;
  let size = 100;
  const t = idleTrim({ quietMs: 80, maxDelayMs: 10_000, growthBytes: 10, growthCheckMs: 0, rss: () => size, trim: () => trims++ });
  size = 200;
  t.trimNow();
  assert.equal(trims, 1);
  t.touch();
  await sleep(5);
  assert.equal(trims, 1, 'no growth since trimNow()');
  size = 300;
  t.touch();
  await sleep(5);
  assert.equal(trims, 1, 'within quietMs of the last trim');
  await sleep(90);
  t.touch();
  await sleep(5);
  assert.equal(trims, 2);
  t.close();
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

test('fullGc() is a full collection (old-space garbage freed) without --expose-gc, and leaves gc off the global object', async () => {
  const oldUsed = () => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')!.space_used_size;
  // Long-lived enough to be promoted to the old space by the scavenges that this allocation causes.
  let kept: object[][] = [];
  for (let round = 0; round < 10; round++) kept.push(Array.from({ length: 50_000 }, (_, i) => ({ i, s: `x${i}` })));
  await sleep(10);
  const before = oldUsed();
  kept = [];
  fullGc();
  const after = oldUsed();
  // A scavenge (what gc({type: 'major'}) gives in Node 20) would leave the old space as it was.
  assert.ok(after < before - 10 * 1024 * 1024, `old space used ${before} → ${after}`);
  assert.equal(kept.length, 0);
  assert.equal((globalThis as { gc?: unknown }).gc, undefined);
});

test('fullGc() compacts: old-space pages that a plain full collection keeps for their survivors go back', () => {
  const committed = () => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')!.space_size;
  setFlagsFromString('--expose-gc');
  const plainGc = runInNewContext('gc') as () => void;
  // About 40 MB of old-space pages, then every other object dropped: each page stays half full,
  // which V8's own heuristics leave as it is (a page nearly empty they would evacuate themselves).
  let kept: { i: number; s: string }[][] = [];
  for (let round = 0; round < 30; round++) kept.push(Array.from({ length: 20_000 }, (_, i) => ({ i, s: `x${i}` })));
  plainGc();
  kept = kept.map((a) => a.filter((_, i) => i % 2 === 1));
  plainGc();
  plainGc();
  const plain = committed();
  fullGc();
  const compacted = committed();
  // Measured: 45 MB committed after plain full GCs, 25-26 MB after fullGc().
  assert.ok(compacted < plain - 10 * 1024 * 1024, `old space committed: ${plain} bytes after plain full GCs, ${compacted} after fullGc()`);
  assert.equal(kept.length, 30);
});

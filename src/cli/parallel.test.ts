import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parallelOperation } from './parallel.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('parallelOperation() runs the operations at once and keeps their outcomes in the order named', async () => {
  const started = Date.now();
  const results = parallelOperation(['a', 'b', 'c', 'd'], async (n) => {
    await sleep(n === 'a' ? 150 : 50);
    if (n === 'c') throw new Error('no c');
    return n.toUpperCase();
  });
  const settled = await Promise.all(results);
  assert.ok(Date.now() - started < 140 + 100, 'they ran in parallel');
  assert.deepEqual(settled.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)), ['A', 'B', 'no c', 'D']);
});

test('parallelOperation() keeps at most `limit` operations in flight', async () => {
  let inFlight = 0;
  let most = 0;
  await Promise.all(parallelOperation(Array.from({ length: 20 }, (_, i) => String(i)), async () => {
    inFlight++;
    most = Math.max(most, inFlight);
    await sleep(5);
    inFlight--;
  }, 3));
  assert.equal(most, 3);
});

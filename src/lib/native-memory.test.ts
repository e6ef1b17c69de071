// The addon's lowMemoryNotification() (native/berth-native.c): it reaches V8's
// memory-reducing collection in this Node, frees old-space garbage and gives
// back the half-empty pages a plain full collection keeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { nativeIfBuilt } from './native.ts';

const oldSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')!;

test('lowMemoryNotification() frees old-space garbage and compacts pages a plain full collection keeps half full', () => {
  const native = nativeIfBuilt();
  assert.ok(native, 'the addon is built (npm run build)');
  setFlagsFromString('--expose-gc');
  const plainGc = runInNewContext('gc') as () => void;
  let kept: { i: number; s: string }[][] = [];
  for (let round = 0; round < 30; round++) kept.push(Array.from({ length: 20_000 }, (_, i) => ({ i, s: `x${i}` })));
  plainGc();
  const full = oldSpace().space_used_size;
  kept = kept.map((a) => a.filter((_, i) => i % 2 === 1));
  plainGc();
  plainGc();
  const plain = oldSpace().space_size;
  assert.equal(native.lowMemoryNotification(), true, "this Node exports V8's LowMemoryNotification");
  const after = oldSpace();
  assert.ok(after.space_used_size < full - 10 * 1024 * 1024, `old space used: ${full} bytes before the garbage, ${after.space_used_size} after`);
  assert.ok(after.space_size < plain - 10 * 1024 * 1024, `old space committed: ${plain} bytes after plain full GCs, ${after.space_size} after lowMemoryNotification()`);
  assert.equal(kept.length, 30);
});

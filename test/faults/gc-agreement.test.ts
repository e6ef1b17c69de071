// Removal and garbage collection agree on what is referenced: after `push`
// (which compresses a committed image's uncompressed layer) and `rmi`, no
// blob of that image is left, and the next berthd's start-up collection
// finds nothing to remove. Before, the pushed blobs stayed until a restart
// while `system df` reported nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBusybox } from '../integration/harness.ts';
import { startRegistry, type Registry } from '../integration/registry-support.ts';
import { faultDaemon, storeReport, type FaultDaemon } from './faults-support.ts';

let d: FaultDaemon;
let reg: Registry;

before(async () => {
  reg = await startRegistry();
  d = await faultDaemon();
  await d.start();
  await ensureBusybox(d);
});

after(async () => {
  await d?.stop();
  await reg?.stop();
});

const blobs = () => readdirSync(join(d.dataRoot, 'blobs', 'sha256')).sort();

test('push then rmi leaves no blob behind, and the start-up gc then finds nothing to remove', { timeout: 120_000 }, async (t) => {
  const before = blobs();
  const made = await d.berth(['run', '--name', 'big', '--network', 'none', 'busybox', 'sh', '-c', 'head -c 4194304 /dev/urandom > /blob']);
  assert.equal(made.code, 0, made.stderr);
  const ref = `${reg.host}/faults/pushed:1`;
  const committed = await d.berth(['commit', 'big', ref]);
  assert.equal(committed.code, 0, committed.stderr);
  await d.berth(['rm', 'big']);
  const pushed = await d.berth(['push', ref]);
  assert.equal(pushed.code, 0, pushed.stderr);
  t.diagnostic(`blobs: ${before.length} before, ${blobs().length} after commit and push`);
  assert.deepEqual(storeReport(d.dataRoot).orphanBlobs, [], 'push left a blob nothing names');
  const removed = await d.berth(['rmi', ref]);
  assert.equal(removed.code, 0, removed.stderr);
  const df = await d.berth(['system', 'df', '--format', '{{.Type}} {{.Size}}']);
  t.diagnostic(`after rmi: ${blobs().length} blobs; system df: ${df.stdout.trim().replace(/\n/g, ', ')}`);
  assert.deepEqual(storeReport(d.dataRoot).orphanBlobs, [], 'rmi left blobs nothing names');
  // busybox's config and its one layer (now as the gzip the push made of it) are all that is left.
  assert.equal(blobs().length, before.length, `rmi left blobs of the pushed image: ${blobs().join(', ')}`);
  await d.restart();
  await d.waitLog(/start-up gc done/);
  const gc = /"msg":"start-up gc done"[^\n]*"layers":(\d+),"blobs":(\d+)/.exec(d.log());
  t.diagnostic(`start-up gc after the restart: ${gc?.[1]} layers, ${gc?.[2]} blobs removed`);
  assert.deepEqual([gc?.[1], gc?.[2]], ['0', '0'], 'the start-up gc found garbage that rmi left');
});

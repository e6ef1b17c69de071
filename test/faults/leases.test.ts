// Leases against a garbage collection in a running berthd. `commit` and a
// build's RUN step write their layer's blob first and the image record that
// names it after; a collection in between (here the sweep that ends an `rmi`
// of another image) must not take the blob. berthd is held between the two
// (BERTH_HOLD_AT, src/lib/crash-point.ts) while the test removes an image;
// released, the commit or build must finish, and its image must run.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBusybox } from '../integration/harness.ts';
import { faultDaemon, settledStoreReport, storeReport, type FaultDaemon } from './faults-support.ts';

function context(dockerfile: string): string {
  const dir = mkdtempSync('/tmp/berth-faults-ctx-');
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  return dir;
}

/**
 * Starts berthd held at `point`, prepares an image to remove, runs `job`
 * until berthd waits at the point, removes that image (its rmi ends with a
 * sweep of the store), lets berthd go on and returns the job's result.
 */
async function withSweepAt(t: TestContext, point: string, prepare: (d: FaultDaemon) => Promise<void>, job: (d: FaultDaemon) => Promise<{ code: number; stderr: string }>, check: (d: FaultDaemon) => Promise<void>): Promise<void> {
  const d = await faultDaemon();
  const hold = join(d.root, 'hold');
  const ctx = context('FROM busybox\nLABEL sweep=1\n');
  try {
    writeFileSync(hold, '');
    await d.start({ env: { BERTH_HOLD_AT: point, BERTH_HOLD_FILE: hold } });
    await ensureBusybox(d);
    const sweep = await d.berth(['build', '-t', 'sweep', ctx]);
    assert.equal(sweep.code, 0, sweep.stderr);
    await prepare(d);
    const running = job(d);
    await d.waitLog(/BERTH_HOLD_AT reached/, 60_000);
    // The window is real: the new layer's blob is in the store and nothing names it yet.
    const held = storeReport(d.dataRoot).orphanBlobs;
    assert.equal(held.length, 1, `blobs no record names while held: ${held.join(', ')}`);
    const rmi = await d.berth(['rmi', 'sweep']);
    assert.equal(rmi.code, 0, rmi.stderr);
    assert.match(d.log(), /"msg":"garbage collected"/, 'the rmi swept nothing: the test would prove nothing');
    const after = storeReport(d.dataRoot).orphanBlobs;
    t.diagnostic(`held at ${point}: blob ${held[0]}; after the rmi's sweep it is ${after.includes(held[0]!) ? 'still there' : 'gone'}`);
    unlinkSync(hold);
    const r = await running;
    assert.deepEqual(after, held, 'the sweep took the leased blob');
    assert.equal(r.code, 0, `${r.stderr}\n${d.log().slice(-1500)}`);
    await check(d);
    const report = await settledStoreReport(d.dataRoot);
    t.diagnostic(`store after: ${JSON.stringify(report)}`);
    assert.deepEqual(report, { halfImages: [], orphanBlobs: [], orphanSnapshots: [], orphanLayerRows: [], brokenContainers: [], scratch: [] });
  } finally {
    rmSync(hold, { force: true });
    rmSync(ctx, { recursive: true, force: true });
    const nat = await d.stop();
    assert.deepEqual(nat, [], `NAT rules left after berthd stopped: ${nat.join(' | ')}`);
  }
}

test('a sweep between commit\'s layer blob and its image record takes nothing of it; the commit finishes', { timeout: 180_000 }, async (t) => {
  await withSweepAt(t, 'commit.layer-written',
    async (d) => {
      const made = await d.berth(['run', '--name', 'src', '--network', 'none', 'busybox', 'sh', '-c', 'echo committed > /f']);
      assert.equal(made.code, 0, made.stderr);
    },
    (d) => d.berth(['commit', 'src', 'committed']),
    async (d) => {
      const f = await d.berth(['run', '--rm', '--network', 'none', 'committed', 'cat', '/f']);
      assert.equal(f.stdout, 'committed\n', f.stderr);
    });
});

test('a sweep between a RUN step\'s layer blob and its image record takes nothing of it; the build finishes', { timeout: 180_000 }, async (t) => {
  const ctx = context('FROM busybox\nRUN echo built > /f\n');
  try {
    await withSweepAt(t, 'build.layer-written',
      async () => undefined,
      (d) => d.berth(['build', '-t', 'built', ctx]),
      async (d) => {
        const f = await d.berth(['run', '--rm', '--network', 'none', 'built', 'cat', '/f']);
        assert.equal(f.stdout, 'built\n', f.stderr);
      });
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
});

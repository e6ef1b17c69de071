// The sandbox demo from the lecture (issue 2, item 6): `rm -rf /` inside a
// container deletes only the container's own view; the host, the daemon's data
// and the image stay intact, and the daemon keeps working.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';

let daemon: Daemon | undefined;
let canaryDir: string | undefined;

before(async () => {
  daemon = await startDaemon();
  await ensureBusybox(daemon);
  canaryDir = mkdtempSync('/tmp/berth-test-canary-');
  writeFileSync(join(canaryDir, 'canary'), 'still here\n');
});

after(async () => {
  await daemon?.stop();
  if (canaryDir) rmSync(canaryDir, { recursive: true, force: true });
});

function d(): Daemon {
  assert.ok(daemon, 'berthd did not start (see the before hook)');
  return daemon;
}

test("run --rm busybox sh -c 'rm -rf / 2>/dev/null; echo done' prints done and leaves the host untouched", { timeout: 120_000 }, async () => {
  const hostname = readFileSync('/etc/hostname', 'utf8');
  const dataBefore = readdirSync(d().dataRoot).sort();

  const r = await d().berth(['run', '--rm', 'busybox', 'sh', '-c', 'rm -rf / 2>/dev/null; echo done']);
  assert.equal(r.code, 0, `exit ${r.code}, stderr ${JSON.stringify(r.stderr)}`);
  assert.equal(r.stdout, 'done\n');

  assert.equal(readFileSync(join(canaryDir!, 'canary'), 'utf8'), 'still here\n', 'the canary file on the host is intact');
  assert.ok(existsSync('/bin/busybox'), '/bin/busybox still exists on the host');
  assert.equal(readFileSync('/etc/hostname', 'utf8'), hostname, '/etc/hostname on the host is unchanged');
  assert.ok(existsSync(d().socket), "the daemon's socket still exists");
  assert.deepEqual(readdirSync(d().dataRoot).sort(), dataBefore, "the daemon's data root still has everything it had");
});

test('the image and the daemon still work after the demo', { timeout: 60_000 }, async () => {
  const r = await d().berth(['run', '--rm', 'busybox', 'sh', '-c', 'ls /bin/busybox && echo intact']);
  assert.equal(r.code, 0, `exit ${r.code}, stderr ${JSON.stringify(r.stderr)}`);
  assert.equal(r.stdout, '/bin/busybox\nintact\n');
  const ps = await d().berth(['ps', '-a', '-q']);
  assert.equal(ps.code, 0);
  assert.equal(ps.stdout, '', 'no container is left after run --rm');
});

// `berth stop`, `kill` and `rm -f` of several containers act on them at once,
// as docker's CLI does (at most 50 requests in flight), and print the names
// in the order given. Ten containers whose PID 1 ignores SIGTERM stop with
// `-t 2` in about two seconds, not ten times that.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBusyboxDaemon } from './harness.ts';

const daemon = useBusyboxDaemon();

async function runTen(prefix: string): Promise<string[]> {
  const names = Array.from({ length: 10 }, (_, i) => `${prefix}${i}`);
  for (const name of names) {
    // sleep as PID 1 has no SIGTERM handler: the kernel drops the signal and stop must wait out -t.
    const r = await daemon().berth(['run', '-d', '--name', name, '--network', 'none', 'busybox', 'sleep', '300']);
    assert.equal(r.code, 0, r.stderr);
  }
  return names;
}

test('berth stop -t 2 of ten containers stops them at once and names them in order', { timeout: 180_000 }, async () => {
  const names = await runTen('par-stop-');
  const started = Date.now();
  const r = await daemon().berth(['stop', '-t', '2', ...names, 'no-such-container']);
  const ms = Date.now() - started;
  console.log(`berth stop -t 2 of 10: ${ms} ms`);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, names.map((n) => `${n}\n`).join(''));
  assert.match(r.stderr, /No such container: no-such-container/);
  assert.ok(ms < 12_000, `stop took ${ms} ms (one at a time would be 20 s or more)`);
  const ps = await daemon().berth(['ps', '-q', '--filter', 'name=par-stop-']);
  assert.equal(ps.stdout, '');
});

test('berth kill and rm -f of several keep the order named', { timeout: 180_000 }, async () => {
  const names = await runTen('par-kill-');
  const killed = await daemon().berth(['kill', ...names]);
  assert.equal(killed.code, 0, killed.stderr);
  assert.equal(killed.stdout, names.map((n) => `${n}\n`).join(''));
  const removed = await daemon().berth(['rm', '-f', ...names, 'par-stop-0', 'gone-already']);
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(removed.stdout, [...names, 'par-stop-0'].map((n) => `${n}\n`).join(''));
  assert.match(removed.stderr, /No such container: gone-already/);
});

// A stop's signal reaches a container's program even when the stop comes before
// the program has set its handler (signal-fate.ts): the kernel drops a signal
// that a pid namespace's init has no handler for. dockerd and containerd lose
// such a signal and wait out the grace period; berth sends it once more when
// the program catches it (docs/compatibility.md). Real runc, through the API.
// The narrower window right after a start (runc's init releases the start
// before its execve) is critest's "removing stopped container" spec, which lost
// its signal in about one run of five before (test/cri/critest-compare.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBusyboxDaemon } from './harness.ts';

const daemon = useBusyboxDaemon();

async function createAndStart(name: string, cmd: string[]): Promise<void> {
  const d = daemon();
  const created = await d.json('POST', `/containers/create?name=${name}`, { Image: 'busybox', Cmd: cmd, HostConfig: { NetworkMode: 'none' } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const started = await d.request('POST', `/containers/${name}/start`);
  assert.equal(started.status, 204, started.body.toString());
}

async function exitCode(name: string): Promise<number> {
  return (await daemon().json<{ State: { ExitCode: number } }>('GET', `/containers/${name}/json`)).body.State.ExitCode;
}

test('a stop signal the program had no handler for yet is sent again once it has one', { timeout: 120_000 }, async () => {
  // PID 1 of its namespace without a TERM trap for its first second: the kernel drops the first SIGTERM.
  await createAndStart('late', ['sh', '-c', 'sleep 1; trap "exit 7" TERM; while :; do sleep 0.1; done']);
  const t0 = Date.now();
  const stopped = await daemon().request('POST', '/containers/late/stop?t=30');
  const ms = Date.now() - t0;
  assert.equal(stopped.status, 204, stopped.body.toString());
  assert.equal(await exitCode('late'), 7, 'the trap ran: the signal came again once the trap was set');
  assert.ok(ms >= 900 && ms < 10_000, `the stop took ${ms} ms: the trap is set after 1 s`);
  assert.match(daemon().logTail(40), /stop signal sent again/);
});

test('a program that never handles the signal is still killed at the end of the grace period', { timeout: 120_000 }, async () => {
  await createAndStart('never', ['sleep', '1000']);
  const t0 = Date.now();
  const stopped = await daemon().request('POST', '/containers/never/stop?t=1');
  const ms = Date.now() - t0;
  assert.equal(stopped.status, 204, stopped.body.toString());
  assert.equal(await exitCode('never'), 137);
  assert.ok(ms >= 1000 && ms < 5000, `the stop took ${ms} ms`);
});

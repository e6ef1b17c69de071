// Acceptance of issue 2: containers outlive berthd. `kill -9` berthd while a
// container runs, start berthd again on the same roots: `ps` shows the container
// running, `logs` works, and when it exits its code is recorded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBusyboxDaemon } from './harness.ts';
import { processes, show, until } from './acceptance-support.ts';

const d = useBusyboxDaemon();

test('a container keeps running through kill -9 of berthd and its exit code is recorded after restart', { timeout: 120_000 }, async () => {
  // sleep 6 leaves time for the kill and the restart while it still runs.
  const run = await d().berth(['run', '-d', '--name', 'survivor', 'busybox', 'sh', '-c', 'echo started; sleep 6; exit 7']);
  assert.equal(run.code, 0, show(run));
  const id = run.stdout.trim();
  assert.match(id, /^[0-9a-f]{64}$/, show(run));
  await until('"started" in the logs', 5_000, async () => ((await d().berth(['logs', 'survivor'])).stdout.includes('started') ? true : undefined));

  const oldPid = d().pid;
  await d().kill('SIGKILL');
  const conmon = processes().filter((p) => p.comm === 'conmon' && p.cmdline.includes(id));
  assert.ok(conmon.length > 0, `conmon for ${id} survives the daemon's death`);

  await d().restart();
  assert.notEqual(d().pid, oldPid, 'a new berthd runs');

  const ps = await d().berth(['ps']);
  assert.equal(ps.code, 0, show(ps));
  const row = ps.stdout.split('\n').find((l) => l.trimEnd().endsWith(' survivor'));
  assert.ok(row, `ps lists survivor after the restart: ${show(ps)}`);
  assert.match(row, /\sUp /, `survivor is Up: ${row}`);

  const logs = await d().berth(['logs', 'survivor']);
  assert.equal(logs.code, 0, show(logs));
  assert.equal(logs.stdout, 'started\n', show(logs));

  const wait = await d().berth(['wait', 'survivor'], { timeoutMs: 30_000 });
  assert.equal(wait.code, 0, show(wait));
  assert.equal(wait.stdout, '7\n', `wait prints the exit code: ${show(wait)}`);

  const state = await d().berth(['inspect', '-f', '{{.State.Status}} {{.State.Running}} {{.State.ExitCode}}', 'survivor']);
  assert.equal(state.code, 0, show(state));
  assert.equal(state.stdout, 'exited false 7\n', show(state));

  const psAll = await d().berth(['ps', '-a', '--filter', 'name=survivor', '--format', '{{.Status}}']);
  assert.match(psAll.stdout, /^Exited \(7\) /, show(psAll));

  const rm = await d().berth(['rm', 'survivor']);
  assert.equal(rm.code, 0, show(rm));
});

test('berthd restarted after kill -9 still runs new containers', { timeout: 60_000 }, async () => {
  const r = await d().berth(['run', '--rm', 'busybox', 'echo', 'after restart']);
  assert.equal(r.code, 0, show(r));
  assert.equal(r.stdout, 'after restart\n');
});

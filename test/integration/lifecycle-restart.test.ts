// Restart policies against a real berthd: on-failure:N gives up after N
// restarts, a restarting container shows as `Restarting (n) …` in ps and a
// manual stop ends the loop, --rm conflicts with --restart, and after berthd
// restarts `always`/`unless-stopped` containers come back (not an
// `unless-stopped` one the user stopped), and an --rm container that is not
// running is removed.
import { show, until } from './acceptance-support.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBusyboxDaemon } from './harness.ts';

const d = useBusyboxDaemon();

async function inspect(name: string, format: string): Promise<string> {
  const r = await d().berth(['inspect', '-f', format, name]);
  assert.equal(r.code, 0, show(r));
  return r.stdout.trim();
}

test('on-failure:2 restarts a failing container twice, then it stays Exited (1)', { timeout: 60_000 }, async () => {
  const r = await d().berth(['run', '-d', '--name', 'onfail', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'exit 1']);
  assert.equal(r.code, 0, show(r));
  await until('two restarts and a final exit', 20_000, async () => ((await inspect('onfail', '{{.State.Status}} {{.RestartCount}}')) === 'exited 2' ? true : undefined));
  await new Promise((res) => setTimeout(res, 1500));
  assert.equal(await inspect('onfail', '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}'), 'exited 2 1 on-failure 2');
  const ps = await d().berth(['ps', '-a', '--filter', 'name=onfail', '--format', '{{.Status}}']);
  assert.match(ps.stdout, /^Exited \(1\) /, show(ps));
  assert.equal((await d().berth(['rm', 'onfail'])).code, 0);
});

test('on-failure does not restart a container that exits 0', { timeout: 30_000 }, async () => {
  const r = await d().berth(['run', '-d', '--name', 'onfail0', '--restart', 'on-failure', 'busybox', 'true']);
  assert.equal(r.code, 0, show(r));
  await until('the exit', 10_000, async () => ((await inspect('onfail0', '{{.State.Status}}')) === 'exited' ? true : undefined));
  await new Promise((res) => setTimeout(res, 500));
  assert.equal(await inspect('onfail0', '{{.State.Status}} {{.RestartCount}}'), 'exited 0');
  assert.equal((await d().berth(['rm', 'onfail0'])).code, 0);
});

test('an always container shows Restarting in ps, and docker stop ends its restarts', { timeout: 60_000 }, async () => {
  const r = await d().berth(['run', '-d', '--name', 'looper', '--restart', 'always', 'busybox', 'sh', '-c', 'exit 3']);
  assert.equal(r.code, 0, show(r));
  // By the 5th restart the back-off (1.6 s, then 3.2 s) leaves time to look.
  await until('five restarts', 20_000, async () => ((await inspect('looper', '{{.State.Status}} {{.RestartCount}}')) === 'restarting 5' ? true : undefined));
  assert.equal(await inspect('looper', '{{.State.Restarting}} {{.State.Running}}'), 'true true');
  const ps = await d().berth(['ps', '--filter', 'name=looper', '--format', '{{.Status}}']);
  assert.match(ps.stdout, /^Restarting \(3\) (Less than a second|\d+ seconds?) ago\n$/, show(ps));
  const rmRefused = await d().berth(['rm', 'looper']);
  assert.notEqual(rmRefused.code, 0, show(rmRefused));
  assert.match(rmRefused.stderr, /You cannot remove a restarting container/, show(rmRefused));
  const stop = await d().berth(['stop', 'looper'], { timeoutMs: 30_000 });
  assert.equal(stop.code, 0, show(stop));
  const count = await inspect('looper', '{{.State.Status}} {{.RestartCount}}');
  assert.match(count, /^exited \d+$/);
  await new Promise((res) => setTimeout(res, 1500));
  assert.equal(await inspect('looper', '{{.State.Status}} {{.RestartCount}}'), count, 'no restart after a manual stop');
  assert.equal((await d().berth(['rm', 'looper'])).code, 0);
});

test('--restart with --rm is refused with docker\'s message', { timeout: 30_000 }, async () => {
  const r = await d().berth(['run', '--rm', '--restart', 'always', 'busybox', 'true']);
  assert.notEqual(r.code, 0, show(r));
  assert.match(r.stderr, /conflicting options: cannot specify both --restart and --rm/, show(r));
  const bad = await d().berth(['run', '-d', '--restart', 'sometimes', 'busybox', 'true']);
  assert.notEqual(bad.code, 0, show(bad));
  assert.match(bad.stderr, /invalid restart policy: unknown policy 'sometimes'/, show(bad));
});

test('after berthd restarts, always and unless-stopped containers come back, an unless-stopped one stopped by the user does not', { timeout: 120_000 }, async () => {
  for (const [name, policy] of [['alw', 'always'], ['uls', 'unless-stopped'], ['uls-stopped', 'unless-stopped'], ['alw-stopped', 'always']] as const) {
    const r = await d().berth(['run', '-d', '--name', name, '--restart', policy, 'busybox', 'sleep', '1000']);
    assert.equal(r.code, 0, show(r));
  }
  for (const name of ['uls-stopped', 'alw-stopped']) assert.equal((await d().berth(['stop', '-t', '0', name])).code, 0);
  const pids = { alw: Number(await inspect('alw', '{{.State.Pid}}')), uls: Number(await inspect('uls', '{{.State.Pid}}')) };
  await d().kill('SIGKILL');
  // The "machine" loses the running containers while berthd is away.
  for (const pid of Object.values(pids)) process.kill(pid, 'SIGKILL');
  await new Promise((res) => setTimeout(res, 500));
  await d().restart();
  for (const name of ['alw', 'uls', 'alw-stopped']) {
    await until(`${name} running again`, 20_000, async () => ((await inspect(name, '{{.State.Status}}')) === 'running' ? true : undefined));
  }
  assert.notEqual(Number(await inspect('alw', '{{.State.Pid}}')), pids.alw);
  assert.equal(await inspect('uls-stopped', '{{.State.Status}}'), 'exited');
  const rm = await d().berth(['rm', '-f', 'alw', 'uls', 'uls-stopped', 'alw-stopped']);
  assert.equal(rm.code, 0, show(rm));
});

test('berthd\'s start removes an --rm container that is not running, as dockerd\'s restore does, and keeps a running one', { timeout: 60_000 }, async () => {
  assert.equal((await d().berth(['create', '--rm', '--name', 'rm-created', 'busybox', 'true'])).code, 0);
  const running = await d().berth(['run', '-d', '--rm', '--name', 'rm-running', 'busybox', 'sleep', '1000']);
  assert.equal(running.code, 0, show(running));
  await d().kill('SIGTERM');
  await d().restart();
  const gone = await d().berth(['inspect', 'rm-created']);
  assert.equal(gone.code, 1, show(gone));
  assert.match(gone.stderr, /No such object: rm-created/);
  assert.equal(await inspect('rm-running', '{{.State.Status}}'), 'running');
  assert.equal((await d().berth(['rm', '-f', 'rm-running'])).code, 0);
});

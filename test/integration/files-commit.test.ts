// `commit`, `diff` and `export` against a private berthd: a committed image
// carries the container's changes and the -c/-m/-a options, diff shows A/C/D
// from the overlay upper dir, export is the rootfs as a tar.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';

let d: Daemon;
let tmp: string;

before(async () => {
  d = await startDaemon();
  await ensureBusybox(d);
  tmp = mkdtempSync(join(tmpdir(), 'berth-commit-'));
  const r = await d.berth(['run', '--name', 'basec', '--network', 'none', 'busybox', 'sh', '-c', 'echo 1 > /keep && echo 2 > /gone && mkdir /olddir && echo o > /olddir/x']);
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  await d?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('berth commit makes an image holding the container\'s files, with -m, -a and -c applied', async () => {
  let r = await d.berth(['commit', '-m', 'first', '-a', 'Tester <t@example.com>', '-c', 'ENV FOO=bar', '-c', 'CMD ["cat", "/keep"]', 'basec', 'base:1']);
  assert.equal(r.code, 0, r.stderr + d.logTail());
  assert.match(r.stdout, /^sha256:[0-9a-f]{64}\n$/);
  r = await d.berth(['run', '--rm', '--network', 'none', 'base:1']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '1\n');
  r = await d.berth(['run', '--rm', '--network', 'none', 'base:1', 'sh', '-c', 'echo $FOO; cat /olddir/x; test -e /etc/hosts && echo hosts']);
  assert.equal(r.stdout, 'bar\no\nhosts\n');
  const inspect = await d.json<{ Author: string; Comment: string; Config: { Env: string[] } }>('GET', '/images/base:1/json');
  assert.equal(inspect.body.Author, 'Tester <t@example.com>');
  assert.equal(inspect.body.Comment, 'first');
  assert.ok(inspect.body.Config.Env.includes('FOO=bar'));
});

test('berth diff lists added, changed and deleted paths from the upper dir', async () => {
  let r = await d.berth(['run', '--name', 'changer', '--network', 'none', 'base:1', 'sh', '-c', 'rm /gone && echo 3 >> /keep && mkdir /d && touch /d/f && rm -r /olddir && mkdir /olddir && echo n > /olddir/y']);
  assert.equal(r.code, 0, r.stderr);
  r = await d.berth(['diff', 'changer']);
  assert.equal(r.code, 0, r.stderr + d.logTail());
  const lines = r.stdout.trim().split('\n');
  assert.ok(lines.includes('A /d'), r.stdout);
  assert.ok(lines.includes('A /d/f'), r.stdout);
  assert.ok(lines.includes('D /gone'), r.stdout);
  assert.ok(lines.includes('C /keep'), r.stdout);
  assert.ok(lines.includes('D /olddir/x'), r.stdout);
  assert.ok(lines.includes('A /olddir/y'), r.stdout);
  assert.ok(!lines.some((l) => /\/etc\/hosts|\/proc|\/dev/.test(l)), r.stdout);
  const docker = await d.docker(['diff', 'changer']);
  assert.equal(docker.code, 0, docker.stderr);
  assert.equal(docker.stdout, r.stdout);
});

test('a committed deletion stays deleted in the new image', async () => {
  let r = await d.berth(['commit', 'changer', 'base:2']);
  assert.equal(r.code, 0, r.stderr);
  r = await d.berth(['run', '--rm', '--network', 'none', 'base:2', 'sh', '-c', 'ls / | grep -c gone; cat /keep; ls /olddir']);
  assert.equal(r.stdout, '0\n1\n3\ny\n');
});

test('berth commit pauses a running container by default and leaves it running', async () => {
  let r = await d.berth(['run', '-d', '--name', 'busy', '--network', 'none', 'busybox', 'sh', '-c', 'echo live > /live; sleep 1000']);
  assert.equal(r.code, 0, r.stderr);
  for (let i = 0; i < 50; i++) {
    if ((await d.berth(['exec', 'busy', 'test', '-f', '/live'])).code === 0) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  r = await d.docker(['commit', 'busy', 'live:1']);
  assert.equal(r.code, 0, r.stderr + d.logTail());
  const state = await d.json<{ State: { Status: string } }>('GET', '/containers/busy/json');
  assert.equal(state.body.State.Status, 'running');
  r = await d.berth(['run', '--rm', '--network', 'none', 'live:1', 'cat', '/live']);
  assert.equal(r.stdout, 'live\n');
  r = await d.berth(['commit', '--pause=false', 'busy']);
  assert.equal(r.code, 0, r.stderr);
  r = await d.berth(['commit', '-p', 'busy', 'live:2']);
  assert.equal(r.code, 0, r.stderr);
  const tagged = await d.json('GET', '/images/live:2/json');
  assert.equal(tagged.status, 200);
});

test('docker commit --change applies Dockerfile instructions through berthd', async () => {
  const r = await d.docker(['commit', '--change', 'ENV FROM_DOCKER=1', '--change', 'WORKDIR /olddir', '-m', 'via docker', 'changer', 'fromdocker:1']);
  assert.equal(r.code, 0, r.stderr + d.logTail());
  const run = await d.berth(['run', '--rm', '--network', 'none', 'fromdocker:1', 'sh', '-c', 'echo $FROM_DOCKER; pwd']);
  assert.equal(run.stdout, '1\n/olddir\n');
  const hist = await d.docker(['history', '--format', '{{.Comment}}', 'fromdocker:1']);
  assert.equal(hist.stdout.split('\n')[0], 'via docker');
});

test('berth export writes the container\'s rootfs as a tar', async () => {
  const file = join(tmp, 'changer.tar');
  const r = await d.berth(['export', '-o', file, 'changer']);
  assert.equal(r.code, 0, r.stderr + d.logTail());
  const names = execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).split('\n');
  assert.ok(names.includes('./keep') || names.includes('keep'), names.slice(0, 20).join(','));
  assert.ok(names.some((n) => /(^|\/)d\/f$/.test(n)));
  assert.ok(!names.some((n) => /(^|\/)gone$/.test(n)));
  const missing = await d.berth(['export', '-o', file, 'nope']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr.trim(), 'Error response from daemon: No such container: nope');
});

// pause/unpause, rename and top through berthd with real runc: a paused
// container's processes are frozen and ps says `(Paused)`, stopping a paused
// container works, rename keeps the container and frees the old name, top lists
// the container's processes (ps args passed through), through berth and docker;
// a start redoes an image layer whose snapshot was lost (after a crash); a
// created container's rootfs is premounted, and unmounted at berthd's stop.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';

let d: Daemon;

before(async () => {
  d = await startDaemon();
  await ensureBusybox(d);
});

after(async () => {
  await d?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a paused container is frozen, listed as (Paused), and runs on after unpause', { timeout: 60_000 }, async () => {
  const run = await d.berth(['run', '-d', '--name', 'pz', '--network', 'none', 'busybox', 'sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i > /tmp/n; sleep 0.1; done']);
  assert.equal(run.code, 0, run.stderr);
  await sleep(500);
  assert.equal((await d.berth(['pause', 'pz'])).stdout, 'pz\n');
  const ps = await d.berth(['ps', '--format', '{{.Names}} {{.Status}}']);
  assert.match(ps.stdout, /^pz Up .*\(Paused\)$/m);
  const inspect = await d.json<{ State: { Status: string; Paused: boolean } }>('GET', '/containers/pz/json');
  assert.equal(inspect.body.State.Status, 'paused');
  assert.equal(inspect.body.State.Paused, true);
  const again = await d.berth(['pause', 'pz']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /is already paused/);
  const exec = await d.berth(['exec', 'pz', 'true']);
  assert.match(exec.stderr, /is paused, unpause the container before exec/);
  assert.equal((await d.berth(['unpause', 'pz'])).code, 0);
  const a = await d.berth(['exec', 'pz', 'cat', '/tmp/n']);
  await sleep(400);
  const b = await d.berth(['exec', 'pz', 'cat', '/tmp/n']);
  assert.ok(Number(b.stdout) > Number(a.stdout), `${a.stdout} then ${b.stdout}`);
  const notPaused = await d.berth(['unpause', 'pz']);
  assert.match(notPaused.stderr, /is not paused/);
});

test('docker pause shows (Paused) in docker ps, and a paused container can be stopped', { timeout: 60_000 }, async () => {
  assert.equal((await d.docker(['pause', 'pz'])).code, 0);
  const ps = await d.docker(['ps', '--format', '{{.Names}} {{.Status}}']);
  assert.match(ps.stdout, /^pz Up .*\(Paused\)$/m);
  const stop = await d.berth(['stop', '-t', '1', 'pz']);
  assert.equal(stop.code, 0, stop.stderr);
  const st = await d.json<{ State: { Status: string } }>('GET', '/containers/pz/json');
  assert.equal(st.body.State.Status, 'exited');
});

test('rename changes the name, frees the old one and refuses a taken or unchanged name', { timeout: 60_000 }, async () => {
  await d.berth(['create', '--name', 'other', 'busybox', 'true']);
  assert.equal((await d.berth(['rename', 'pz', 'pz2'])).code, 0);
  const info = await d.json<{ Name: string }>('GET', '/containers/pz2/json');
  assert.equal(info.body.Name, '/pz2');
  assert.equal((await d.request('GET', '/containers/pz/json')).status, 404);
  const taken = await d.berth(['rename', 'pz2', 'other']);
  assert.equal(taken.code, 1);
  assert.match(taken.stderr, /The container name "\/other" is already in use/);
  const same = await d.json<{ message: string }>('POST', '/containers/pz2/rename?name=pz2');
  assert.equal(same.status, 400);
  assert.equal((await d.docker(['rename', 'pz2', 'pz3'])).code, 0);
  assert.equal((await d.request('GET', '/containers/pz3/json')).status, 200);
});

test('top lists the container\'s processes, with ps options passed through', { timeout: 60_000 }, async () => {
  const run = await d.berth(['run', '-d', '--name', 'tp', '--network', 'none', 'busybox', 'sleep', '1000']);
  assert.equal(run.code, 0, run.stderr);
  const top = await d.berth(['top', 'tp']);
  assert.equal(top.code, 0, top.stderr);
  const lines = top.stdout.trim().split('\n');
  assert.match(lines[0] ?? '', /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
  assert.equal(lines.length, 2);
  assert.match(lines[1] ?? '', /sleep 1000$/);
  const custom = await d.berth(['top', 'tp', '-o', 'pid,args']);
  assert.match(custom.stdout, /^\s*PID\s+COMMAND/);
  assert.match(custom.stdout, /sleep 1000/);
  const viaDocker = await d.docker(['top', 'tp']);
  assert.match(viaDocker.stdout, /sleep 1000/);
  await d.berth(['stop', '-t', '0', 'tp']);
  const stopped = await d.json<{ message: string }>('GET', '/containers/tp/top');
  assert.equal(stopped.status, 409);
  assert.match(stopped.body.message, /is not running/);
});

test('a start redoes an image layer whose snapshot is gone (a crash lost it), then runs the container', { timeout: 60_000 }, async () => {
  const img = await d.json<{ RootFS: { Layers: string[] } }>('GET', '/images/busybox/json');
  assert.equal(img.body.RootFS.Layers.length, 1, 'busybox is one layer: its chain id is its diff id');
  const layerDir = join(d.dataRoot, 'snapshots', img.body.RootFS.Layers[0]!.replace('sha256:', ''));
  assert.ok(existsSync(layerDir), layerDir);
  rmSync(layerDir, { recursive: true, force: true });
  const created = await d.berth(['create', '--name', 'relayer', '--network', 'none', 'busybox', 'ls', '/bin/busybox']);
  assert.equal(created.code, 0, created.stderr);
  const started = await d.berth(['start', '-a', 'relayer']);
  assert.equal(started.code, 0, started.stderr);
  assert.equal(started.stdout, '/bin/busybox\n');
  assert.ok(existsSync(join(layerDir, 'fs', 'bin', 'busybox')), 'the layer is back');
  assert.equal((await d.berth(['rm', 'relayer'])).code, 0);
});

test('a created container\'s rootfs is mounted ahead of its start, and unmounted again when berthd stops before any start', { timeout: 60_000 }, async () => {
  const created = await d.berth(['create', '--name', 'premounted', '--network', 'none', 'busybox', 'true']);
  assert.equal(created.code, 0, created.stderr);
  const merged = join(d.dataRoot, 'containers-rootfs', created.stdout.trim(), 'merged');
  const mounted = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === merged);
  for (let i = 0; !mounted(); i++) {
    assert.ok(i < 250, `${merged} was not premounted`);
    await sleep(20);
  }
  await d.kill('SIGTERM');
  assert.ok(!mounted(), `berthd's stop unmounts a premount that no start took; berthd said: ${d.logTail(12)}`);
  await d.restart();
  const started = await d.berth(['start', '-a', 'premounted']);
  assert.equal(started.code, 0, started.stderr);
  for (let i = 0; mounted(); i++) {
    assert.ok(i < 250, 'the exit unmounts it');
    await sleep(20);
  }
  assert.equal((await d.berth(['rm', 'premounted'])).code, 0);
});

test('a start clears what a run whose clean-up never happened left (its bundle), then runs the container', { timeout: 60_000 }, async () => {
  const created = await d.berth(['create', '--name', 'leftover', '--network', 'none', 'busybox', 'echo', 'ran']);
  assert.equal(created.code, 0, created.stderr);
  const id = created.stdout.trim();
  // What a crash between a run's exit and its clean-up leaves: the bundle, and conmon's persist dir.
  mkdirSync(join(d.execRoot, 'containers', id), { recursive: true });
  mkdirSync(join(d.execRoot, 'conmon', id), { recursive: true });
  writeFileSync(join(d.execRoot, 'conmon', id, 'stale'), 'from the previous run\n');
  const started = await d.berth(['start', '-a', 'leftover']);
  assert.equal(started.code, 0, started.stderr);
  assert.equal(started.stdout, 'ran\n');
  assert.ok(!existsSync(join(d.execRoot, 'conmon', id, 'stale')), 'the previous run\'s files are gone');
  assert.equal((await d.berth(['rm', 'leftover'])).code, 0);
});

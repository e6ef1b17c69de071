// `cp` through the archive API against a private berthd: both ways with berth
// and the real docker CLI, running and stopped containers, modes and symlinks
// kept, volumes visible, docker's messages, and no way out of the container.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';

let d: Daemon;
let tmp: string;

before(async () => {
  d = await startDaemon();
  await ensureBusybox(d);
  tmp = mkdtempSync(join(tmpdir(), 'berth-cp-'));
  let r = await d.berth(['run', '-d', '--name', 'live', '--network', 'none', '-v', 'cpvol:/vol', 'busybox', 'sh', '-c', 'mkdir -p /data/sub && echo hello > /data/a.txt && chmod 0751 /data/a.txt && ln -s a.txt /data/link && echo v > /vol/v.txt && sleep 1000']);
  assert.equal(r.code, 0, r.stderr);
  r = await d.berth(['create', '--name', 'dead', '--network', 'none', 'busybox', 'true']);
  assert.equal(r.code, 0, r.stderr);
  // Wait for the live container's set-up to finish.
  for (let i = 0; i < 50; i++) {
    const e = await d.berth(['exec', 'live', 'test', '-f', '/vol/v.txt']);
    if (e.code === 0) break;
    await new Promise((res) => setTimeout(res, 100));
  }
});

after(async () => {
  await d?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('HEAD archive answers the path stat with Go FileMode bits', async () => {
  const r = await d.request('HEAD', '/containers/live/archive?path=/data/link');
  assert.equal(r.status, 200);
  const stat = JSON.parse(Buffer.from(String(r.headers['x-docker-container-path-stat']), 'base64').toString()) as { name: string; mode: number; linkTarget: string };
  assert.equal(stat.name, 'link');
  assert.equal(stat.mode, 2 ** 27 + 0o777);
  assert.equal(stat.linkTarget, '/data/a.txt');
  const dir = await d.request('HEAD', '/containers/live/archive?path=/data');
  const ds = JSON.parse(Buffer.from(String(dir.headers['x-docker-container-path-stat']), 'base64').toString()) as { mode: number };
  assert.equal(ds.mode, 2 ** 31 + 0o755);
  const missing = await d.request('HEAD', '/containers/live/archive?path=/nope');
  assert.equal(missing.status, 404);
});

test('berth cp copies a directory out of a running container keeping modes and symlinks', async () => {
  const r = await d.berth(['cp', 'live:/data', join(tmp, 'out')]);
  assert.equal(r.code, 0, r.stderr + d.logTail());
  assert.equal(readFileSync(join(tmp, 'out', 'a.txt'), 'utf8'), 'hello\n');
  assert.equal(lstatSync(join(tmp, 'out', 'a.txt')).mode & 0o7777, 0o751);
  assert.equal(readlinkSync(join(tmp, 'out', 'link')), 'a.txt');
  assert.ok(lstatSync(join(tmp, 'out', 'sub')).isDirectory());
});

test('berth cp with a trailing /. copies the contents and -L follows a symlink', async () => {
  mkdirSync(join(tmp, 'into'));
  let r = await d.berth(['cp', 'live:/data/.', join(tmp, 'into')]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(join(tmp, 'into', 'a.txt')));
  r = await d.berth(['cp', '-L', 'live:/data/link', join(tmp, 'followed')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(tmp, 'followed'), 'utf8'), 'hello\n');
});

test('berth cp reads a volume mounted in the container', async () => {
  const r = await d.berth(['cp', 'live:/vol/v.txt', join(tmp, 'v.txt')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(tmp, 'v.txt'), 'utf8'), 'v\n');
});

test('berth cp copies into a running container and into a stopped one', async () => {
  const src = join(tmp, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'f'), 'payload\n');
  chmodSync(join(src, 'f'), 0o640);
  symlinkSync('f', join(src, 'l'));
  let r = await d.berth(['cp', src, 'live:/tmp/']);
  assert.equal(r.code, 0, r.stderr + d.logTail());
  r = await d.berth(['exec', 'live', 'sh', '-c', 'cat /tmp/src/f; stat -c %a /tmp/src/f; readlink /tmp/src/l']);
  assert.equal(r.stdout, 'payload\n640\nf\n');
  r = await d.berth(['cp', join(src, 'f'), 'dead:/etc/copied']);
  assert.equal(r.code, 0, r.stderr + d.logTail());
  r = await d.berth(['cp', 'dead:/etc/copied', join(tmp, 'back')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(tmp, 'back'), 'utf8'), 'payload\n');
});

test('berth cp - streams a tar both ways', async () => {
  const r = await d.berth(['cp', 'live:/data/a.txt', '-']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes('hello'));
  assert.ok(r.stdout.startsWith('a.txt'));
});

test('berth cp of a missing path prints docker\'s message', async () => {
  const r = await d.berth(['cp', 'live:/nope', join(tmp, 'x')]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim(), 'Error response from daemon: Could not find the file /nope in container live');
});

test('a tar cannot write outside the container through symlinks or ..', async () => {
  // Symlinks in the container pointing at the host's / and at ..
  let r = await d.berth(['exec', 'live', 'sh', '-c', 'ln -s / /escape && ln -s ../../../.. /tmp/up']);
  assert.equal(r.code, 0, r.stderr);
  const marker = `berth-escape-${process.pid}`;
  writeFileSync(join(tmp, 'esc.txt'), 'v\n');
  r = await d.berth(['cp', join(tmp, 'esc.txt'), `live:/escape/tmp/${marker}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(existsSync(join('/tmp', marker)), false, 'wrote to the host');
  r = await d.berth(['exec', 'live', 'cat', `/tmp/${marker}`]);
  assert.equal(r.stdout, 'v\n');
  r = await d.berth(['cp', join(tmp, 'esc.txt'), `live:/tmp/up/tmp/${marker}-2`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(existsSync(join('/tmp', `${marker}-2`)), false, 'wrote to the host');
  // A tar whose entries climb with ..
  const { pack } = await import('tar-stream');
  const p = pack();
  p.entry({ name: `../../../../tmp/${marker}-3` }, 'x');
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p as AsyncIterable<Buffer>) chunks.push(c);
  const put = await d.request('PUT', '/containers/live/archive?path=/tmp', Buffer.concat(chunks), { 'Content-Type': 'application/x-tar' });
  assert.equal(put.status, 400, put.body.toString());
  assert.match(put.body.toString(), /is outside of/);
  assert.equal(existsSync(join('/tmp', `${marker}-3`)), false, 'wrote to the host');
});

test('the docker CLI copies both ways through berthd', async () => {
  let r = await d.docker(['cp', 'live:/data/a.txt', join(tmp, 'docker-a')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(tmp, 'docker-a'), 'utf8'), 'hello\n');
  r = await d.docker(['cp', join(tmp, 'docker-a'), 'live:/docker-in']);
  assert.equal(r.code, 0, r.stderr);
  r = await d.berth(['exec', 'live', 'cat', '/docker-in']);
  assert.equal(r.stdout, 'hello\n');
  r = await d.docker(['cp', 'live:/nope', join(tmp, 'y')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Could not find the file \/nope in container live/);
});

test('berth cp of / copies the whole root without the kernel filesystems\' contents', async () => {
  const dst = join(tmp, 'rootcopy');
  const r = await d.berth(['cp', 'live:/', dst]);
  assert.equal(r.code, 0, r.stderr + d.logTail());
  assert.equal(readFileSync(join(dst, 'data', 'a.txt'), 'utf8'), 'hello\n');
  assert.ok(lstatSync(join(dst, 'proc')).isDirectory());
  assert.equal(existsSync(join(dst, 'proc', 'self')), false);
});

test('berth cp prints the same errors as the docker CLI', async () => {
  const file = join(tmp, 'plain-file');
  writeFileSync(file, 'x');
  for (const args of [
    ['live:/data', file],
    ['live:/data/a.txt', join(tmp, 'no-such-dir') + '/'],
    [tmp, 'live:/data/a.txt'],
    ['live:/nope', tmp],
  ]) {
    const b = await d.berth(['cp', ...args]);
    const k = await d.docker(['cp', ...args]);
    assert.equal(b.code, k.code, `${args.join(' ')}: ${b.stderr} vs ${k.stderr}\n${d.logTail(20)}`);
    assert.equal(b.stderr.trim().split('\n').pop(), k.stderr.trim().split('\n').pop(), `${args.join(' ')}\n${d.logTail(20)}`);
  }
});

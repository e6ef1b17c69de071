// berthd as a process: the socket's mode, one daemon per exec root, no start without its native addon, SIGTERM
// leaving containers running for the next berthd, and followed logs that end
// when the container stops.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { nativeAddonPath } from '../../src/lib/native.ts';
import { waitForPing } from './acceptance-support.ts';
import { berthdBundle, ensureBusybox, httpRequest, startDaemon, type Daemon } from './harness.ts';

let d: Daemon;

before(async () => {
  d = await startDaemon();
  await ensureBusybox(d);
});

after(async () => {
  await d?.stop();
});

async function run(cmd: string[], name?: string): Promise<string> {
  const r = await d.json<{ Id: string }>('POST', `/containers/create${name ? `?name=${name}` : ''}`, { Image: 'busybox', Cmd: cmd, HostConfig: { NetworkMode: 'none' } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal((await d.request('POST', `/containers/${r.body.Id}/start`)).status, 204);
  return r.body.Id;
}

function frames(buf: Buffer): string[] {
  const out: string[] = [];
  for (let off = 0; off + 8 <= buf.length; ) {
    const len = buf.readUInt32BE(off + 4);
    out.push(buf.subarray(off + 8, off + 8 + len).toString());
    off += 8 + len;
  }
  return out;
}

test('the API socket is mode 0660', { timeout: 10_000 }, async () => {
  assert.equal((await stat(d.socket)).mode & 0o777, 0o660);
});

test('a second berthd on the same exec root refuses to start with a clear error', { timeout: 30_000 }, async () => {
  const child = spawn(process.execPath, [berthdBundle, '--data-root', d.dataRoot, '--exec-root', d.execRoot, '--host', `unix://${join(d.root, 'second.sock')}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 1);
  assert.match(err, /berthd is already running with pid \d+/);
  assert.equal((await d.request('GET', '/_ping')).status, 200);
});

test('berthd without its native addon refuses to start, saying how to build it (not a failure at the first attach)', { timeout: 30_000 }, async () => {
  const addon = nativeAddonPath();
  assert.ok(addon, 'the addon is built');
  // In a mount namespace of its own, an empty tmpfs hides native/build from this one berthd.
  const root = join(d.root, 'no-addon');
  const script = 'mount -t tmpfs berth-test-no-addon "$1" && shift && exec "$@"';
  // A bridge of its own, removed after, should a broken berthd get as far as making it.
  const bridge = `bn${randomBytes(3).toString('hex')}`;
  const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', dirname(addon),
    process.execPath, berthdBundle, '--data-root', join(root, 'data'), '--exec-root', join(root, 'exec'), '--host', `unix://${join(root, 'berth.sock')}`,
    '--bridge', bridge, '--bip', `10.253.${randomBytes(1)[0]!}.1/24`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearTimeout(timer);
  spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
  assert.equal(code, 1, `berthd exited with ${code}: ${err}`);
  assert.match(err, /berth's native addon \(native\/build\/berth-native\.node\) is missing: build it with scripts\/build-native/);
  assert.equal(existsSync(join(root, 'berth.sock')), false, 'berthd listened');
  assert.equal(existsSync(join(root, 'exec', 'berthd.pid')), false, 'berthd took its pid file');
  assert.ok(existsSync(addon), 'the addon is still there for everyone else');
});

/** A /proc/sys flag as /info reports it: true when the file says 1, false when it says 0 or is missing. */
const sysFlag = (path: string) => existsSync(path) && readFileSync(path, 'utf8').trim() === '1';

test('GET /info reports the host as it is: forwarding and bridge-nf from /proc/sys, the data root\'s filesystem, the seccomp profile loaded, daemon.json\'s mirrors', { timeout: 60_000 }, async () => {
  // A berthd of its own: its data root on a tmpfs (in a mount namespace of its own, so nothing outlives it) and a daemon.json with a mirror.
  const root = join(d.root, 'info');
  mkdirSync(join(root, 'data'), { recursive: true });
  writeFileSync(join(root, 'daemon.json'), JSON.stringify({ 'registry-mirrors': ['https://mirror.example/'] }));
  const socket = join(root, 'berth.sock');
  const bridge = `bi${randomBytes(3).toString('hex')}`;
  const script = 'mount -t tmpfs berth-test-info "$1" && shift && exec "$@"';
  const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', join(root, 'data'),
    process.execPath, berthdBundle, '--data-root', join(root, 'data'), '--exec-root', join(root, 'exec'), '--host', `unix://${socket}`,
    '--config-file', join(root, 'daemon.json'), '--bridge', bridge, '--bip', `10.253.${randomBytes(1)[0]!}.1/24`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let info: Record<string, unknown>;
  try {
    await waitForPing(socket, 30_000, child);
    const r = await httpRequest(socket, 'GET', '/info');
    assert.equal(r.status, 200, r.body.toString());
    info = JSON.parse(r.body.toString()) as Record<string, unknown>;
  } finally {
    child.kill('SIGTERM');
    await exited;
    spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
  }
  const facts = {
    backing: (info['DriverStatus'] as string[][]).find((row) => row[0] === 'Backing Filesystem')?.[1],
    forwarding: info['IPv4Forwarding'],
    bridgeNf: info['BridgeNfIptables'],
    bridgeNf6: info['BridgeNfIp6tables'],
    seccomp: (info['SecurityOptions'] as string[]).find((o) => o.startsWith('name=seccomp')),
    mirrors: (info['RegistryConfig'] as { Mirrors: unknown }).Mirrors,
  };
  // Docker's own profile where scripts/setup-seccomp installed it, else containers-common's.
  const profile = ['/usr/local/share/berth/seccomp/docker-default.json', '/usr/share/containers/seccomp.json'].find((p) => existsSync(p)) ?? '/usr/share/containers/seccomp.json';
  assert.deepEqual(facts, {
    backing: 'tmpfs',
    forwarding: sysFlag('/proc/sys/net/ipv4/ip_forward'),
    bridgeNf: sysFlag('/proc/sys/net/bridge/bridge-nf-call-iptables'),
    bridgeNf6: sysFlag('/proc/sys/net/bridge/bridge-nf-call-ip6tables'),
    seccomp: existsSync(profile) ? `name=seccomp,profile=${profile}` : undefined,
    mirrors: ['https://mirror.example/'],
  }, err.slice(-2000));
  console.log(`# /info of a berthd on a tmpfs data root: ${JSON.stringify(facts)}`);
});

test('SIGTERM stops berthd but not its containers; the next berthd picks them up', { timeout: 60_000 }, async () => {
  // Long enough to outlive a berthd restart on a loaded machine.
  const id = await run(['sh', '-c', 'sleep 8; echo done; exit 4']);
  await d.kill('SIGTERM');
  await d.restart();
  const info = await d.json<{ State: { Running: boolean } }>('GET', `/containers/${id}/json`);
  assert.equal(info.body.State.Running, true);
  const wait = await d.json<{ StatusCode: number }>('POST', `/containers/${id}/wait`);
  assert.equal(wait.body.StatusCode, 4);
  await d.request('DELETE', `/containers/${id}`);
});

test('logs follow until the container exits, with tail and timestamps', { timeout: 60_000 }, async () => {
  const id = await run(['sh', '-c', 'for i in 1 2 3; do echo line$i; sleep 0.3; done']);
  const followed = await d.request('GET', `/containers/${id}/logs?stdout=1&follow=1&timestamps=1`);
  const lines = frames(followed.body);
  assert.deepEqual(lines.map((l) => l.replace(/^\S+ /, '')), ['line1\n', 'line2\n', 'line3\n']);
  assert.match(lines[0] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z line1\n$/);
  const tail = await d.request('GET', `/containers/${id}/logs?stdout=1&tail=1`);
  assert.deepEqual(frames(tail.body), ['line3\n']);
  await d.request('DELETE', `/containers/${id}`);
});

test('docker logs -f and docker stop work through the CLI', { timeout: 60_000 }, async () => {
  const started = await d.docker(['run', '-d', '--name', 'cli-w', '--network', 'none', 'busybox', 'sh', '-c', 'echo hi; sleep 1000']);
  assert.equal(started.code, 0, started.stderr);
  const stop = await d.docker(['stop', '-t', '1', 'cli-w']);
  assert.equal(stop.code, 0, stop.stderr);
  const logs = await d.docker(['logs', 'cli-w']);
  assert.equal(logs.stdout, 'hi\n');
  const ps = await d.docker(['ps', '-a', '--filter', 'name=cli-w', '--format', '{{.Status}}']);
  assert.match(ps.stdout, /^Exited \(137\) /);
  assert.equal((await d.docker(['rm', 'cli-w'])).code, 0);
});

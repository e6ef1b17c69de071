// Network modes and lifecycles through a private berthd: --network
// container:<name>, -P with --expose, the real docker CLI on user networks and
// ports, and containers on networks across a berthd restart (DNS comes back,
// and a later stop still cleans up exactly).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';

let d: Daemon;

async function berth(args: readonly string[]): Promise<string> {
  const r = await d.berth(args);
  assert.equal(r.code, 0, `berth ${args.join(' ')} failed (${r.code}): ${r.stderr}\n${d.logTail()}`);
  return r.stdout;
}

async function httpGet(url: string): Promise<string | undefined> {
  for (let i = 0; i < 20; i++) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      return await r.text();
    } catch {
      await new Promise((res) => setTimeout(res, 100));
    }
  }
  return undefined;
}

function assertNoNetworkLeft(id: string): void {
  assert.ok(!spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout.includes(id), 'an iptables rule of the container is left');
  assert.deepEqual(readdirSync(join(d.execRoot, 'netns')), [], 'a netns file is left');
}

before(async () => {
  d = await startDaemon();
  await ensureBusybox(d);
});

after(async () => {
  await d?.stop();
});

test('--network container:<name> shares the other container\'s network namespace', async () => {
  await berth(['run', '-d', '--name', 'owner', 'busybox', 'sleep', '60']);
  const ip = (await berth(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'owner'])).trim();
  const seen = await berth(['run', '--rm', '--network', 'container:owner', 'busybox', 'sh', '-c', "ip -4 -o addr show eth0 | awk '{print $4}'"]);
  assert.equal(seen.trim().split('/')[0], ip);
  await berth(['rm', '-f', 'owner']);
});

test('--network none gives only loopback and no address in inspect', async () => {
  const out = await berth(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'ls /sys/class/net']);
  assert.deepEqual(out.trim().split(/\s+/), ['lo']);
});

test('-P publishes every exposed port on an ephemeral host port', async () => {
  const id = (await berth(['run', '-d', '--name', 'pub', '--expose', '8000', '-P', 'busybox', 'sh', '-c', 'mkdir /w && echo P > /w/i && exec httpd -f -p 8000 -h /w'])).trim();
  const hostPort = (await berth(['port', 'pub', '8000/tcp'])).trim();
  const port = Number(hostPort.split(':')[1]);
  assert.ok(port >= 32768, hostPort);
  assert.equal(await httpGet(`http://127.0.0.1:${port}/i`), 'P\n');
  const ps = (await berth(['ps', '--format', '{{.Ports}}', '--filter', 'name=pub'])).trim();
  assert.equal(ps, `0.0.0.0:${port}->8000/tcp`);
  await berth(['rm', '-f', 'pub']);
  assertNoNetworkLeft(id);
});

test('the docker CLI creates networks, runs containers that resolve each other, and publishes ports against berthd', async () => {
  const dk = async (args: readonly string[]) => {
    const r = await d.docker(args);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  await dk(['network', 'create', 'dnet']);
  await dk(['run', '-d', '--name', 'p6-db-1', '--network', 'dnet', 'busybox', 'sleep', '60']);
  const r = await d.docker(['run', '--rm', '--network', 'dnet', 'busybox', 'ping', '-c1', '-W2', 'p6-db-1']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  await dk(['run', '-d', '--name', 'dweb', '-p', '127.0.0.1::8000', 'busybox', 'sh', '-c', 'mkdir /w && echo D > /w/i && exec httpd -f -p 8000 -h /w']);
  const hostPort = (await dk(['port', 'dweb', '8000'])).trim().split('\n')[0] ?? '';
  assert.match(hostPort, /^127\.0\.0\.1:\d+$/);
  assert.equal(await httpGet(`http://${hostPort}/i`), 'D\n');
  await dk(['rm', '-f', 'p6-db-1', 'dweb']);
  await dk(['network', 'rm', 'dnet']);
});

test('containers keep their networks and names across a berthd restart, and stop cleanly afterwards', async () => {
  await berth(['network', 'create', 'rnet']);
  const id = (await berth(['run', '-d', '--name', 'keep', '--network', 'rnet', 'busybox', 'sleep', '120'])).trim();
  await d.kill('SIGTERM');
  await d.restart();
  const r = await d.berth(['run', '--rm', '--network', 'rnet', 'busybox', 'ping', '-c1', '-W2', 'keep']);
  assert.equal(r.code, 0, `name resolution after restart: ${r.stdout}${r.stderr}`);
  assert.match((await berth(['inspect', '-f', '{{json .NetworkSettings.Networks}}', 'keep'])), /"IPAddress":"\d+\./);
  await berth(['rm', '-f', 'keep']);
  assertNoNetworkLeft(id);
  await berth(['network', 'rm', 'rnet']);
});

// Issue 6's acceptance lines as a new user types them, with the berth CLI and
// with the real docker CLI against the same berthd: a python3 http.server
// published on 127.0.0.1:5000 (answers there, not on the host's other
// addresses), `-p 8000` on an ephemeral port that `port` reports, and (docker
// CLI) net1 with db-1..3 and a `--hostname boss` container resolving each
// other while the default bridge does not. The `-v ./out:/out` line is in
// volume-mounts.test.ts (berth and docker CLI).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { show, until, type RunResult } from './acceptance-support.ts';
import { ensureDebian } from './debian-fixture.ts';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';

let d: Daemon;
const img = 'debian:bookworm';
const slow = { timeout: 5 * 60_000 };

type Cli = (args: readonly string[]) => Promise<RunResult>;
const clis: Record<'berth' | 'docker', () => Cli> = {
  berth: () => (args) => d.berth(args),
  docker: () => (args) => d.docker(args),
};

async function ok(cli: Cli, args: readonly string[]): Promise<string> {
  const r = await cli(args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${show(r)}\n${d.logTail()}`);
  return r.stdout;
}

/** What `curl -s url` prints, undefined when it cannot connect or times out. */
function curl(url: string): string | undefined {
  const r = spawnSync('curl', ['-s', '--max-time', '2', url], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : undefined;
}

/** The host's non-loopback IPv4 addresses, as `ip -4 addr` lists them. */
function hostAddresses(): string[] {
  const out = spawnSync('ip', ['-4', '-o', 'addr', 'show', 'scope', 'global'], { encoding: 'utf8' }).stdout;
  const addrs = [...out.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1]!);
  assert.ok(addrs.length > 0, 'the host has no non-loopback address');
  return addrs;
}

function assertNoNetworkLeft(id: string): void {
  assert.ok(!spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout.includes(id), 'an iptables rule of the container is left');
  assert.deepEqual(readdirSync(join(d.execRoot, 'netns')), [], 'a netns file is left');
}

before(async () => {
  d = await startDaemon();
  await ensureBusybox(d);
  await ensureDebian(d);
}, slow);

after(async () => {
  await d?.stop();
});

for (const name of ['berth', 'docker'] as const) {
  describe(`a python3 http.server published with the ${name} CLI`, () => {
    test(`${name} run -d -p 127.0.0.1:5000:8000 answers curl on 127.0.0.1:5000 and not on the host's other addresses`, slow, async () => {
      const cli = clis[name]();
      const id = (await ok(cli, ['run', '-d', '--name', `${name}-py`, '-p', '127.0.0.1:5000:8000', img, 'python3', '-m', 'http.server', '8000'])).trim();
      const body = await until('python3 answering on 127.0.0.1:5000', 20_000, async () => curl('http://127.0.0.1:5000/'));
      assert.match(body, /Directory listing for \//);
      for (const addr of hostAddresses()) assert.equal(curl(`http://${addr}:5000/`), undefined, `answers on ${addr}:5000`);
      assert.equal((await ok(cli, ['port', `${name}-py`])).trim(), '8000/tcp -> 127.0.0.1:5000');
      await ok(cli, ['rm', '-f', `${name}-py`]);
      assertNoNetworkLeft(id);
      assert.equal(curl('http://127.0.0.1:5000/'), undefined, 'still answers after rm');
    });

    test(`${name} run -p 8000 gets an ephemeral port that ${name} port reports and that answers`, slow, async () => {
      const cli = clis[name]();
      const id = (await ok(cli, ['run', '-d', '--name', `${name}-eph`, '-p', '8000', img, 'python3', '-m', 'http.server', '8000'])).trim();
      const lines = (await ok(cli, ['port', `${name}-eph`, '8000'])).trim().split('\n');
      const m = /^0\.0\.0\.0:(\d+)$/.exec(lines[0] ?? '');
      assert.ok(m, `port printed ${JSON.stringify(lines)}`);
      const port = Number(m[1]);
      assert.ok(port >= 32768 && port <= 60999, `ephemeral port ${port}`);
      const body = await until(`python3 answering on the ephemeral port ${port}`, 20_000, async () => curl(`http://127.0.0.1:${port}/`));
      assert.match(body, /Directory listing for \//);
      const ps = (await ok(cli, ['ps', '--format', '{{.Ports}}', '--filter', `name=${name}-eph`])).trim();
      assert.match(ps, new RegExp(`0\\.0\\.0\\.0:${port}->8000/tcp`));
      await ok(cli, ['rm', '-f', `${name}-eph`]);
      assertNoNetworkLeft(id);
    });
  });
}

describe('user-defined networks with the docker CLI', () => {
  test('docker network create net1: db-1, db-2, db-3 and a --hostname boss container resolve and ping each other by name; the default bridge cannot resolve db-1', slow, async () => {
    const docker = clis.docker();
    await ok(docker, ['network', 'create', 'net1']);
    const ids: string[] = [];
    for (const n of ['db-1', 'db-2', 'db-3']) ids.push((await ok(docker, ['run', '-d', '--name', n, '--network', 'net1', 'busybox', 'sleep', '120'])).trim());
    ids.push((await ok(docker, ['run', '-d', '--name', 'p6-boss', '--hostname', 'boss', '--network', 'net1', 'busybox', 'sleep', '120'])).trim());
    for (const from of ['db-1', 'db-2', 'db-3', 'p6-boss']) {
      const r = await docker(['exec', from, 'sh', '-c', 'for h in db-1 db-2 db-3 boss; do ping -c1 -W2 $h >/dev/null || { echo "no $h"; exit 1; }; done; echo ok']);
      assert.equal(r.stdout.trim(), 'ok', `from ${from}: ${show(r)}`);
    }
    const boss = (await ok(docker, ['inspect', '-f', '{{.NetworkSettings.Networks.net1.IPAddress}}', 'p6-boss'])).trim();
    const seen = await ok(docker, ['exec', 'db-1', 'nslookup', 'boss']);
    assert.match(seen, new RegExp(`Address: ${boss.replace(/\./g, '\\.')}$`, 'm'));
    const bridge = await docker(['run', '--rm', 'busybox', 'nslookup', 'db-1']);
    assert.notEqual(bridge.code, 0, `the default bridge resolves db-1: ${show(bridge)}`);
    await ok(docker, ['rm', '-f', 'db-1', 'db-2', 'db-3', 'p6-boss']);
    for (const id of ids) assertNoNetworkLeft(id);
    assert.equal((await ok(docker, ['network', 'rm', 'net1'])).trim(), 'net1');
  });
});

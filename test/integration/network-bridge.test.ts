// Networking through a private berthd and the berth CLI: the default bridge
// (NAT to Debian's archive, inspect's NetworkSettings, /etc/hosts), user-defined
// networks with embedded DNS, published ports, and exact clean-up — no veth,
// netns, iptables rule, IP lease or mount of a removed container is left, and no
// bridge after `network rm`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { mountsUnder } from './acceptance-support.ts';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';

let d: Daemon;

function sh(cmd: string, args: readonly string[]): string {
  return spawnSync(cmd, args, { encoding: 'utf8' }).stdout ?? '';
}

async function berth(args: readonly string[]): Promise<string> {
  const r = await d.berth(args);
  assert.equal(r.code, 0, `berth ${args.join(' ')} failed (${r.code}): ${r.stderr}\n${d.logTail()}`);
  return r.stdout;
}

/** IP lease files host-local keeps (one per address in use). */
function leases(): string[] {
  const dir = join(d.dataRoot, 'network', 'ipam');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => readdirSync(join(dir, n)).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)));
}

/** Asserts nothing of container `id` is left on the host. */
function assertNoTrace(id: string): void {
  assert.ok(!sh('iptables-save', []).includes(id), 'an iptables rule of the container is left');
  assert.deepEqual(readdirSync(join(d.execRoot, 'netns')), [], 'a netns file is left');
  assert.deepEqual(mountsUnder(d.root).filter((m) => m.includes('netns')), [], 'a netns mount is left');
  assert.deepEqual(leases(), [], 'an IP lease is left');
  assert.equal(sh('ip', ['-o', 'link', 'show', 'type', 'veth']).split('\n').filter((l) => l.includes(`master ${d.bridge}`)).length, 0, 'a veth is left on the bridge');
}

/** The host's own non-loopback address. */
function hostAddress(): string {
  const m = /src (\d+\.\d+\.\d+\.\d+)/.exec(sh('ip', ['-4', 'route', 'get', '203.0.113.80']));
  assert.ok(m, 'no host address');
  return m[1]!;
}

async function httpGet(url: string): Promise<string | undefined> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return await r.text();
  } catch {
    return undefined;
  }
}

before(async () => {
  d = await startDaemon();
  await ensureBusybox(d);
});

after(async () => {
  await d?.stop();
});

describe('the default bridge', () => {
  test('a container reaches Debian\'s archive through NAT', async () => {
    const r = await d.berth(['run', '--rm', 'busybox', 'sh', '-c', 'wget -S -O /dev/null http://deb.debian.org/debian/ 2>&1 | grep -c "200 OK"']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '1');
  });

  test('inspect shows the address, gateway and MAC, and /etc/hosts maps the hostname to the address', async () => {
    const id = (await berth(['run', '-d', '--name', 'b1', 'busybox', 'sleep', '60'])).trim();
    const [c] = (await d.json<{ NetworkSettings: { IPAddress: string; Gateway: string; MacAddress: string; Networks: Record<string, { IPAddress: string; NetworkID: string }> } }[]>('GET', `/containers/json?filters=${encodeURIComponent(JSON.stringify({ id: [id] }))}`)).body;
    assert.ok(c?.NetworkSettings.Networks['bridge']?.IPAddress, 'list shows the bridge endpoint');
    const { body } = await d.json<{ NetworkSettings: { IPAddress: string; Gateway: string; MacAddress: string; IPPrefixLen: number; Networks: Record<string, { IPAddress: string }> } }>('GET', `/containers/${id}/json`);
    const ns = body.NetworkSettings;
    const [bipAddr, bipLen] = d.bip.split('/');
    assert.equal(ns.Gateway, bipAddr);
    assert.equal(ns.IPPrefixLen, Number(bipLen));
    assert.match(ns.IPAddress, /^\d+\.\d+\.\d+\.\d+$/);
    assert.match(ns.MacAddress, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    assert.equal(ns.Networks['bridge']?.IPAddress, ns.IPAddress);
    const own = await d.json<{ HostsPath: string }>('GET', `/containers/${id}/json`);
    const text = spawnSync('cat', [own.body.HostsPath], { encoding: 'utf8' }).stdout;
    assert.match(text, new RegExp(`^${ns.IPAddress.replace(/\./g, '\\.')}\\t${id.slice(0, 12)}$`, 'm'));
    assert.ok(leases().length > 0, 'the address is leased while running');
    await berth(['rm', '-f', 'b1']);
    assertNoTrace(id);
  });

  test('lo is up with 127.0.0.1/8 and ::1/128, as CNI\'s loopback plugin left it (berthd sets it up with the netns)', async () => {
    const r = await d.berth(['run', '--rm', 'busybox', 'sh', '-c', 'ip addr show lo; ping -c1 -W2 127.0.0.1 >/dev/null && echo ping-ok']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^1: lo: <LOOPBACK,UP,LOWER_UP>/m);
    assert.match(r.stdout, /inet 127\.0\.0\.1\/8 scope host lo/);
    if (existsSync('/proc/net/if_inet6')) assert.match(r.stdout, /inet6 ::1\/128 scope host/);
    assert.match(r.stdout, /^ping-ok$/m);
  });

  test('a container on the default bridge gets the host\'s resolvers and no embedded DNS', async () => {
    const r = await d.berth(['run', '--rm', 'busybox', 'cat', '/etc/resolv.conf']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, new RegExp(`nameserver ${d.bip.split('/')[0]!.replace(/\./g, '\\.')}`));
  });
});

describe('user-defined networks', () => {
  test('db-1, db-2, db-3 and a --hostname boss container resolve and ping each other by name; the default bridge cannot resolve them', async () => {
    await berth(['network', 'create', 'net1']);
    const ids: string[] = [];
    for (const n of ['db-1', 'db-2', 'db-3']) ids.push((await berth(['run', '-d', '--name', n, '--network', 'net1', 'busybox', 'sleep', '120'])).trim());
    ids.push((await berth(['run', '-d', '--name', 'master', '--hostname', 'boss', '--network', 'net1', '--network-alias', 'db', 'busybox', 'sleep', '120'])).trim());
    const r = await d.berth(['run', '--rm', '--network', 'net1', 'busybox', 'sh', '-c', 'for h in db-1 db-2 db-3 boss master; do ping -c1 -W2 $h >/dev/null || exit 1; done; echo ok']);
    assert.equal(r.stdout.trim(), 'ok', r.stderr);
    const inNet = await d.berth(['run', '--rm', '--network', 'net1', '--network-alias', 'db', 'busybox', 'sh', '-c', 'nslookup db | grep -c "^Address: "']);
    assert.equal(inNet.stdout.trim(), '2', 'a shared alias answers with every holder');
    const bridge = await d.berth(['run', '--rm', 'busybox', 'nslookup', 'db-1']);
    assert.notEqual(bridge.code, 0, 'the default bridge resolves db-1');
    const other = await d.berth(['run', '--rm', '--network', 'net1', 'busybox', 'nslookup', 'deb.debian.org']);
    assert.equal(other.code, 0, `other names go to the host's resolvers: ${other.stdout}${other.stderr}`);
    const net = (await d.json<{ Id: string; Containers: Record<string, { Name: string }>; IPAM: { Config: { Subnet: string }[] } }>('GET', '/networks/net1')).body;
    assert.deepEqual(Object.values(net.Containers).map((c) => c.Name).sort(), ['db-1', 'db-2', 'db-3', 'master']);
    const conflict = await d.berth(['network', 'rm', 'net1']);
    assert.notEqual(conflict.code, 0);
    assert.match(conflict.stderr, /has active endpoints/);
    await berth(['rm', '-f', ...ids]);
    for (const id of ids) assertNoTrace(id);
    const brName = `br-${net.Id.slice(0, 12)}`;
    assert.ok(existsSync(`/sys/class/net/${brName}`));
    assert.equal((await berth(['network', 'rm', 'net1'])).trim(), 'net1');
    assert.ok(!existsSync(`/sys/class/net/${brName}`), 'the bridge is left after network rm');
    assert.ok(!sh('iptables-save', []).includes(net.Id.slice(0, 12)), 'a rule of the network is left');
  });

  test('network create/ls/inspect/connect/disconnect/prune work as docker\'s', async () => {
    const id = (await berth(['network', 'create', '--subnet', '10.123.45.0/24', '--gateway', '10.123.45.254', '--label', 'team=a', 'net2'])).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const ls = await berth(['network', 'ls']);
    assert.match(ls.split('\n')[0]!, /^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE$/);
    assert.match(ls, new RegExp(`^${id.slice(0, 12)}\\s+net2\\s+bridge\\s+local$`, 'm'));
    assert.equal((await berth(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}} {{.Labels.team}}', 'net2'])).trim(), '10.123.45.0/24 10.123.45.254 a');
    const dup = await d.berth(['network', 'create', 'net2']);
    assert.notEqual(dup.code, 0);
    assert.match(dup.stderr, /network with name net2 already exists/);
    const c = (await berth(['run', '-d', '--name', 'c2', 'busybox', 'sleep', '60'])).trim();
    await berth(['network', 'connect', '--alias', 'svc', '--ip', '10.123.45.7', 'net2', 'c2']);
    const r = await d.berth(['run', '--rm', '--network', 'net2', 'busybox', 'sh', '-c', 'ping -c1 -W2 svc >/dev/null && nslookup c2 | grep "^Address: 10.123.45.7"']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const nets = JSON.parse(await berth(['inspect', '-f', '{{json .NetworkSettings.Networks}}', 'c2'])) as Record<string, { IPAddress: string; Aliases: string[] | null }>;
    assert.equal(nets['net2']?.IPAddress, '10.123.45.7');
    // dockerd adds the container's short id to a user network's aliases when it connects it.
    const c2Id = (await berth(['inspect', '-f', '{{.Id}}', 'c2'])).trim();
    assert.deepEqual(nets['net2']?.Aliases, ['svc', c2Id.slice(0, 12)]);
    await berth(['network', 'disconnect', 'net2', 'c2']);
    assert.equal((await berth(['inspect', '-f', '{{len .NetworkSettings.Networks}}', 'c2'])).trim(), '1');
    await berth(['rm', '-f', 'c2']);
    assertNoTrace(c);
    const pruned = await berth(['network', 'prune', '-f']);
    assert.match(pruned, /^Deleted Networks:\nnet2\n/);
    assert.equal((await d.berth(['network', 'inspect', 'net2'])).code, 1);
    const builtin = await d.berth(['network', 'rm', 'bridge']);
    assert.match(builtin.stderr, /bridge is a pre-defined network and cannot be removed/);
  });
});

describe('outbound NAT', () => {
  test('a network masquerades with one rule for all its containers, none per container, and the rule goes with network rm', async () => {
    const netId = (await berth(['network', 'create', 'natnet'])).trim();
    const tag = `berth masquerade berth-${netId.slice(0, 12)}`;
    const ids = [(await berth(['run', '-d', '--network', 'natnet', 'busybox', 'sleep', '60'])).trim(), (await berth(['run', '-d', '--network', 'natnet', 'busybox', 'sleep', '60'])).trim()];
    const rules = sh('iptables-save', ['-t', 'nat']);
    assert.equal(rules.split('\n').filter((l) => l.includes(tag)).length, 1, `one masquerade rule for the network:\n${rules}`);
    for (const id of ids) assert.ok(!rules.includes(id), 'a NAT rule per container');
    const r = await d.berth(['run', '--rm', '--network', 'natnet', 'busybox', 'sh', '-c', 'wget -q -O /dev/null http://deb.debian.org/debian/ && echo reached']);
    assert.equal(r.stdout.trim(), 'reached', r.stderr);
    await berth(['rm', '-f', ...ids]);
    assert.equal(sh('iptables-save', ['-t', 'nat']).split('\n').filter((l) => l.includes(tag)).length, 1, 'the rule stays while the network exists');
    await berth(['network', 'rm', 'natnet']);
    assert.ok(!sh('iptables-save', []).includes(netId.slice(0, 12)), 'a rule of the network is left after network rm');
  });
});

describe('published ports', () => {
  test('-p 127.0.0.1:5000:8000 answers on loopback only, and a taken port fails the start leaving the container Created', async () => {
    const web = (await berth(['run', '-d', '--name', 'web', '-p', '127.0.0.1:5000:8000', 'busybox', 'sh', '-c', 'mkdir /w && echo hello > /w/index.html && exec httpd -f -p 8000 -h /w'])).trim();
    let body: string | undefined;
    for (let i = 0; i < 20 && body === undefined; i++) {
      body = await httpGet('http://127.0.0.1:5000/index.html');
      if (body === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(body, 'hello\n');
    assert.equal(await httpGet(`http://${hostAddress()}:5000/index.html`), undefined, 'reachable on the host\'s other address');
    assert.equal((await berth(['port', 'web'])).trim(), '8000/tcp -> 127.0.0.1:5000');
    const ps = await berth(['ps', '--format', '{{.Ports}}', '--filter', 'name=web']);
    assert.equal(ps.trim(), '127.0.0.1:5000->8000/tcp');
    await berth(['create', '--name', 'web-b', '-p', '127.0.0.1:5000:80', 'busybox', 'true']);
    const taken = await d.berth(['start', 'web-b']);
    assert.notEqual(taken.code, 0);
    assert.match(taken.stderr, /Bind for 127\.0\.0\.1:5000 failed: port is already allocated/);
    assert.equal((await berth(['inspect', '-f', '{{.State.Status}}', 'web-b'])).trim(), 'created');
    await berth(['rm', '-f', 'web', 'web-b']);
    assertNoTrace(web);
  });

  test('-p 8000 gets an ephemeral port that berth port reports and that answers; ranges and /udp are published', async () => {
    const id = (await berth(['run', '-d', '--name', 'eph', '-p', '8000', '-p', '127.0.0.1:5101-5102:5101-5102', '-p', '127.0.0.1:5103:53/udp', 'busybox', 'sh', '-c', 'mkdir /w && echo eph > /w/i && exec httpd -f -p 8000 -h /w'])).trim();
    const hostPort = (await berth(['port', 'eph', '8000'])).trim();
    assert.match(hostPort, /^0\.0\.0\.0:(\d+)$/);
    const port = Number(hostPort.split(':')[1]);
    assert.ok(port >= 32768 && port <= 60999, `ephemeral port ${port}`);
    let body: string | undefined;
    for (let i = 0; i < 20 && body === undefined; i++) {
      body = await httpGet(`http://127.0.0.1:${port}/i`);
      if (body === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(body, 'eph\n');
    const all = (await berth(['port', 'eph'])).trim().split('\n');
    assert.deepEqual(all, ['53/udp -> 127.0.0.1:5103', '5101/tcp -> 127.0.0.1:5101', '5102/tcp -> 127.0.0.1:5102', `8000/tcp -> 0.0.0.0:${port}`]);
    await berth(['rm', '-f', 'eph']);
    assertNoTrace(id);
  });
});

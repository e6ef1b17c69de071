// The embedded DNS where docker puts it: on user-defined networks a
// container's /etc/resolv.conf names 127.0.0.11 (with ndots:0, as dockerd
// writes it), and 127.0.0.11:53 answers over UDP and TCP inside the container —
// busybox nslookup, glibc (getent, python3 socket.gethostbyname) and a raw TCP
// query from python3. Other names go to the host's resolvers, or to the
// container's --dns. berthd serves 127.0.0.11 from sockets in the container's
// netns: no NAT rule anywhere, route_localnet stays 0, nothing left after rm.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { log } from '../../src/lib/logger.ts';
import { DnsServer } from '../../src/network/dns-server.ts';
import { show } from './acceptance-support.ts';
import { ensureDebian } from './debian-fixture.ts';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';

let d: Daemon;
const img = 'debian:bookworm';
const slow = { timeout: 5 * 60_000 };

async function berth(args: readonly string[]): Promise<string> {
  const r = await d.berth(args);
  assert.equal(r.code, 0, `berth ${args.join(' ')}: ${show(r)}\n${d.logTail()}`);
  return r.stdout;
}

const hostRules = () => spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout;

/** A python3 program printing the A records 127.0.0.11 gives for argv[1], asked over TCP. */
const tcpQuery = `
import socket, struct, sys
name = sys.argv[1]
q = struct.pack('>HHHHHH', 0x4242, 0x0100, 1, 0, 0, 0) + b''.join(bytes([len(l)]) + l.encode() for l in name.split('.')) + b'\\0' + struct.pack('>HH', 1, 1)
s = socket.create_connection(('127.0.0.11', 53), timeout=5)
s.sendall(struct.pack('>H', len(q)) + q)
buf = b''
while len(buf) < 2 or len(buf) < 2 + struct.unpack('>H', buf[:2])[0]:
    chunk = s.recv(4096)
    if not chunk: sys.exit('connection closed')
    buf += chunk
m = buf[2:]
assert m[:2] == b'\\x42\\x42', 'wrong id'
an = struct.unpack('>H', m[6:8])[0]
i = 12
while m[i] != 0: i += 1 + m[i]
i += 5
for _ in range(an):
    if m[i] & 0xc0 == 0xc0: i += 2
    else:
        while m[i] != 0: i += 1 + m[i]
        i += 1
    t, _c, _ttl, ln = struct.unpack('>HHIH', m[i:i + 10])
    i += 10
    if t == 1: print('.'.join(str(b) for b in m[i:i + 4]))
    i += ln
`;

before(async () => {
  d = await startDaemon();
  await ensureBusybox(d);
  await ensureDebian(d);
}, slow);

after(async () => {
  await d?.stop();
});

test('resolv.conf on a user network names 127.0.0.11 as dockerd writes it; --dns-search and --dns-option show, --dns does not', slow, async () => {
  await berth(['network', 'create', 'rnet']);
  const plain = await berth(['run', '--rm', '--network', 'rnet', 'busybox', 'cat', '/etc/resolv.conf']);
  const lines = plain.trim().split('\n');
  assert.deepEqual(lines.filter((l) => l.startsWith('nameserver')), ['nameserver 127.0.0.11'], plain);
  assert.match(lines.find((l) => l.startsWith('options')) ?? '', / ndots:0$|^options ndots:0$/, plain);
  const custom = await berth(['run', '--rm', '--network', 'rnet', '--dns', '192.0.2.1', '--dns-search', 'x.org', '--dns-option', 'ndots:2', 'busybox', 'cat', '/etc/resolv.conf']);
  assert.equal(custom, 'search x.org\nnameserver 127.0.0.11\noptions ndots:2\n');
  await berth(['network', 'rm', 'rnet']);
});

test('127.0.0.11 answers container names over UDP and TCP for busybox, glibc and python3; other names reach the host\'s resolvers', slow, async () => {
  await berth(['network', 'create', 'dnet']);
  const db = (await berth(['run', '-d', '--name', 'db-1', '--network', 'dnet', '--network-alias', 'database', 'busybox', 'sleep', '120'])).trim();
  const ip = (await berth(['inspect', '-f', '{{.NetworkSettings.Networks.dnet.IPAddress}}', 'db-1'])).trim();
  const box = (await berth(['run', '-d', '--name', 'asker', '--network', 'dnet', img, 'sleep', '120'])).trim();
  const exec = async (args: readonly string[]) => {
    const r = await d.berth(['exec', 'asker', ...args]);
    assert.equal(r.code, 0, `exec ${args.join(' ')}: ${show(r)}`);
    return r.stdout.trim();
  };
  assert.equal(await exec(['python3', '-c', 'import socket; print(socket.gethostbyname("db-1"))']), ip);
  assert.match(await exec(['getent', 'hosts', 'database']), new RegExp(`^${ip.replace(/\./g, '\\.')}\\s+database$`));
  assert.equal(await exec(['python3', '-c', tcpQuery, 'db-1']), ip);
  assert.equal(await exec(['python3', '-c', tcpQuery, 'database']), ip);
  const bb = await d.berth(['run', '--rm', '--network', 'dnet', 'busybox', 'nslookup', 'db-1', '127.0.0.11']);
  assert.match(bb.stdout, new RegExp(`Address: ${ip.replace(/\./g, '\\.')}$`, 'm'), show(bb));
  const other = await d.berth(['exec', 'asker', 'python3', '-c', 'import socket; print(socket.gethostbyname("deb.debian.org"))']);
  assert.equal(other.code, 0, `other names go to the host's resolvers: ${show(other)}`);
  assert.match(other.stdout.trim(), /^\d+\.\d+\.\d+\.\d+$/);
  // No rule for 127.0.0.11 on the host nor in the container's netns, and no route_localnet (issue 13).
  assert.doesNotMatch(hostRules(), /127\.0\.0\.11/);
  const sandbox = (await berth(['inspect', '-f', '{{.NetworkSettings.SandboxKey}}', 'asker'])).trim();
  const inside = spawnSync('nsenter', [`--net=${sandbox}`, 'iptables-save', '-t', 'nat'], { encoding: 'utf8' }).stdout;
  assert.doesNotMatch(inside, /127\.0\.0\.11|BERTH_DNS/);
  assert.equal(spawnSync('nsenter', [`--net=${sandbox}`, 'cat', '/proc/sys/net/ipv4/conf/all/route_localnet'], { encoding: 'utf8' }).stdout.trim(), '0');
  await berth(['rm', '-f', 'asker', 'db-1']);
  assert.deepEqual(readdirSync(join(d.execRoot, 'netns')), [], 'a netns is left');
  const rules = hostRules();
  assert.doesNotMatch(rules, /127\.0\.0\.11|BERTH_DNS/);
  for (const id of [db, box]) assert.ok(!rules.includes(id), 'a rule of the container is left');
  await berth(['network', 'rm', 'dnet']);
});

test('names a container does not know go to its --dns servers, over UDP and TCP', slow, async () => {
  // A resolver of the test's own on a host loopback address: reached from berthd in the host's netns, as dockerd does for loopback --dns.
  const fake = new DnsServer({ address: '127.0.0.77', port: 53, lookup: (name) => (name === 'only.fake.example' ? ['10.9.9.9'] : []), upstreams: () => [], log });
  await fake.start();
  try {
    await berth(['network', 'create', 'fnet']);
    await berth(['run', '-d', '--name', 'fasker', '--network', 'fnet', '--dns', '127.0.0.77', img, 'sleep', '120']);
    const udp = await d.berth(['exec', 'fasker', 'python3', '-c', 'import socket; print(socket.gethostbyname("only.fake.example"))']);
    assert.equal(udp.stdout.trim(), '10.9.9.9', show(udp));
    const tcp = await d.berth(['exec', 'fasker', 'python3', '-c', tcpQuery, 'only.fake.example']);
    assert.equal(tcp.stdout.trim(), '10.9.9.9', show(tcp));
    // Without --dns the host's resolvers are asked, which do not know the name.
    await berth(['run', '-d', '--name', 'hasker', '--network', 'fnet', img, 'sleep', '120']);
    const host = await d.berth(['exec', 'hasker', 'python3', '-c', 'import socket; print(socket.gethostbyname("only.fake.example"))']);
    assert.notEqual(host.code, 0, show(host));
    await berth(['rm', '-f', 'fasker', 'hasker']);
    await berth(['network', 'rm', 'fnet']);
  } finally {
    fake.close();
  }
});

test('a container on two user networks resolves the containers of both through 127.0.0.11', slow, async () => {
  await berth(['network', 'create', 'na']);
  await berth(['network', 'create', 'nb']);
  await berth(['run', '-d', '--name', 'on-a', '--network', 'na', 'busybox', 'sleep', '120']);
  await berth(['run', '-d', '--name', 'on-b', '--network', 'nb', 'busybox', 'sleep', '120']);
  await berth(['create', '--name', 'both', '--network', 'na', 'busybox', 'sleep', '120']);
  await berth(['network', 'connect', 'nb', 'both']);
  await berth(['start', 'both']);
  const r = await d.berth(['exec', 'both', 'sh', '-c', 'ping -c1 -W2 on-a >/dev/null && ping -c1 -W2 on-b >/dev/null && echo ok']);
  assert.equal(r.stdout.trim(), 'ok', show(r));
  const lone = await d.berth(['run', '--rm', '--network', 'na', 'busybox', 'nslookup', 'on-b']);
  assert.notEqual(lone.code, 0, `a container on na only resolves on-b: ${show(lone)}`);
  await berth(['rm', '-f', 'on-a', 'on-b', 'both']);
  await berth(['network', 'rm', 'na', 'nb']);
});

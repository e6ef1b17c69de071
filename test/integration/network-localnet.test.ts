// Attacks on berth's networking (berth issue 13). The embedded DNS serves
// 127.0.0.11:53 from sockets made inside the container's netns, so no
// container has route_localnet on: a neighbour on the bridge cannot reach a
// service the container bound to 127.0.0.1 (CVE-2020-8558), neither by routing
// 127.0.0.1 through the container's address nor with a hand-made frame from
// the bridge. And a network's MASQUERADE rule does not outlive a kill -9 of
// berthd: the next berthd adopts it and a clean shutdown removes it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mountsUnder, show } from './acceptance-support.ts';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';

let d: Daemon;
const slow = { timeout: 3 * 60_000 };

async function berth(args: readonly string[]): Promise<string> {
  const r = await d.berth(args);
  assert.equal(r.code, 0, `berth ${args.join(' ')}: ${show(r)}\n${d.logTail()}`);
  return r.stdout;
}

const sh = (cmd: string, args: readonly string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).stdout ?? '';
const veths = () => new Set(sh('ip', ['-o', 'link', 'show', 'type', 'veth']).split('\n').map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '').filter(Boolean));
/** The host's nat POSTROUTING rules that name berth's network `id`. */
const masqueradeRules = (id: string) => sh('iptables', ['-w', '-t', 'nat', '-S', 'POSTROUTING']).split('\n').filter((l) => l.includes(`berth masquerade berth-${id.slice(0, 12)}`));
/** Inodes of the sockets in the host's netns (unix, TCP and UDP). */
function hostSocketInodes(): Set<string> {
  const out = new Set<string>();
  for (const [file, col] of [['unix', 6], ['tcp', 9], ['udp', 9], ['tcp6', 9], ['udp6', 9]] as const) {
    for (const line of sh('cat', [`/proc/net/${file}`]).split('\n').slice(1)) {
      const inode = line.trim().split(/\s+/)[col];
      if (inode) out.add(inode);
    }
  }
  return out;
}

/** Sockets berthd holds in other netns than the host's (the embedded DNS makes two per container on a user network). */
function foreignSocketsOfBerthd(): number {
  const host = hostSocketInodes();
  let n = 0;
  for (const f of readdirSync(`/proc/${d.pid}/fd`)) {
    let link = '';
    try {
      link = readlinkSync(`/proc/${d.pid}/fd/${f}`);
    } catch {
      continue; // closed meanwhile
    }
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m && !host.has(m[1]!)) n++;
  }
  return n;
}

/** Waits until berthd holds `n` foreign sockets (relays and closes finish a moment later); returns the last count. */
async function settleSockets(n: number): Promise<number> {
  let now = foreignSocketsOfBerthd();
  for (let i = 0; i < 50 && now !== n; i++) {
    await sleep(100);
    now = foreignSocketsOfBerthd();
  }
  return now;
}

/** A DNS question for `name` (type A) over TCP, written with busybox printf's octal escapes. */
function tcpQuestion(name: string): string {
  const labels = name.split('.').map((l) => String.fromCharCode(l.length) + l).join('');
  const q = '\x42\x42\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00' + labels + '\x00\x00\x01\x00\x01';
  const msg = String.fromCharCode(0, q.length) + q;
  return [...msg].map((c) => '\\' + c.charCodeAt(0).toString(8).padStart(3, '0')).join('');
}

/**
 * A SYN to 127.0.0.1:<port>, sent as a raw Ethernet frame from the host's side
 * of the bridge to the container's MAC (CVE-2020-8558's vector for a neighbour
 * on the same L2); prints what came back from 127.0.0.1: synack, rst or none.
 */
const rawSyn = `
import random, socket, struct, sys, time
ifname, dst_mac, src_ip, dport = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def csum(b):
    if len(b) % 2: b += b'\\0'
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xffff); t += t >> 16
    return ~t & 0xffff
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind((ifname, 0))
src_mac = s.getsockname()[4]
sip, dip = socket.inet_aton(src_ip), socket.inet_aton('127.0.0.1')
sport = random.randint(20000, 60000)
tcp = struct.pack('!HHIIBBHHH', sport, dport, 1, 0, 5 << 4, 0x02, 64240, 0, 0)
tcp = tcp[:16] + struct.pack('!H', csum(sip + dip + struct.pack('!BBH', 0, 6, len(tcp)) + tcp)) + tcp[18:]
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, sip, dip)
ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
frame = bytes.fromhex(dst_mac.replace(':', '')) + src_mac + b'\\x08\\x00' + ip + tcp
s.settimeout(0.3)
end = time.time() + 3
s.send(frame)
while time.time() < end:
    try:
        f = s.recv(2048)
    except socket.timeout:
        s.send(frame)
        continue
    p = f[14:]
    if len(p) < 40 or p[9] != 6 or p[12:16] != dip: continue
    t = p[(p[0] & 15) * 4:]
    if struct.unpack('!HH', t[0:4]) != (dport, sport): continue
    print('synack' if t[13] & 0x12 == 0x12 else 'rst')
    sys.exit(0)
print('none')
`;

before(async () => {
  d = await startDaemon();
  await ensureBusybox(d);
}, slow);

after(async () => {
  await d?.stop();
});

test('route_localnet stays 0 on a user network and 127.0.0.11 still answers over UDP and TCP; rm leaves no netns, veth or socket', slow, async () => {
  const vethsBefore = veths();
  const socketsBefore = foreignSocketsOfBerthd();
  const lnet = (await berth(['network', 'create', 'lnet'])).trim();
  await berth(['run', '-d', '--name', 'peer', '--network', 'lnet', 'busybox', 'sleep', '120']);
  const ip = (await berth(['inspect', '-f', '{{.NetworkSettings.Networks.lnet.IPAddress}}', 'peer'])).trim();
  const sandbox = (await berth(['inspect', '-f', '{{.NetworkSettings.SandboxKey}}', 'peer'])).trim();
  assert.equal(sh('nsenter', [`--net=${sandbox}`, 'cat', '/proc/sys/net/ipv4/conf/all/route_localnet']).trim(), '0', 'route_localnet is on in the container\'s netns');
  assert.doesNotMatch(sh('nsenter', [`--net=${sandbox}`, 'iptables-save', '-t', 'nat']), /127\.0\.0\.11|DNAT|MASQUERADE/, 'a NAT rule is in the container\'s netns');
  const r = await d.berth(['run', '--rm', '--network', 'lnet', 'busybox', 'sh', '-c',
    `cat /proc/sys/net/ipv4/conf/all/route_localnet /proc/sys/net/ipv4/conf/eth0/route_localnet; nslookup peer; echo TCP; printf '${tcpQuestion('peer')}' | nc -w 3 127.0.0.11 53 | od -An -tu1 -v`]);
  assert.equal(r.code, 0, show(r));
  const [all, eth0] = r.stdout.split('\n');
  assert.equal(all, '0', `route_localnet (all): ${show(r)}`);
  assert.equal(eth0, '0', `route_localnet (eth0): ${show(r)}`);
  assert.match(r.stdout, new RegExp(`Address: ${ip.replace(/\./g, '\\.')}$`, 'm'), `nslookup over UDP: ${show(r)}`);
  assert.match(r.stdout, /^Server:\s+127\.0\.0\.11$/m, `nslookup asked 127.0.0.11: ${show(r)}`);
  // The TCP answer: a length prefix, the header (id 0x4242, one answer), and the A record's address last.
  const tcpAnswer = (r.stdout.split('\nTCP\n')[1]?.match(/\d+/g) ?? []).map(Number);
  assert.deepEqual(tcpAnswer.slice(2, 4), [0x42, 0x42], `TCP answer id: ${show(r)}`);
  assert.equal(tcpAnswer.length, 2 + tcpAnswer[1]!, `TCP answer length: ${show(r)}`);
  assert.equal(tcpAnswer.slice(-4).join('.'), ip, `TCP answer: ${show(r)}`);
  console.log(`# in a container on a user network: route_localnet all=${all} eth0=${eth0}; peer resolved through 127.0.0.11 to ${ip} over UDP and TCP`);
  // Other names go to the host's resolvers (when it has a reachable one: Debian's archive is).
  const up = await d.berth(['run', '--rm', '--network', 'lnet', 'busybox', 'nslookup', 'deb.debian.org']);
  if (sh('busybox', ['nslookup', 'deb.debian.org']).includes('Name:')) {
    assert.match(up.stdout, /Name:\s+deb\.debian\.org/, `a name of the host's resolvers: ${show(up)}`);
  }
  // The sockets live in the container's netns, not on the host.
  assert.doesNotMatch(sh('ss', ['-lntu']), /127\.0\.0\.11:53/);
  assert.equal(await settleSockets(socketsBefore + 2), socketsBefore + 2, 'berthd holds a UDP and a TCP socket outside the host\'s netns for the container');
  await berth(['rm', '-f', 'peer']);
  await berth(['network', 'rm', 'lnet']);
  assert.deepEqual(readdirSync(join(d.execRoot, 'netns')), [], 'a netns file is left');
  assert.deepEqual(mountsUnder(d.root).filter((m) => m.includes('netns')), [], 'a netns mount is left');
  assert.deepEqual([...veths()].filter((v) => !vethsBefore.has(v) && sh('ip', ['-o', 'link', 'show', v]).includes(`master br-${lnet.slice(0, 12)}`)), [], 'a veth is left');
  // No socket keeps a removed container's netns alive.
  const socketsAfter = await settleSockets(socketsBefore);
  assert.equal(socketsAfter, socketsBefore, `berthd still holds sockets of the removed container: ${socketsAfter} after, ${socketsBefore} before`);
});

test('a neighbour on the bridge cannot reach a service bound to 127.0.0.1 in a container (CVE-2020-8558)', slow, async () => {
  const net = JSON.parse(await berth(['network', 'create', 'cnet']).then(() => berth(['network', 'inspect', 'cnet']))) as { Id: string }[];
  const bridge = `br-${net[0]!.Id.slice(0, 12)}`;
  await berth(['run', '-d', '--name', 'victim', '--network', 'cnet', 'busybox', 'sh', '-c', 'mkdir /www && echo secret-8558 >/www/s && exec httpd -f -p 127.0.0.1:8080 -h /www']);
  const ip = (await berth(['inspect', '-f', '{{.NetworkSettings.Networks.cnet.IPAddress}}', 'victim'])).trim();
  const mac = (await berth(['inspect', '-f', '{{.NetworkSettings.Networks.cnet.MacAddress}}', 'victim'])).trim();
  const gateway = (await berth(['inspect', '-f', '{{.NetworkSettings.Networks.cnet.Gateway}}', 'victim'])).trim();
  // The service works for the container itself (so the attacks below can succeed where the kernel lets them).
  let local = '';
  for (let i = 0; i < 20 && !local.includes('secret-8558'); i++) {
    local = (await d.berth(['exec', 'victim', 'wget', '-qO-', 'http://127.0.0.1:8080/s'])).stdout;
    if (!local.includes('secret-8558')) await sleep(100);
  }
  assert.match(local, /secret-8558/);
  const sandbox = (await berth(['inspect', '-f', '{{.NetworkSettings.SandboxKey}}', 'victim'])).trim();
  /** Connections (any state but LISTEN) to the victim's 127.0.0.1:8080 from outside its loopback. */
  const reached = () => sh('nsenter', [`--net=${sandbox}`, 'ss', '-tanH', 'sport', '= :8080']).split('\n').filter((l) => l.trim() !== '' && !l.startsWith('LISTEN') && !/\s127\.\d+\.\d+\.\d+:\d+\s*$/.test(l));
  // A neighbour with NET_ADMIN drops its own 127/8 routes and routes 127.0.0.1 through the victim's address (the ping fills both ARP caches).
  const nb = await d.berth(['run', '--rm', '--network', 'cnet', '--cap-add', 'NET_ADMIN', 'busybox', 'sh', '-c',
    `ping -c1 -W1 ${ip} >/dev/null; ip route del local 127.0.0.1 table local; ip route del local 127.0.0.0/8 table local; ip route add 127.0.0.1/32 via ${ip} dev eth0 && ip route get 127.0.0.1; printf 'GET /s HTTP/1.0\\r\\n\\r\\n' | nc -w 2 127.0.0.1 8080; echo "nc exit $?"`]);
  assert.match(nb.stdout, new RegExp(`127\\.0\\.0\\.1 via ${ip.replace(/\./g, '\\.')}`), `the neighbour's route is in place: ${show(nb)}`);
  assert.doesNotMatch(nb.stdout, /secret-8558/, `the neighbour read the victim's 127.0.0.1 service: ${show(nb)}`);
  assert.deepEqual(reached(), [], `the neighbour's SYN reached the victim's 127.0.0.1:8080: ${show(nb)}`);
  // A hand-made frame from the bridge, whatever the sender's own kernel allows: the victim must not answer from 127.0.0.1.
  spawnSync('busybox', ['ping', '-c1', '-W1', ip], { stdio: 'ignore' });
  const raw = spawnSync('python3', ['-c', rawSyn, bridge, mac, gateway, '8080'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(raw.status, 0, raw.stderr);
  assert.equal(raw.stdout.trim(), 'none', `the victim answered a SYN to 127.0.0.1 from the bridge: ${raw.stdout}`);
  assert.deepEqual(reached(), [], 'a SYN from the bridge reached the victim\'s 127.0.0.1:8080');
  await berth(['rm', '-f', 'victim']);
  await berth(['network', 'rm', 'cnet']);
  assert.equal(sh('ip', ['-o', 'link', 'show', bridge]), '', 'the bridge is left');
});

test('a MASQUERADE rule outlives no kill -9: the next berthd adopts it and a clean shutdown removes it', slow, async () => {
  const net = JSON.parse(await berth(['network', 'create', 'mnet']).then(() => berth(['network', 'inspect', 'mnet']))) as { Id: string }[];
  const id = net[0]!.Id;
  await berth(['run', '--rm', '--network', 'mnet', 'busybox', 'true']);
  assert.equal(masqueradeRules(id).length, 1, 'the first container made the network\'s rule');
  let left: string[];
  await d.kill('SIGKILL');
  try {
    await d.restart();
    await d.kill('SIGTERM');
    left = masqueradeRules(id);
  } finally {
    // The file's after hook removes the network (and with it a rule left) through a running berthd.
    await d.restart();
  }
  assert.deepEqual(left, [], 'the rule is left in the host\'s POSTROUTING after a clean shutdown');
  // The rule comes back with the next container, and goes with the network.
  await berth(['run', '--rm', '--network', 'mnet', 'busybox', 'true']);
  assert.equal(masqueradeRules(id).length, 1);
  await berth(['network', 'rm', 'mnet']);
  assert.deepEqual(masqueradeRules(id), []);
});

test('a container that outlives berthd resolves through 127.0.0.11 again after a restart; one of a berth before issue 13 loses its redirect and route_localnet', slow, async () => {
  await berth(['network', 'create', 'rnet']);
  try {
    await berth(['run', '-d', '--name', 'r-db', '--network', 'rnet', 'busybox', 'sleep', '120']);
    const id = (await berth(['run', '-d', '--name', 'r-asker', '--network', 'rnet', 'busybox', 'sleep', '120'])).trim();
    const ip = (await berth(['inspect', '-f', '{{.NetworkSettings.Networks.rnet.IPAddress}}', 'r-db'])).trim();
    const gateway = (await berth(['inspect', '-f', '{{.NetworkSettings.Networks.rnet.Gateway}}', 'r-db'])).trim();
    const sandbox = (await berth(['inspect', '-f', '{{.NetworkSettings.SandboxKey}}', 'r-asker'])).trim();
    const resolves = async () => (await d.berth(['exec', 'r-asker', 'nslookup', 'r-db'])).stdout.includes(`Address: ${ip}`);
    assert.ok(await resolves(), 'r-db resolves before the restart');
    await d.kill('SIGKILL');
    // What berth before issue 13 left in the netns: the NAT redirect to the gateway and route_localnet on; its record has no dnsSockets.
    const rules = ['*nat', ':BERTH_DNS_OUTPUT - [0:0]', ':BERTH_DNS_POSTROUTING - [0:0]', '-A OUTPUT -d 127.0.0.11/32 -j BERTH_DNS_OUTPUT', `-A POSTROUTING -s 127.0.0.0/8 -d ${gateway}/32 -j BERTH_DNS_POSTROUTING`,
      `-A BERTH_DNS_OUTPUT -p udp -m udp --dport 53 -j DNAT --to-destination ${gateway}:53`, `-A BERTH_DNS_OUTPUT -p tcp -m tcp --dport 53 -j DNAT --to-destination ${gateway}:53`,
      '-A BERTH_DNS_POSTROUTING -p udp -m udp --dport 53 -j MASQUERADE', '-A BERTH_DNS_POSTROUTING -p tcp -m tcp --dport 53 -j MASQUERADE', 'COMMIT', ''].join('\n');
    const legacy = spawnSync('nsenter', [`--net=${sandbox}`, '--', 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet && iptables-restore -w --noflush'], { input: rules, encoding: 'utf8' });
    assert.equal(legacy.status, 0, legacy.stderr);
    const record = join(d.dataRoot, 'network', 'attachments', `${id}.json`);
    const { dnsSockets, ...old } = JSON.parse(readFileSync(record, 'utf8')) as Record<string, unknown>;
    assert.equal(dnsSockets, true, 'a new attachment is marked');
    writeFileSync(record, JSON.stringify(old));
    await d.restart();
    assert.ok(await resolves(), `r-db resolves after the restart: ${d.logTail()}`);
    assert.ok((await d.berth(['exec', 'r-db', 'nslookup', 'r-asker'])).stdout.includes('Address: '), 'the other container resolves too');
    assert.equal(sh('nsenter', [`--net=${sandbox}`, 'cat', '/proc/sys/net/ipv4/conf/all/route_localnet']).trim(), '0');
    assert.doesNotMatch(sh('nsenter', [`--net=${sandbox}`, 'iptables-save', '-t', 'nat']), /BERTH_DNS|127\.0\.0\.11/);
    assert.equal((JSON.parse(readFileSync(record, 'utf8')) as { dnsSockets?: boolean }).dnsSockets, true, 'the record is marked after the clean-up');
  } finally {
    await d.berth(['rm', '-f', 'r-db', 'r-asker']);
    await d.berth(['network', 'rm', 'rnet']);
  }
});

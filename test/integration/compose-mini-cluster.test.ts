// The acceptance lines of issue 7, tried as a new user would with Debian +
// python3 images made locally: the course's mini cluster (`name: ${PROJECT}`;
// nn with hostname boss recording who registers on :9000; three dn replicas
// with a 256m memory limit registering their hostnames; nb published on
// 127.0.0.1:5000 with ./nb bind-mounted), killing a datanode, `down` leaving
// no container, network, mount or iptables rule; the counter demo (one image
// built by compose, 127.0.0.1:5000-5002:5440 over 3 replicas); and a service
// exiting 127 shown by `ps -a` and explained by `logs`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { berthBin, q, sh, type RunResult } from './acceptance-support.ts';
import { httpText, takeTestLock, until, waitPortsFree } from './compose-support.ts';
import { ensureDebian } from './debian-fixture.ts';
import { startDaemon, type Daemon } from './harness.ts';

const nnPy = `# nn: the boss. Records every datanode that registers, and notices when one goes away.
import signal, socket, sys, threading
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
nodes = set()
lock = threading.Lock()

def save():
    with open('/tmp/nodes', 'w') as f:
        f.write(''.join(n + '\\n' for n in sorted(nodes)))

def serve(conn, addr):
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)
    f = conn.makefile('r')
    words = f.readline().split()
    if len(words) != 2 or words[0] != 'register':
        conn.close()
        return
    name = words[1]
    with lock:
        nodes.add(name)
        save()
    # One write per line: print() writes its pieces one by one, and the datanodes register at once.
    sys.stdout.write('registered %s from %s\\n' % (name, addr[0]))
    conn.sendall(b'welcome\\n')
    try:
        while f.readline():
            pass
    except OSError:
        pass
    with lock:
        nodes.discard(name)
        save()
    sys.stdout.write('gone %s\\n' % name)

save()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('', 9000))
s.listen()
print('boss listening on 9000', flush=True)
while True:
    c, a = s.accept()
    threading.Thread(target=serve, args=(c, a), daemon=True).start()
`;

const dnPy = `# dn: a datanode. Dials boss:9000 and registers its own hostname; dials again if the boss goes.
import signal, socket, sys, time
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
me = socket.gethostname()
while True:
    try:
        c = socket.create_connection(('boss', 9000), timeout=5)
        c.settimeout(None)
        c.sendall(('register %s\\n' % me).encode())
        print('registered with boss as', me, flush=True)
        while c.recv(1024):
            pass
    except OSError as e:
        print('boss not reachable:', e, flush=True)
    time.sleep(1)
`;

const clusterYaml = `name: \${PROJECT}
services:
  nn:
    build: ./nn
    hostname: boss
  dn:
    build: ./dn
    depends_on: [nn]
    deploy:
      replicas: 3
      resources:
        limits:
          memory: 256m
  nb:
    image: debian:bookworm
    command: ["python3", "-m", "http.server", "8888", "--directory", "/nb"]
    stop_signal: SIGINT
    ports: ["127.0.0.1:5000:8888"]
    volumes: ["./nb:/nb"]
`;

const counterPy = `# The lecture's counter: answers with this replica's hostname and how often it was asked.
import http.server, signal, socket, sys
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
hits = 0
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        global hits
        hits += 1
        body = ('%s %d\\n' % (socket.gethostname(), hits)).encode()
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
http.server.ThreadingHTTPServer(('', 5440), H).serve_forever()
`;

const counterYaml = `name: counter
services:
  app:
    build: .
    ports: ["127.0.0.1:5000-5002:5440"]
    deploy: {replicas: 3}
  worker:
    image: debian:bookworm
    command: ["sh", "-c", "echo starting the worker; exec hadoop-worker --boss boss:9000"]
`;

describe('the course\'s mini cluster with Debian + python3 images', { timeout: 15 * 60_000 }, () => {
  let d: Daemon | undefined;
  let release: (() => void) | undefined;
  let root = '';

  /** A berth command run from `cwd` as a user types it, with extra environment. */
  const user = async (cwd: string, cmd: string, env: Record<string, string> = {}): Promise<RunResult> => {
    assert.ok(d);
    const r = await sh(`cd ${q(cwd)} && ${q(berthBin)} ${cmd}`, { env: { ...d.env, ...env }, timeoutMs: 300_000 });
    return r;
  };
  const ok = async (cwd: string, cmd: string, env: Record<string, string> = {}): Promise<string> => {
    const r = await user(cwd, cmd, env);
    assert.equal(r.code, 0, `berth ${cmd} failed (${r.code}): ${r.stderr}\n${d?.logTail() ?? ''}`);
    return r.stdout;
  };

  before(async () => {
    release = await takeTestLock('port-5000');
    d = await startDaemon();
    await ensureDebian(d);
    root = mkdtempSync('/tmp/berth-compose-mini-');
    const p4 = join(root, 'p4');
    for (const sub of ['nn', 'dn', 'nb']) mkdirSync(join(p4, sub), { recursive: true });
    writeFileSync(join(p4, 'compose.yaml'), clusterYaml);
    writeFileSync(join(p4, 'nn', 'nn.py'), nnPy);
    writeFileSync(join(p4, 'nn', 'Dockerfile'), 'FROM debian:bookworm\nCOPY nn.py /nn.py\nEXPOSE 9000\nCMD ["python3", "-u", "/nn.py"]\n');
    writeFileSync(join(p4, 'dn', 'dn.py'), dnPy);
    writeFileSync(join(p4, 'dn', 'Dockerfile'), 'FROM debian:bookworm\nCOPY dn.py /dn.py\nCMD ["python3", "-u", "/dn.py"]\n');
    writeFileSync(join(p4, 'nb', 'index.html'), 'notebook served from ./nb\n');
    const counter = join(root, 'counter');
    mkdirSync(counter);
    writeFileSync(join(counter, 'compose.yaml'), counterYaml);
    writeFileSync(join(counter, 'counter.py'), counterPy);
    writeFileSync(join(counter, 'Dockerfile'), 'FROM debian:bookworm\nCOPY counter.py /counter.py\nEXPOSE 5440\nCMD ["python3", "-u", "/counter.py"]\n');
    await waitPortsFree('127.0.0.1', [5000, 5001, 5002]);
  });

  after(async () => {
    if (d) {
      await user(join(root, 'p4'), 'compose down -t 1', { PROJECT: 'p4' }).catch(() => undefined);
      await user(join(root, 'counter'), 'compose down -t 1').catch(() => undefined);
      await d.stop();
    }
    if (root) rmSync(root, { recursive: true, force: true });
    release?.();
  });

  test('PROJECT=p4 compose up -d runs nn, three dn and nb; nn sees the datanodes, kill and down behave', async () => {
    assert.ok(d);
    const p4 = join(root, 'p4');
    const env = { PROJECT: 'p4' };
    await ok(p4, 'compose up -d', env);

    // `berth compose ps`: five containers, all Up, with Compose names.
    const table = (await ok(p4, 'compose ps', env)).trim().split('\n');
    assert.match(table[0] ?? '', /^NAME\s+IMAGE\s+COMMAND\s+SERVICE\s+CREATED\s+STATUS\s+PORTS$/);
    const rows = table.slice(1).map((l) => l.split(/\s{2,}/));
    assert.deepEqual(rows.map((r) => r[0]).sort(), ['p4-dn-1', 'p4-dn-2', 'p4-dn-3', 'p4-nb-1', 'p4-nn-1']);
    for (const r of rows) assert.ok(r.some((cell) => /^Up\b/.test(cell)), `not Up: ${r.join(' | ')}`);
    assert.ok(table.some((l) => l.startsWith('p4-nb-1') && l.includes('127.0.0.1:5000->8888/tcp')), table.join('\n'));

    // nn has the three datanodes registered by their hostnames, the 12-hex short ids.
    const ids: string[] = [];
    for (const n of [1, 2, 3]) ids.push((await ok(p4, `inspect -f '{{.Id}}' p4-dn-${n}`)).trim().slice(0, 12));
    for (const id of ids) assert.match(id, /^[0-9a-f]{12}$/);
    const registered = async () => (await user(p4, 'exec p4-nn-1 cat /tmp/nodes')).stdout.trim().split('\n').filter(Boolean).sort();
    assert.deepEqual(await until(registered, (v) => v.length === 3), [...ids].sort());
    assert.equal((await ok(p4, 'exec p4-nn-1 hostname')).trim(), 'boss');
    const nnLogs = await ok(p4, 'compose logs --no-color nn', env);
    for (const id of ids) assert.match(nnLogs, new RegExp(`registered ${id} from `));

    // The memory limit: in the container's HostConfig and in its memory cgroup.
    assert.equal((await ok(p4, `inspect -f '{{.HostConfig.Memory}}' p4-dn-1`)).trim(), '268435456');
    assert.equal((await ok(p4, `inspect -f '{{.HostConfig.Memory}}' p4-nn-1`)).trim(), '0');
    assert.equal((await ok(p4, 'exec p4-dn-2 cat /sys/fs/cgroup/memory/memory.limit_in_bytes')).trim(), '268435456');

    // nb serves the bind-mounted ./nb on 127.0.0.1:5000, live.
    assert.equal(await until(() => httpText('http://127.0.0.1:5000/index.html'), (b) => b !== ''), 'notebook served from ./nb\n');
    writeFileSync(join(p4, 'nb', 'later.txt'), 'written on the host after up\n');
    assert.equal(await httpText('http://127.0.0.1:5000/later.txt'), 'written on the host after up\n');

    // Facts to check after down: container ids, the project network's bridge and subnet, netns files, addresses.
    const allIds = (await ok(p4, 'compose ps -a -q', env)).trim().split('\n');
    assert.equal(allIds.length, 5);
    const netId = (await ok(p4, `network inspect -f '{{.Id}}' p4_default`)).trim();
    const subnet = (await ok(p4, `network inspect -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}' p4_default`)).trim();
    assert.match(subnet, /^\d+\.\d+\.\d+\.\d+\/\d+$/);
    const bridge = `br-${netId.slice(0, 12)}`;
    assert.match((await sh(`ip -o link show ${bridge}`)).stdout, new RegExp(bridge), 'the project bridge exists while up');
    const addrs: string[] = [];
    const sandboxes: string[] = [];
    for (const id of allIds) {
      addrs.push((await ok(p4, `inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' ${id}`)).trim());
      sandboxes.push((await ok(p4, `inspect -f '{{.NetworkSettings.SandboxKey}}' ${id}`)).trim());
    }
    assert.ok((await sh('iptables-save')).stdout.includes(subnet), 'the project subnet has NAT rules while up');
    const mountsOfProject = () => readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => allIds.some((id) => l.includes(id)) || l.includes(p4) || sandboxes.some((s) => s !== '' && l.includes(s)));
    assert.ok(mountsOfProject().length >= 5, `the project's rootfs and netns mounts are seen while up: ${mountsOfProject().join('\n')}`);

    // berth kill p4-dn-1: nn sees it go, the other two stay.
    await ok(p4, 'kill p4-dn-1');
    assert.deepEqual(await until(registered, (v) => v.length === 2), [ids[1], ids[2]].sort());
    assert.match(await ok(p4, 'compose logs --no-color nn', env), new RegExp(`gone ${ids[0]}`));
    const psA = await ok(p4, `compose ps -a --format '{{.Name}} {{.Status}}'`, env);
    assert.match(psA, /^p4-dn-1 Exited \(137\)/m);

    // berth compose down: no container, network, netns, mount or iptables rule of the project is left.
    await ok(p4, 'compose down', env);
    assert.equal((await ok(p4, 'ps -a -q --filter label=com.docker.compose.project=p4')).trim(), '');
    assert.ok(!(await ok(p4, `network ls --format '{{.Name}}'`)).split('\n').includes('p4_default'));
    const links = (await sh('ip -o link show')).stdout;
    assert.ok(!links.includes(bridge), `the bridge ${bridge} is still there`);
    const rules = (await sh('iptables-save')).stdout.split('\n');
    const left = rules.filter((l) => l.includes(subnet) || l.includes(bridge) || addrs.some((a) => a !== '' && new RegExp(`\\b${a.replace(/\./g, '\\.')}\\b`).test(l)));
    assert.deepEqual(left, [], 'iptables rules of the project are left');
    assert.deepEqual(mountsOfProject(), [], 'mounts of the project are left');
    const ls = await ok(p4, 'compose ls -a');
    assert.doesNotMatch(ls, /^p4\s/m);
  });

  test('the counter demo: one image built by compose, 127.0.0.1:5000-5002:5440 over 3 replicas, each port a different replica', async () => {
    assert.ok(d);
    const dir = join(root, 'counter');
    // The first test's project, if it failed before its own down, holds 127.0.0.1:5000.
    await user(join(root, 'p4'), 'compose down -t 1', { PROJECT: 'p4' });
    await ok(dir, 'compose up -d');
    const ids = (await ok(dir, 'compose ps -q app')).trim().split('\n').map((id) => id.slice(0, 12)).sort();
    assert.equal(ids.length, 3);
    const images = new Set((await ok(dir, `compose ps --format '{{.Image}}' app`)).trim().split('\n'));
    assert.equal(images.size, 1, `one image for the replicas: ${[...images].join(', ')}`);
    const ask = () => Promise.all([5000, 5001, 5002].map((port) => httpText(`http://127.0.0.1:${port}/`)));
    const answers = await until(ask, (a) => a.every((x) => x !== ''));
    const hosts = answers.map((a) => a.trim().split(' ')[0] ?? '');
    assert.deepEqual([...hosts].sort(), ids, `answers: ${JSON.stringify(answers)}`);
    // Each port keeps reaching the same replica: its counter goes up.
    const again = await ask();
    for (const [i, a] of again.entries()) assert.equal(a.trim(), `${hosts[i]} 2`);
  });

  test('a service whose command exits 127 shows Exited (127) in ps -a, and logs show why', async () => {
    assert.ok(d);
    const dir = join(root, 'counter');
    const status = await until(async () => (await ok(dir, `compose ps -a --format '{{.Name}} {{.Status}}' worker`)).trim(), (s) => s.includes('Exited'));
    assert.match(status, /^counter-worker-1 Exited \(127\)/);
    assert.doesNotMatch(await ok(dir, `compose ps --format '{{.Name}}'`), /worker/);
    const logs = await ok(dir, 'compose logs --no-color worker');
    assert.match(logs, /worker-1 +\| starting the worker/);
    assert.match(logs, /worker-1 +\| .*hadoop-worker: not found/);
    await ok(dir, 'compose down');
    assert.equal((await ok(dir, 'ps -a -q --filter label=com.docker.compose.project=counter')).trim(), '');
  });
});

// The private daemons the benches compare: a berthd and a dockerd, each with
// its own roots and socket under the bench's temp dir and, when it has a
// bridge, a bridge and subnet of its own — never /run/berth, /var/lib/docker,
// docker0 or a daemon the bench did not start. A dockerd with a bridge runs in
// a network namespace of its own (nsenter --net, as the test tier's oracle),
// so its bridge, veths and iptables rules never touch the host's; deleting the
// namespace takes them along.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { must, repo, stopChild, unmountUnder, waitForPing } from './proc.ts';

export interface Daemon {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The API socket's path. */
  readonly sock: string;
  /** process.env with DOCKER_HOST pointing at the daemon. */
  readonly env: NodeJS.ProcessEnv;
  /** The daemon's roots (everything it writes is below this). */
  readonly dir: string;
  /** Stops the daemon and removes what it left on the host (bridge, firewall rules, mounts); keeps `dir`. */
  stop(): Promise<void>;
  /**
   * Resolves once the daemon has finished what its answers left running: berthd removes a container's
   * runtime state and rootfs just after answering its removal (engine/container/purges.ts), and a bench
   * waits for that (untimed) so that it never runs beside the next sample. dockerd: at once.
   */
  settled(): Promise<void>;
}

export interface BerthdOptions {
  /** Roots and socket go below this directory. */
  dir: string;
  /** Checkout whose bin/berthd runs (default: this one). */
  root?: string;
  /** The default bridge's name (≤ 15 characters) and address, private to this daemon. */
  bridge: string;
  bip: string;
  env?: NodeJS.ProcessEnv;
  /** Where berthd's stderr goes (default: kept, its tail quoted when it fails to start). */
  stderr?: 'inherit' | 'ignore';
  extraArgs?: readonly string[];
}

/** Removes every container of the berthd at `sock` (rm -f), through berth's CLI. */
function removeAllContainers(sock: string): void {
  const berth = join(repo, 'bin', 'berth');
  const env = { ...process.env, DOCKER_HOST: `unix://${sock}` };
  const ids = spawnSync(berth, ['ps', '-aq'], { env, encoding: 'utf8', timeout: 30_000 }).stdout?.split('\n').filter(Boolean) ?? [];
  if (ids.length > 0) spawnSync(berth, ['rm', '-f', ...ids], { env, stdio: 'ignore', timeout: 120_000 });
}

/** A private berthd; resolves once it answers /_ping. */
export async function startBerthd(o: BerthdOptions): Promise<Daemon> {
  mkdirSync(o.dir, { recursive: true });
  const sock = join(o.dir, 'berth.sock');
  const args = ['--data-root', join(o.dir, 'root'), '--exec-root', join(o.dir, 'exec'), '--host', `unix://${sock}`, '--bridge', o.bridge, '--bip', o.bip, ...(o.extraArgs ?? [])];
  const child = spawn(join(o.root ?? repo, 'bin', 'berthd'), args, { stdio: ['ignore', 'ignore', o.stderr === undefined ? 'pipe' : o.stderr], env: o.env ?? process.env });
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => {
    tail = (tail + d.toString()).slice(-2000);
  });
  const stop = async () => {
    // Its containers keep running when berthd stops (conmon holds them), so whatever a bench or a
    // suite left goes first: a private daemon's containers never outlive it.
    if (child.exitCode === null && child.signalCode === null) removeAllContainers(sock);
    await stopChild(child, 15_000);
    // The daemon's default bridge outlives it (as docker0 outlives dockerd).
    spawnSync('ip', ['link', 'del', o.bridge], { stdio: 'ignore' });
    unmountUnder(o.dir);
  };
  try {
    await waitForPing(sock, 30_000, child);
  } catch (e) {
    await stop();
    throw new Error(`berthd: ${(e as Error).message}${tail ? `; it said: ${tail.trim().split('\n').slice(-2).join(' / ')}` : ''}`);
  }
  const settled = () => purgesDone(sock, join(o.dir, 'root', 'containers'));
  return { child, pid: child.pid!, sock, env: { ...process.env, DOCKER_HOST: `unix://${sock}` }, dir: o.dir, stop, settled };
}

/** berthd's purges are done when its data root holds a container directory per container it lists (the purge removes it last); ≤ 10 s. */
async function purgesDone(sock: string, containersDir: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const listed = await new Promise<number>((resolve, reject) => {
      const req = request({ socketPath: sock, path: '/containers/json?all=1', method: 'GET' }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve((JSON.parse(Buffer.concat(chunks).toString()) as unknown[]).length));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    if (readdirSync(containersDir).length <= listed) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface DockerdOptions {
  dir: string;
  /** A bridge that the bench makes for dockerd (with iptables, in dockerd's own network namespace), or none at all (`--bridge=none --iptables=false`). */
  bridge: { name: string; bip: string } | 'none';
  extraArgs?: readonly string[];
  note?: (msg: string) => void;
}

/** A private dockerd (which starts its own containerd below `dir`); resolves once it answers /_ping. */
export async function startDockerd(o: DockerdOptions): Promise<Daemon> {
  mkdirSync(o.dir, { recursive: true });
  const sock = join(o.dir, 'docker.sock');
  const bridge = o.bridge === 'none' ? undefined : o.bridge;
  const netns = bridge ? `berth-bench-${bridge.name}` : undefined;
  const netArgs = bridge ? [`--bridge=${bridge.name}`, '--iptables=true', '--ip6tables=false', '--userland-proxy=false'] : ['--bridge=none', '--iptables=false', '--ip6tables=false'];
  let child: ChildProcess | undefined;
  const stop = async () => {
    if (child) await stopChild(child, 20_000);
    if (netns) spawnSync('ip', ['netns', 'del', netns], { stdio: 'ignore' });
    unmountUnder(o.dir);
  };
  try {
    const args = ['--data-root', join(o.dir, 'root'), '--exec-root', join(o.dir, 'exec'), '--pidfile', join(o.dir, 'docker.pid'), '-H', `unix://${sock}`, ...netArgs, ...(o.extraArgs ?? [])];
    if (bridge && netns) {
      must('ip', ['netns', 'add', netns]);
      must('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
      must('ip', ['-n', netns, 'link', 'add', 'name', bridge.name, 'type', 'bridge']);
      must('ip', ['-n', netns, 'addr', 'add', bridge.bip, 'dev', bridge.name]);
      must('ip', ['-n', netns, 'link', 'set', bridge.name, 'up']);
      // Only the network namespace: `ip netns exec` would also give dockerd a fresh /sys without cgroup mounts.
      child = spawn('nsenter', [`--net=/run/netns/${netns}`, '--', 'dockerd', ...args], { stdio: 'ignore' });
    } else {
      child = spawn('dockerd', args, { stdio: 'ignore' });
    }
    await waitForPing(sock, 60_000, child);
  } catch (e) {
    await stop();
    throw new Error(`dockerd: ${(e as Error).message}`);
  }
  return { child, pid: child.pid!, sock, env: { ...process.env, DOCKER_HOST: `unix://${sock}` }, dir: o.dir, stop, settled: () => Promise.resolve() };
}

/** A bridge name and subnet for one daemon of this bench process: `<prefix><pid>`, 10.<octet>.<pid % 250>.1/24. */
export function privateNet(prefix: string, octet: number, salt = 0): { name: string; bip: string } {
  const n = (process.pid + salt) % 100000;
  return { name: `${prefix}${n}`, bip: `10.${octet}.${n % 250}.1/24` };
}

/**
 * A stand-in daemon for a client's floor: a bare node HTTP server on a unix
 * socket that answers /_ping as a daemon does, POST /build, once it has read
 * the whole context, with one built-image line, and the four requests of a
 * `docker run --rm` (create, attach, wait, start) as for a container that
 * exits 0 at once — no work at all. The docker CLI's time against it is its
 * own part of a build (start-up, the context's walk and tar, the two
 * requests) or of a run (start-up and five requests).
 */
const standInSource = `
const http = require('node:http');
const headers = { 'Api-Version': '1.47', 'Docker-Experimental': 'false', Ostype: 'linux', Server: 'stand-in' };
// A run's attach streams and waits, ended by its start (the container exits at once).
const attached = [];
const waiting = [];
const server = http.createServer((req, res) => {
  if (/\\/_ping$/.test(req.url)) {
    res.writeHead(200, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 2 });
    res.end(req.method === 'HEAD' ? undefined : 'OK');
    return;
  }
  if (/\\/containers\\/create/.test(req.url)) {
    req.resume();
    req.on('end', () => {
      res.writeHead(201, { ...headers, 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ Id: '0'.repeat(64), Warnings: [] }) + '\\n');
    });
    return;
  }
  if (/\\/wait\\?/.test(req.url)) {
    res.writeHead(200, { ...headers, 'Content-Type': 'application/json' });
    res.flushHeaders();
    waiting.push(res);
    return;
  }
  if (/\\/start$/.test(req.url)) {
    res.writeHead(204, headers);
    res.end();
    for (const s of attached.splice(0)) s.end();
    for (const w of waiting.splice(0)) w.end(JSON.stringify({ StatusCode: 0, Error: null }) + '\\n');
    return;
  }
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { ...headers, 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ stream: 'sha256:' + '0'.repeat(64) + '\\n' }) + '\\r\\n');
  });
});
server.on('upgrade', (req, socket) => {
  socket.write('HTTP/1.1 101 UPGRADED\\r\\nContent-Type: application/vnd.docker.raw-stream\\r\\nConnection: Upgrade\\r\\nUpgrade: tcp\\r\\n\\r\\n');
  attached.push(socket);
});
server.listen(process.argv[1]);
`;

/** Starts the stand-in daemon on `<dir>/stand-in.sock`; resolves once it answers /_ping. */
export async function startStandIn(dir: string): Promise<Daemon> {
  mkdirSync(dir, { recursive: true });
  const sock = join(dir, 'stand-in.sock');
  const child = spawn(process.execPath, ['-e', standInSource, sock], { stdio: 'ignore' });
  const stop = () => stopChild(child, 5_000);
  try {
    await waitForPing(sock, 10_000, child);
  } catch (e) {
    await stop();
    throw new Error(`stand-in daemon: ${(e as Error).message}`);
  }
  return { child, pid: child.pid!, sock, env: { ...process.env, DOCKER_HOST: `unix://${sock}` }, dir, stop, settled: () => Promise.resolve() };
}

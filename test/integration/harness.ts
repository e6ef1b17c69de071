// The shared integration harness: starts a real berthd (dist/berthd.mjs) on a
// temp data root, exec root and socket, waits for /_ping, drives it over plain
// HTTP or through the berth and docker CLIs, and on stop() removes every
// container, stops berthd by its pid, checks that no mount under the temp dir
// is left, and removes it. ensureBusybox() imports the busybox image through
// the API (`POST /images/create?fromSrc=-`).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { berthBin, busyboxTar, mountsUnder, repoRoot, run, unmountUnder, waitForPing, type RunOptions, type RunResult } from './acceptance-support.ts';
import { berthdEnv, berthdNodeFlags } from '../../src/lib/node-flags.ts';
import { deframe } from '../../src/api/mux.ts';

export interface HttpResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

export interface Daemon {
  readonly root: string;
  readonly socket: string;
  readonly dataRoot: string;
  readonly execRoot: string;
  /** This daemon's own default bridge device and its gateway/prefix (so that test daemons never share one). */
  readonly bridge: string;
  readonly bip: string;
  /** process.env with DOCKER_HOST pointing at this berthd. */
  readonly env: NodeJS.ProcessEnv;
  readonly pid: number;
  /** One HTTP request over the socket; `body` objects are sent as JSON. */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResult>;
  /** request() that expects a JSON answer and returns status and parsed body. */
  json<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  berth(args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  docker(args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** The last `lines` (default 8) lines berthd wrote to stderr, for failure messages. */
  logTail(lines?: number): string;
  /** Sends `signal` to berthd and waits until it has exited (containers keep running). */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Starts berthd again on the same roots and socket. */
  restart(): Promise<void>;
  /** Removes all containers and user networks, stops berthd, checks for leftover mounts, removes the temp dir. */
  stop(): Promise<void>;
}

export const berthdBundle = join(repoRoot, 'dist', 'berthd.mjs');

export function httpRequest(socketPath: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : typeof body === 'string' ? Buffer.from(body) : Buffer.from(JSON.stringify(body));
    const h: Record<string, string> = { ...headers };
    if (payload && !Buffer.isBuffer(body) && typeof body !== 'string') h['Content-Type'] ??= 'application/json';
    if (payload) h['Content-Length'] = String(payload.length);
    const req = request({ socketPath, method, path, headers: h }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export async function startDaemon(options: { args?: readonly string[]; env?: NodeJS.ProcessEnv } = {}): Promise<Daemon> {
  const root = mkdtempSync('/tmp/berth-test-');
  const socket = join(root, 'berth.sock');
  const dataRoot = join(root, 'data');
  const execRoot = join(root, 'exec');
  const env = { ...process.env, DOCKER_HOST: `unix://${socket}` };
  const tag = randomBytes(3);
  const bridge = `bt${tag.toString('hex')}`;
  const bip = `10.${200 + (tag[0]! % 50)}.${tag[1]!}.1/24`;
  let child: ChildProcess | undefined;
  let log = '';
  const logTail = (lines = 8) => log.trim().split('\n').slice(-lines).join('\n');

  const launch = async () => {
    const c = spawn(process.execPath, [...berthdNodeFlags, berthdBundle, '--data-root', dataRoot, '--exec-root', execRoot, '--host', `unix://${socket}`, '--bridge', bridge, '--bip', bip, ...(options.args ?? [])], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...berthdEnv, BERTH_LOG_LEVEL: process.env['BERTH_LOG_LEVEL'] ?? 'info', ...options.env },
    });
    c.stderr?.setEncoding('utf8').on('data', (s: string) => {
      log = (log + s).slice(-16000);
    });
    child = c;
    try {
      await waitForPing(socket, 30_000, c);
    } catch (err) {
      throw new Error(`${(err as Error).message}; berthd said: ${logTail()}`);
    }
  };

  const kill = async (signal: NodeJS.Signals) => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill(signal);
    const timer = setTimeout(() => c.kill('SIGKILL'), 20_000);
    await gone;
    clearTimeout(timer);
  };

  const alive = () => child !== undefined && child.exitCode === null && child.signalCode === null;

  const stop = async () => {
    if (alive()) {
      const list = await httpRequest(socket, 'GET', '/containers/json?all=1').catch(() => undefined);
      const ids = list?.status === 200 ? (JSON.parse(list.body.toString()) as { Id: string }[]).map((c) => c.Id) : [];
      for (const id of ids) await httpRequest(socket, 'DELETE', `/containers/${id}?force=1`).catch(() => undefined);
      // User networks a failed test left: their bridges would outlive the daemon. By id: a name may hold
      // a '/' (dockerd takes '../x' too), which a request path cannot carry.
      const nets = await httpRequest(socket, 'GET', '/networks').catch(() => undefined);
      const userNets = nets?.status === 200 ? (JSON.parse(nets.body.toString()) as { Id: string; Name: string }[]).filter((n) => !['bridge', 'host', 'none'].includes(n.Name)) : [];
      for (const n of userNets) await httpRequest(socket, 'DELETE', `/networks/${n.Id}`).catch(() => undefined);
    }
    await kill('SIGTERM');
    // The default bridge outlives berthd (as docker0 outlives dockerd); a test daemon's goes with it.
    spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
    const left = mountsUnder(root);
    unmountUnder(root);
    rmSync(root, { recursive: true, force: true });
    if (left.length > 0) throw new Error(`mounts left under ${root} after berthd stopped: ${left.join(', ')}`);
  };

  await launch().catch(async (err: unknown) => {
    await stop().catch(() => undefined);
    throw err;
  });

  return {
    root,
    socket,
    dataRoot,
    execRoot,
    bridge,
    bip,
    env,
    get pid() {
      return child?.pid ?? -1;
    },
    request: (method, path, body, headers) => httpRequest(socket, method, path, body, headers),
    async json<T>(method: string, path: string, body?: unknown) {
      const r = await httpRequest(socket, method, path, body);
      const text = r.body.toString();
      return { status: r.status, body: (text.trim() === '' ? undefined : JSON.parse(text)) as T };
    },
    berth: (args, opts) => run(berthBin, args, { ...opts, env: { ...env, ...opts?.env } }),
    docker: (args, opts) => run('docker', args, { ...opts, env: { ...env, ...opts?.env } }),
    logTail,
    kill,
    restart: launch,
    stop,
  };
}

let cachedTar: Buffer | undefined;

/**
 * One private berthd with busybox:latest for a whole test file: registers the
 * file's before/after hooks and returns the accessor its tests call.
 */
export function useBusyboxDaemon(): () => Daemon {
  let daemon: Daemon | undefined;
  before(async () => {
    daemon = await startDaemon();
    await ensureBusybox(daemon);
  });
  after(async () => {
    await daemon?.stop();
  });
  return () => {
    if (!daemon) throw new Error('berthd did not start (see the before hook)');
    return daemon;
  };
}

/** Imports busybox:latest (CMD ["sh"]) through the API unless the daemon has it; returns the image id. */
export async function ensureBusybox(d: Pick<Daemon, 'socket'>, ref = 'busybox:latest'): Promise<string> {
  const have = await httpRequest(d.socket, 'GET', `/images/${ref}/json`);
  if (have.status === 200) return (JSON.parse(have.body.toString()) as { Id: string }).Id;
  cachedTar ??= busyboxTar();
  const [repo = 'busybox', tag = 'latest'] = ref.split(':');
  const q = new URLSearchParams({ fromSrc: '-', repo, tag, changes: 'CMD ["sh"]' });
  const r = await httpRequest(d.socket, 'POST', `/images/create?${q}`, cachedTar, { 'Content-Type': 'application/x-tar' });
  const text = r.body.toString();
  if (r.status !== 200 || text.includes('"error"')) throw new Error(`importing busybox failed: ${r.status} ${text}`);
  const last = text.trim().split('\n').pop() ?? '';
  return (JSON.parse(last) as { status: string }).status;
}

/**
 * Splits a stdcopy-framed stream into [stream, text] runs, joining frames of
 * the same stream that follow each other: where one frame ends depends on how
 * the daemon's reads of the process's output fall, which neither docker's
 * protocol nor its clients fix, so a test compares runs, not frames.
 */
export function streamRuns(buf: Buffer): [number, string][] {
  const runs: [number, string][] = [];
  for (const { stream, data } of deframe(buf)) {
    const last = runs.at(-1);
    if (last && last[0] === stream) last[1] += data.toString();
    else runs.push([stream, data.toString()]);
  }
  return runs;
}

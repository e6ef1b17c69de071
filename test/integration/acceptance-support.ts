// Support for the acceptance tests (issue 2): running commands with a deadline,
// a private dockerd as the oracle (own roots and socket, started and stopped
// here; never /var/run/docker.sock), and probes of host state that tests use to
// prove nothing is left behind (mounts, conmon processes, cgroups, temp dirs).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const berthBin = join(repoRoot, 'bin', 'berth');

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string | Buffer;
  /** Kill the command (its whole process group) and reject after this long. */
  readonly timeoutMs?: number;
}

/**
 * Runs a command to completion. Rejects, naming the command and what it printed
 * so far, when it does not finish within `timeoutMs` (default 60 s): a hung
 * daemon must fail a test, not hang the suite.
 */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => {
      killGroup(child);
      reject(new Error(`"${[cmd, ...args].join(' ')}" did not finish within ${timeoutMs} ms; stdout: ${JSON.stringify(stdout.slice(-500))}; stderr: ${JSON.stringify(stderr.slice(-500))}`));
    }, timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal ? 128 + (signalNumbers[signal] ?? 0) : 1), stdout, stderr });
    });
    child.stdin.on('error', () => { /* the command may exit without reading its input */ });
    child.stdin.end(opts.input ?? '');
  });
}

/** `bash -c script` with a deadline: for pipelines such as `berth save busybox | docker load`. */
export function sh(script: string, opts: RunOptions = {}): Promise<RunResult> {
  return run('bash', ['-o', 'pipefail', '-c', script], opts);
}

const signalNumbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
}

/** Single-quotes a string for bash. */
export function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Resolves when GET /_ping answers 200 on the unix socket; rejects after `ms` or when `child` exits. */
export async function waitForPing(socketPath: string, ms: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`the daemon exited (${child.exitCode ?? child.signalCode}) before answering on ${socketPath}`);
    }
    const ok = await new Promise<boolean>((res) => {
      const req = request({ socketPath, path: '/_ping', timeout: 1000 }, (resp) => { resp.resume(); res(resp.statusCode === 200); });
      req.on('error', () => res(false));
      req.on('timeout', () => { req.destroy(); res(false); });
      req.end();
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing answered GET /_ping on ${socketPath} within ${ms} ms`);
}

/** The busybox root filesystem tar that scripts/setup makes from /bin/busybox. */
export function busyboxTar(): Buffer {
  const r = spawnSync(join(repoRoot, 'scripts', 'setup'), ['--busybox-tar'], { maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`scripts/setup --busybox-tar failed: ${r.stderr.toString()}`);
  return r.stdout;
}

export interface PrivateDockerd {
  readonly socket: string;
  /** process.env with DOCKER_HOST pointing at this dockerd. */
  readonly env: NodeJS.ProcessEnv;
  /** The network namespace dockerd runs in (`{ netns: true }`), else undefined. */
  readonly netns: string | undefined;
  docker(args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** Runs a command in dockerd's network namespace (the host's without `netns`): to reach published ports. */
  netExec(argv: readonly string[], opts?: RunOptions): Promise<RunResult>;
  stop(): Promise<void>;
}

export interface PrivateDockerdOptions {
  /**
   * Bridge networking and iptables, with dockerd inside a network namespace of
   * its own (`ip netns add`), so that its bridge, NAT rules and published ports
   * never touch the host's. Without it: `--bridge=none`, no iptables.
   */
  readonly netns?: boolean;
}

/** Why a private dockerd cannot be started here, or undefined when it can (startPrivateDockerd throws with it). */
export function dockerdUnavailable(): string | undefined {
  for (const prog of ['dockerd', 'docker']) {
    if (spawnSync('sh', ['-c', `command -v ${prog}`]).status !== 0) return `${prog} is not installed (scripts/setup installs docker.io)`;
  }
  if (process.getuid?.() !== 0) return 'a private dockerd needs root';
  return undefined;
}

/**
 * Starts a dockerd of our own (roots and socket in a temp dir; no bridge and no
 * iptables, or with `netns` both inside a network namespace of its own) and
 * waits until it answers. stop() ends it by its pid, removes its containers
 * first (so no shim outlives it), the namespace, mounts and the dir.
 */
export async function startPrivateDockerd(options: PrivateDockerdOptions = {}): Promise<PrivateDockerd> {
  // The oracle is required: a test that cannot start it fails, saying why (never a skip).
  const missing = dockerdUnavailable();
  if (missing) throw new Error(`the private dockerd (the oracle) cannot start: ${missing}`);
  const dir = mkdtempSync('/tmp/berth-test-dockerd-');
  const socket = join(dir, 'sock');
  const env = { ...process.env, DOCKER_HOST: `unix://${socket}` };
  const roots = ['--data-root', join(dir, 'root'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'pid'), '-H', `unix://${socket}`];
  let netns: string | undefined;
  let child: ChildProcess;
  if (options.netns) {
    netns = `berth-oracle-${randomBytes(4).toString('hex')}`;
    const made = spawnSync('ip', ['netns', 'add', netns], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`ip netns add ${netns} failed: ${made.stderr.trim()}`);
    spawnSync('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
    // nsenter enters only the network namespace: `ip netns exec` would also
    // give dockerd a mount namespace whose fresh /sys has no cgroup mounts.
    // The bridge name and subnet are dockerd's defaults: in its own namespace
    // they clash with nothing.
    child = spawn('nsenter', [`--net=/run/netns/${netns}`, '--', 'dockerd', ...roots, '--iptables=true', '--ip6tables=false'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } else {
    child = spawn('dockerd', [...roots, '--bridge=none', '--iptables=false', '--ip6tables=false'], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { log = (log + d).slice(-4000); });
  const docker = (args: readonly string[], opts?: RunOptions) => run('docker', args, { ...opts, env: { ...env, ...opts?.env } });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const ids = await docker(['ps', '-aq'], { timeoutMs: 20_000 }).catch(() => undefined);
      const list = ids?.code === 0 ? ids.stdout.split('\n').filter(Boolean) : [];
      if (list.length > 0) await docker(['rm', '-f', ...list], { timeoutMs: 60_000 }).catch(() => undefined);
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await gone;
      clearTimeout(timer);
    }
    // Deleting the namespace takes its bridge, veths and iptables rules along.
    if (netns) spawnSync('ip', ['netns', 'del', netns]);
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPing(socket, 60_000, child);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}; dockerd said: ${log.trim().split('\n').slice(-3).join(' / ')}`);
  }
  const netExec = (argv: readonly string[], opts?: RunOptions) => {
    const [cmd = 'true', ...rest] = argv;
    return netns ? run('ip', ['netns', 'exec', netns, cmd, ...rest], opts) : run(cmd, rest, opts);
  };
  return { socket, env, netns, docker, netExec, stop };
}

// ---- host-state probes ------------------------------------------------------

interface MountEntry {
  readonly mountPoint: string;
  readonly fsType: string;
  readonly source: string;
  readonly superOptions: string;
}

/** The mount table as this process sees it. */
export function mounts(): MountEntry[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((line) => {
    const [left = '', right = ''] = line.split(' - ');
    const f = left.split(' ');
    const r = right.split(' ');
    return { mountPoint: unescape(f[4] ?? ''), fsType: r[0] ?? '', source: unescape(r[1] ?? ''), superOptions: r[2] ?? '' };
  });
}

/** Mount points at or under `dir`, or whose options (overlay upperdir/lowerdir) name a path under it. */
export function mountsUnder(dir: string): string[] {
  return mounts()
    .filter((m) => m.mountPoint === dir || m.mountPoint.startsWith(dir + '/') || m.superOptions.includes(dir + '/'))
    .map((m) => m.mountPoint);
}

/** Lazily unmounts everything under `dir`, deepest first. */
export function unmountUnder(dir: string): void {
  for (const p of mountsUnder(dir).sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', p]);
}

export interface ProcessEntry {
  readonly pid: number;
  readonly comm: string;
  readonly cmdline: string;
  /** Start time, ms since the epoch. */
  readonly startedAt: number;
}

const bootTimeMs = (() => {
  const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
  return m ? Number(m[1]) * 1000 : 0;
})();
const clockTicks = 100; // USER_HZ on Linux

/** One process, or undefined when it is gone. */
export function readProcess(pid: number): ProcessEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const startTicks = Number(stat.slice(close + 2).split(' ')[19]);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return { pid, comm, cmdline, startedAt: bootTimeMs + (startTicks / clockTicks) * 1000 };
  } catch {
    return undefined; // it ended while we looked
  }
}

/** All processes, with their command lines. */
export function processes(): ProcessEntry[] {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map((n) => readProcess(Number(n))).filter((p): p is ProcessEntry => p !== undefined);
}

/** A command's result in one line, for assertion messages. */
export function show(r: RunResult): string {
  return `exit ${r.code}, stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr)}`;
}

/** Polls `probe` every 100 ms until it gives a value; throws naming `what` after `ms`. */
export async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

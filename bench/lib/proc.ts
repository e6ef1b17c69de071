// Process helpers shared by the benches: finding programs, running set-up
// commands to completion, timing one command, waiting for a daemon's socket,
// stopping what a bench started, and unmounting what a daemon left behind.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root (bench/lib/../..). */
export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Log {
  note(msg: string): void;
  fail(msg: string): never;
}

/** Messages on stderr prefixed with the bench's name; fail() exits 1. */
export function logFor(name: string): Log {
  return {
    note: (msg) => process.stderr.write(`${name}: ${msg}\n`),
    fail: (msg) => {
      process.stderr.write(`${name}: ${msg}\n`);
      process.exit(1);
    },
  };
}

/** The program's path on the PATH, or undefined. */
export function which(prog: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${prog}`], { encoding: 'utf8' });
  const path = r.stdout.trim();
  return r.status === 0 && path !== '' ? path : undefined;
}

export interface MustOptions {
  env?: NodeJS.ProcessEnv;
  input?: Buffer;
  cwd?: string;
  timeoutMs?: number;
}

/** Runs a set-up command to completion and returns its stdout; throws with its stderr when it fails. */
export function must(cmd: string, args: readonly string[], opts: MustOptions = {}): string {
  const r = spawnSync(cmd, args, { env: opts.env ?? process.env, input: opts.input, cwd: opts.cwd, encoding: 'utf8', maxBuffer: 64 << 20, timeout: opts.timeoutMs ?? 120_000 });
  if (r.status !== 0) {
    const why = r.error ? r.error.message : (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ');
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${why}`);
  }
  return r.stdout;
}

export interface Timed {
  ms: number;
  ok: boolean;
  /** First line of stderr (or the exit status) when it failed. */
  err: string;
  stdout: string;
}

/** Wall time of one command from spawn to exit, stdout kept (small), stderr's first line on failure. */
export function timeCommand(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 60_000): Timed {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const err = r.error ? r.error.message : (r.stderr ?? '').trim().split('\n')[0] ?? '';
  return { ms, ok: r.status === 0, err: err || `exit ${r.status ?? r.signal}`, stdout: r.stdout ?? '' };
}

/** Resolves when GET /_ping on the unix socket answers 200; rejects after `ms` or when `child` exits. */
export async function waitForPing(socketPath: string, ms: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`daemon exited (${child.exitCode ?? child.signalCode}) before answering on ${socketPath}`);
    const ok = await new Promise<boolean>((res) => {
      const req = request({ socketPath, path: '/_ping', timeout: 1000 }, (resp) => {
        resp.resume();
        res(resp.statusCode === 200);
      });
      req.on('error', () => res(false));
      req.on('timeout', () => {
        req.destroy();
        res(false);
      });
      req.end();
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no answer on ${socketPath} within ${ms} ms`);
}

/** SIGTERM, then SIGKILL after `ms`; resolves when the process is gone. */
export async function stopChild(child: ChildProcess, ms = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((res) => child.once('exit', () => res()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await gone;
  clearTimeout(timer);
}

/** Unmounts everything mounted under `dir`, deepest first (a daemon may leave some behind). */
export function unmountUnder(dir: string, note?: (msg: string) => void): void {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .map((p) => p.replace(/\\040/g, ' '))
    .filter((p) => p === dir || p.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length);
  for (const p of points) {
    note?.(`unmounting leftover ${p}`);
    spawnSync('umount', ['-l', p]);
  }
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The items rotated by `round` places: the interleaved order of one round. */
export function rotate<T>(items: readonly T[], round: number): T[] {
  const shift = items.length === 0 ? 0 : round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

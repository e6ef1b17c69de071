// Starting the short-lived helper processes berthd runs per container (runc,
// conmon, the CNI plugins, iptables, …) without fork(): Node's child_process
// fork()s the whole daemon and holds the event loop until the child has
// exec'd (2-8 ms per process here, the larger part of berthd's own CPU when
// it starts or removes many containers). With berth's addon built, the child
// comes from posix_spawn(3) (clone with CLONE_VFORK: ~0.1 ms on the event
// loop), its pipes are ordinary Node sockets and its exit is seen through a
// pidfd on the event loop (native/spawn.c). Without the addon (unit tests of
// an unbuilt tree) the same calls go through child_process.
import { spawn as nodeSpawn } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { nativeIfBuilt, type NativeAddon } from './native.ts';

export interface LightSpawnOptions {
  /** The child's environment (default: berthd's). */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** One entry per child fd from 0: a pipe to berthd or /dev/null. */
  readonly stdio: readonly ('pipe' | 'ignore')[];
  /** A session of its own (setsid), as child_process's `detached`. */
  readonly detached?: boolean;
}

export interface LightExit {
  /** The exit status, or null when a signal ended it. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface LightChild {
  readonly pid: number;
  /** berthd's end of each 'pipe' entry (writable for fd 0, readable for the others); null for 'ignore'. */
  readonly stdio: readonly (Readable | Writable | null)[];
  /** Settles when the process has ended and is reaped. */
  readonly exited: Promise<LightExit>;
}

const signalNames = new Map<number, NodeJS.Signals>(Object.entries(osConstants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));

/** What child_process throws for a program that is not there: Error `spawn <cmd> ENOENT` with code ENOENT. */
function notFound(cmd: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`spawn ${cmd} ENOENT`), { code: 'ENOENT', errno: -2, syscall: `spawn ${cmd}`, path: cmd });
}

const resolved = new Map<string, string>();

/** `cmd` as execvp would find it on PATH (cached: the daemon's helpers do not move). */
export function resolveCommand(cmd: string, path = process.env['PATH'] ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'): string {
  if (cmd.includes('/')) return cmd;
  const key = `${path}\0${cmd}`;
  const hit = resolved.get(key);
  if (hit) return hit;
  for (const dir of path.split(delimiter)) {
    const candidate = join(dir || '.', cmd);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, fsConstants.X_OK);
    } catch {
      continue;
    }
    resolved.set(key, candidate);
    return candidate;
  }
  throw notFound(cmd);
}

function envArray(env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out.push(`${k}=${v}`);
  return out;
}

type SpawnAddon = NativeAddon & Required<Pick<NativeAddon, 'spawn' | 'reap'>>;

function addon(): SpawnAddon | undefined {
  const n = nativeIfBuilt();
  return n && typeof n.spawn === 'function' && typeof n.reap === 'function' ? (n as SpawnAddon) : undefined;
}

function spawnNative(n: SpawnAddon, cmd: string, args: readonly string[], o: LightSpawnOptions): LightChild {
  const env = o.env ?? process.env;
  let file: string;
  try {
    file = resolveCommand(cmd, env['PATH']);
  } catch (err) {
    resolved.clear();
    throw err;
  }
  let r: { pid: number; pidfd: number; fds: number[] };
  try {
    r = n.spawn(file, [cmd, ...args], envArray(env), o.cwd ?? null, o.stdio.map((s) => (s === 'pipe' ? -2 : -1)), o.detached === true);
  } catch (err) {
    // A program that went away since it was found: look again next time.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      resolved.clear();
      throw notFound(cmd);
    }
    throw err;
  }
  const stdio = r.fds.map((fd, i) => (fd < 0 ? null : i === 0 ? new Socket({ fd, readable: false, writable: true }) : new Socket({ fd, readable: true, writable: false })));
  const exited = new Promise<LightExit>((resolve, reject) => {
    const done = (status: { code: number | null; signal: number | null }) => resolve({ code: status.code, signal: status.signal === null ? null : (signalNames.get(status.signal) ?? 'SIGKILL') });
    // A pidfd polls readable once its process has exited; the reaping (the kernel's clean-up of the
    // process) then runs on libuv's pool where the addon has reapAsync.
    const watch = n.watch(r.pidfd, (err) => {
      n.unwatch(watch);
      if (err) {
        n.closeFd(r.pidfd);
        reject(new Error(`watching process ${r.pid} failed: ${err}`));
        return;
      }
      if (n.reapAsync) {
        n.reapAsync(r.pidfd).then(done, reject);
        return;
      }
      try {
        const status = n.reap(r.pidfd);
        if (status) done(status);
        else reject(new Error(`process ${r.pid} was not there to reap`));
      } catch (e) {
        n.closeFd(r.pidfd);
        reject(e);
      }
    });
    n.watchSet(watch, true, false);
  });
  return { pid: r.pid, stdio, exited };
}

function spawnNode(cmd: string, args: readonly string[], o: LightSpawnOptions): LightChild {
  const child = nodeSpawn(cmd, args, { env: o.env ?? process.env, cwd: o.cwd, stdio: [...o.stdio], detached: o.detached === true });
  const exited = new Promise<LightExit>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return { pid: child.pid ?? 0, stdio: o.stdio.map((_, i) => (child.stdio[i] ?? null) as Readable | Writable | null), exited };
}

/**
 * Starts `cmd` (found on the PATH of `env`) with `args`. Throws (or, without the
 * addon, rejects `exited`) with code ENOENT when there is no such program.
 */
export function spawnLight(cmd: string, args: readonly string[], options: LightSpawnOptions): LightChild {
  const n = addon();
  return n ? spawnNative(n, cmd, args, options) : spawnNode(cmd, args, options);
}

export interface CapturedRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
}

/**
 * Runs `cmd args…` to its end with `input` on its stdin (closed after; none:
 * /dev/null) and its stdout and stderr collected; resolves once it has exited
 * and both are read, rejects only when it cannot be started.
 */
export async function runCaptured(cmd: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string | Uint8Array } = {}): Promise<CapturedRun> {
  const child = spawnLight(cmd, args, { ...options, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  const collect = (s: Readable | Writable | null): Promise<Buffer> =>
    new Promise((resolve) => {
      const r = s as Readable | null;
      if (!r) return resolve(Buffer.alloc(0));
      const parts: Buffer[] = [];
      r.on('data', (b: Buffer) => parts.push(b));
      r.on('error', () => undefined);
      r.on('close', () => resolve(Buffer.concat(parts)));
    });
  const stdin = child.stdio[0] as Writable | null;
  if (stdin) {
    stdin.on('error', () => undefined); // a program that exits early closes its stdin; its status tells
    stdin.end(options.input);
  }
  const [exit, stdout, stderr] = await Promise.all([child.exited, collect(child.stdio[1] ?? null), collect(child.stdio[2] ?? null)]);
  return { code: exit.code, signal: exit.signal, stdout, stderr };
}

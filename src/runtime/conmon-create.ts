// Creating a container under its own conmon: the argv conmon is started with,
// and the create path — clear what a previous run of the same id left, start
// conmon detached (it runs `<runtime> create` and daemonises) and wait on its
// sync pipe for the container's pid or the runtime's error.
import { mkdir } from 'node:fs/promises';
import { internal } from '../core/index.ts';
import type { ConmonDirs, ConmonPaths } from './conmon-paths.ts';
import { runtimeErrorMessage } from './start-error.ts';
import type { CreateOptions } from './types.ts';
import { fsBatch, span } from '../lib/index.ts';
import { spawnLight, type LightChild } from '../lib/spawn-light.ts';

/** conmon's command line for container `id` (its runtime at `runtimePath`). */
export function conmonArgs(id: string, opts: CreateOptions, ctx: { runtimePath: string; dirs: ConmonDirs; paths: ConmonPaths }): string[] {
  const { runtimePath, dirs, paths: p } = ctx;
  const args = [
    '--api-version', '1',
    '-c', id, '-u', id, '-n', id,
    '-r', runtimePath,
    '-b', opts.bundle,
    '-p', p.containerPidFile,
    '--exit-dir', dirs.exitsDir,
    '--persist-dir', p.persistDir,
    '--socket-dir-path', dirs.socketDir,
    '-l', `k8s-file:${opts.logPath}`,
    '--conmon-pidfile', p.conmonPidFile,
    '--runtime-arg', '--root', '--runtime-arg', dirs.runtimeRoot,
    '--log-level', 'error',
    // No fsync of the log at the exit, before the exit file, which is on `docker run`'s path: a power cut
    // may lose a log's last lines, as dockerd's json-file logs and containerd's (neither fsyncs them).
    '--no-sync-log',
  ];
  if (opts.logMaxSize !== undefined && opts.logMaxSize > 0) args.push('--log-size-max', String(opts.logMaxSize));
  if (opts.terminal) args.push('-t');
  if (opts.stdin) args.push('-i');
  if (opts.stdin && !opts.stdinOnce) args.push('--leave-stdin-open');
  return args;
}

export interface ConmonCreateContext {
  /** conmon's binary. */
  readonly conmon: string;
  readonly runtimePath: string;
  readonly dirs: ConmonDirs;
  readonly paths: ConmonPaths;
  /** How long to wait for conmon to report the container's pid. */
  readonly timeoutMs: number;
  /** Makes the shared directories (once per runtime: sharedDirsMaker). */
  readonly sharedDirs: () => Promise<void>;
}

/** Makes the runtime's shared directories (runtime root, exits, sockets) once; again after a failure. */
export function sharedDirsMaker(dirs: ConmonDirs): () => Promise<void> {
  let made: Promise<void> | undefined;
  return () => {
    made ??= Promise.all([mkdir(dirs.runtimeRoot, { recursive: true }), mkdir(dirs.exitsDir, { recursive: true }), mkdir(dirs.socketDir, { recursive: true })]).then(
      () => undefined,
      (err: unknown) => {
        made = undefined;
        throw err;
      },
    );
    return made;
  };
}

/**
 * conmon's directories for container `id`: the shared ones once per runtime (again should that
 * fail), and its own afresh: a restarted container reuses its id, so what its previous run left goes.
 */
export function prepareConmonDirs(id: string, ctx: Pick<ConmonCreateContext, 'paths' | 'sharedDirs'>): Promise<void> {
  const { paths: p } = ctx;
  return span('create: conmon dirs', { container: id.slice(0, 12) }, async () => {
    // What a previous run may have left goes, and the persist dir is made anew, in one trip to the pool.
    await ctx.sharedDirs();
    await fsBatch([{ op: 'remove', path: p.exitFile }, { op: 'remove', path: p.persistDir }, { op: 'remove', path: p.socketLink }, { op: 'mkdir', path: p.persistDir, mode: 0o777, parents: true }]);
  });
}

/** Creates container `id` under a new conmon; resolves with its init pid. */
export async function createUnderConmon(id: string, opts: CreateOptions, ctx: ConmonCreateContext): Promise<{ pid: number }> {
  await (opts.prepared ?? prepareConmonDirs(id, ctx));
  const at = { container: id.slice(0, 12) };
  const args = conmonArgs(id, opts, ctx);
  return span('create: conmon spawn → pid on sync pipe (runtime create)', at, () => spawnConmon(id, args, opts.bundle, ctx.conmon, ctx.timeoutMs));
}

function spawnConmon(id: string, args: readonly string[], bundle: string, conmon: string, timeoutMs: number): Promise<{ pid: number }> {
  return new Promise<{ pid: number }>((resolve, reject) => {
    // fd 3 is the sync pipe: conmon writes {"data": pid} or {"data": -1, "message": …}.
    // detached: conmon starts in a new session, so signals to berthd's process
    // group never reach it; its daemonised child then holds nothing of ours.
    let child: LightChild;
    try {
      child = spawnLight(conmon, args, { cwd: bundle, detached: true, stdio: ['ignore', 'ignore', 'pipe', 'pipe'], env: { ...process.env, _OCI_SYNCPIPE: '3' } });
    } catch (err) {
      reject(internal(`starting conmon failed: ${(err as Error).message}`, err));
      return;
    }
    const childStderr = child.stdio[2] as NodeJS.ReadableStream & { destroy(): void };
    const stderr: Buffer[] = [];
    const sync: Buffer[] = [];
    let settled = false;
    const syncPipe = child.stdio[3] as NodeJS.ReadableStream & { destroy(): void };
    const finish = (err: Error | undefined, pid?: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Drop our ends of the pipes: conmon's daemon keeps the other ends open,
      // and holding them would keep berthd's event loop (and conmon) tied together.
      syncPipe.destroy();
      childStderr.destroy();
      if (err) reject(err);
      else resolve({ pid: pid as number });
    };
    const timer = setTimeout(() => finish(internal(`conmon did not report the container's pid within ${timeoutMs} ms`)), timeoutMs);
    childStderr.on('data', (b: Buffer) => stderr.push(b));
    childStderr.on('error', () => undefined);
    // conmon's first process exits once it has daemonised; an error here is one of starting it.
    child.exited.catch((err: unknown) => finish(internal(`starting conmon failed: ${(err as Error).message}`, err)));
    syncPipe.on('data', (b: Buffer) => {
      sync.push(b);
      const text = Buffer.concat(sync).toString();
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      let msg: { data?: unknown; message?: unknown };
      try {
        msg = JSON.parse(text.slice(0, nl)) as { data?: unknown; message?: unknown };
      } catch {
        finish(internal(`conmon sent an unreadable sync message: ${text.slice(0, nl)}`));
        return;
      }
      const pid = typeof msg.data === 'number' ? msg.data : -1;
      if (pid > 0) finish(undefined, pid);
      else finish(internal(runtimeErrorMessage(typeof msg.message === 'string' ? msg.message : 'the OCI runtime failed to create the container')));
    });
    syncPipe.on('error', () => undefined);
    syncPipe.on('end', () => {
      // The pipe closed without a message: conmon itself failed.
      setTimeout(() => {
        const why = Buffer.concat(stderr).toString().trim();
        finish(internal(`conmon failed to create container ${id}${why ? `: ${why}` : ''}`));
      }, 50);
    });
  });
}

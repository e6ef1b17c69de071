// createConmonRuntime(): the ContainerRuntime that runs each container under its
// own conmon, which runs `<runtime> create`, keeps stdio, writes the k8s-file log,
// records the exit code in <execRoot>/exits/<id> and an `oom` file on an OOM kill.
// conmon daemonises into its own session, so containers outlive berthd; all of
// the state needed to pick them up again lives in files under execRoot.
//
// Layout under execRoot:
//   runtime/          the OCI runtime's --root (its own state)
//   exits/<id>        exit code written by conmon (--exit-dir)
//   conmon/<id>/      persist dir: `oom`, `exit`, conmon.pid, the container pidfile
//   sockets/<id>      conmon's link to the bundle, whose `attach` socket and `ctl`/`winsz` fifos serve attach
import { spawn } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { internal, notFound } from '../core/index.ts';
import { log } from '../lib/index.ts';
import type { ContainerRuntime, CreateOptions, ExitStatus, RuntimeBinary, RuntimeState } from './types.ts';
import { runtimeErrorMessage } from './start-error.ts';
import { connectAttach, resizeTerminal } from './conmon-attach.ts';
import { startConmonExec, type ExecProcessOptions } from './conmon-exec.ts';

export interface ConmonRuntimeOptions {
  readonly binary: RuntimeBinary;
  readonly execRoot: string;
  /** Default: `conmon` found on PATH. */
  readonly conmonPath?: string;
  /** How long create() waits for conmon to report the container's pid. Default 60 s. */
  readonly createTimeoutMs?: number;
}

/** Paths conmon uses for one container (also for attach in a later issue). */
export interface ConmonPaths {
  readonly runtimeRoot: string;
  readonly exitFile: string;
  readonly persistDir: string;
  readonly oomFile: string;
  readonly conmonPidFile: string;
  readonly containerPidFile: string;
  readonly socketDir: string;
  /** conmon's link to the bundle: `<link>/attach` socket, `<link>/ctl` and `<link>/winsz` fifos. */
  readonly socketLink: string;
}

export interface ConmonRuntime extends ContainerRuntime {
  paths(id: string): ConmonPaths;
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: readonly string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, sig) =>
      resolve({ code: code ?? (sig ? 128 : 1), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
  });
}

const missing = (text: string) => /does not exist|not found|no such file/i.test(text);

export function createConmonRuntime(options: ConmonRuntimeOptions): ConmonRuntime {
  const { binary, execRoot } = options;
  const conmon = options.conmonPath ?? 'conmon';
  const runtimeRoot = join(execRoot, 'runtime');
  const exitsDir = join(execRoot, 'exits');
  const socketDir = join(execRoot, 'sockets');

  const paths = (id: string): ConmonPaths => {
    const persistDir = join(execRoot, 'conmon', id);
    return {
      runtimeRoot,
      exitFile: join(exitsDir, id),
      persistDir,
      oomFile: join(persistDir, 'oom'),
      conmonPidFile: join(persistDir, 'conmon.pid'),
      containerPidFile: join(persistDir, 'pidfile'),
      socketDir,
      socketLink: join(socketDir, id),
    };
  };

  const runtimeCmd = (args: readonly string[]) => run(binary.path, ['--root', runtimeRoot, ...args]);

  async function exitStatus(id: string): Promise<ExitStatus | undefined> {
    const p = paths(id);
    let text: string;
    let mtime: Date;
    try {
      [text, mtime] = await Promise.all([readFile(p.exitFile, 'utf8'), stat(p.exitFile).then((s) => s.mtime)]);
    } catch {
      return undefined;
    }
    // conmon creates the file and then writes it; an empty read means "not yet".
    if (text.trim() === '') return undefined;
    const exitCode = Number.parseInt(text.trim(), 10);
    const hasOom = () =>
      stat(p.oomFile).then(
        () => true,
        () => false,
      );
    let oomKilled = await hasOom();
    if (!oomKilled && exitCode === 137) {
      // A SIGKILL may be the OOM killer's; conmon can note the OOM event just after the exit.
      await new Promise((r) => setTimeout(r, 50));
      oomKilled = await hasOom();
    }
    return { exitCode: Number.isNaN(exitCode) ? 255 : exitCode, oomKilled, finishedAt: mtime.toISOString() };
  }

  return {
    binary,
    paths,

    async create(id: string, opts: CreateOptions): Promise<{ pid: number }> {
      const p = paths(id);
      await Promise.all([mkdir(runtimeRoot, { recursive: true }), mkdir(exitsDir, { recursive: true }), mkdir(socketDir, { recursive: true })]);
      // A restarted container reuses its id: clear what the previous run left.
      await Promise.all([rm(p.exitFile, { force: true }), rm(p.persistDir, { recursive: true, force: true }), rm(p.socketLink, { force: true })]);
      await mkdir(p.persistDir, { recursive: true });

      const args = [
        '--api-version', '1',
        '-c', id, '-u', id, '-n', id,
        '-r', binary.path,
        '-b', opts.bundle,
        '-p', p.containerPidFile,
        '--exit-dir', exitsDir,
        '--persist-dir', p.persistDir,
        '--socket-dir-path', socketDir,
        '-l', `k8s-file:${opts.logPath}`,
        '--conmon-pidfile', p.conmonPidFile,
        '--runtime-arg', '--root', '--runtime-arg', runtimeRoot,
        '--log-level', 'error',
      ];
      if (opts.logMaxSize !== undefined && opts.logMaxSize > 0) args.push('--log-size-max', String(opts.logMaxSize));
      if (opts.terminal) args.push('-t');
      if (opts.stdin) args.push('-i');
      if (opts.stdin && !opts.stdinOnce) args.push('--leave-stdin-open');

      return new Promise<{ pid: number }>((resolve, reject) => {
        // fd 3 is the sync pipe: conmon writes {"data": pid} or {"data": -1, "message": …}.
        // detached: conmon starts in a new session, so signals to berthd's process
        // group never reach it; its daemonised child then holds nothing of ours.
        const child = spawn(conmon, args, {
          cwd: opts.bundle,
          detached: true,
          stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
          env: { ...process.env, _OCI_SYNCPIPE: '3' },
        });
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
          child.stderr?.destroy();
          child.unref();
          if (err) reject(err);
          else resolve({ pid: pid as number });
        };
        const timer = setTimeout(() => finish(internal(`conmon did not report the container's pid within ${options.createTimeoutMs ?? 60000} ms`)), options.createTimeoutMs ?? 60000);
        child.stderr?.on('data', (b: Buffer) => stderr.push(b));
        child.on('error', (err) => finish(internal(`starting conmon failed: ${err.message}`, err)));
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
    },

    async start(id: string): Promise<void> {
      const r = await runtimeCmd(['start', id]);
      if (r.code !== 0) {
        const msg = runtimeErrorMessage(r.stderr);
        if (/does not exist/.test(msg)) throw notFound(`No such container: ${id}`);
        throw internal(msg);
      }
    },

    async kill(id: string, signal: string | number): Promise<void> {
      const sig = typeof signal === 'number' ? String(signal) : signal.toUpperCase().replace(/^SIG/, '');
      const r = await runtimeCmd(['kill', id, sig]);
      if (r.code !== 0) {
        const msg = runtimeErrorMessage(r.stderr);
        if (missing(msg) || /not running|process already finished|container is stopped/i.test(msg)) {
          throw notFound(`Container ${id} is not running`);
        }
        throw internal(msg);
      }
    },

    async delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
      const r = await runtimeCmd(['delete', ...(opts.force ? ['--force'] : []), id]);
      if (r.code !== 0) {
        const msg = runtimeErrorMessage(r.stderr);
        if (missing(msg)) return;
        throw internal(msg);
      }
    },

    async state(id: string): Promise<RuntimeState | undefined> {
      const r = await runtimeCmd(['state', id]);
      if (r.code !== 0) {
        if (missing(r.stderr)) return undefined;
        throw internal(runtimeErrorMessage(r.stderr));
      }
      const obj = JSON.parse(r.stdout) as { status?: unknown; pid?: unknown };
      const statuses = ['creating', 'created', 'running', 'paused', 'stopped'] as const;
      const status = statuses.find((s) => s === obj.status) ?? 'stopped';
      return { status, pid: typeof obj.pid === 'number' ? obj.pid : 0 };
    },

    exitStatus,

    waitExit(id: string, signal?: AbortSignal): Promise<ExitStatus> {
      return new Promise<ExitStatus>((resolve, reject) => {
        let done = false;
        let checking = false;
        let again = false;
        const cleanupFns: (() => void)[] = [];
        const finish = (err: unknown, status?: ExitStatus) => {
          if (done) return;
          done = true;
          for (const f of cleanupFns) f();
          if (err) reject(err);
          else resolve(status as ExitStatus);
        };
        const check = async () => {
          if (done) return;
          if (checking) {
            again = true;
            return;
          }
          checking = true;
          try {
            do {
              again = false;
              const s = await exitStatus(id);
              if (s) return finish(undefined, s);
            } while (again && !done);
          } catch (err) {
            log.warn('reading exit file failed', { container: id, err });
          } finally {
            checking = false;
          }
        };
        if (signal) {
          if (signal.aborted) return finish(signal.reason ?? new Error('aborted'));
          const onAbort = () => finish(signal.reason ?? new Error('aborted'));
          signal.addEventListener('abort', onAbort);
          cleanupFns.push(() => signal.removeEventListener('abort', onAbort));
        }
        void mkdir(exitsDir, { recursive: true })
          .then(() => {
            if (done) return;
            try {
              const w = watch(exitsDir, (_event, name) => {
                if (name === null || name === id) void check();
              });
              w.on('error', () => undefined);
              cleanupFns.push(() => w.close());
            } catch (err) {
              log.debug('watching the exits dir failed; polling only', { err });
            }
            // The poll covers missed events (and filesystems where watch is unreliable).
            const poll = setInterval(() => void check(), 500);
            cleanupFns.push(() => clearInterval(poll));
            void check();
          })
          .catch((err: unknown) => finish(err));
      });
    },

    async cleanup(id: string): Promise<void> {
      const p = paths(id);
      await Promise.all([rm(p.exitFile, { force: true }), rm(p.persistDir, { recursive: true, force: true }), rm(p.socketLink, { force: true })]);
    },

    attach: (id: string) => connectAttach(paths(id).socketLink),

    resize: (id: string, size: { height: number; width: number }) => resizeTerminal(paths(id).socketLink, size),

    async pause(id: string): Promise<void> {
      const r = await runtimeCmd(['pause', id]);
      if (r.code !== 0) throw internal(runtimeErrorMessage(r.stderr));
    },

    async resume(id: string): Promise<void> {
      const r = await runtimeCmd(['resume', id]);
      if (r.code !== 0) throw internal(runtimeErrorMessage(r.stderr));
    },

    async update(id: string, resources: Readonly<Record<string, unknown>>): Promise<void> {
      const file = join(paths(id).persistDir, 'resources.json');
      await writeFile(file, JSON.stringify(resources));
      try {
        const r = await runtimeCmd(['update', '--resources', file, id]);
        if (r.code !== 0) throw internal(runtimeErrorMessage(r.stderr));
      } finally {
        await rm(file, { force: true });
      }
    },

    async pids(id: string): Promise<number[]> {
      const r = await runtimeCmd(['ps', '--format', 'json', id]);
      if (r.code !== 0) {
        const msg = runtimeErrorMessage(r.stderr);
        if (missing(msg)) throw notFound(`Container ${id} is not running`);
        throw internal(msg);
      }
      const parsed = JSON.parse(r.stdout || '[]') as unknown;
      return Array.isArray(parsed) ? parsed.filter((p): p is number => typeof p === 'number') : [];
    },

    exec: (id: string, execId: string, opts: ExecProcessOptions) =>
      startConmonExec({ conmon, runtimePath: binary.path, runtimeRoot, execRoot, socketDir }, id, execId, opts),

    async conmonPid(id: string): Promise<number | undefined> {
      let pid: number;
      try {
        pid = Number.parseInt((await readFile(paths(id).conmonPidFile, 'utf8')).trim(), 10);
      } catch {
        return undefined;
      }
      if (!(pid > 0)) return undefined;
      return (await isLiveConmon(pid)) ? pid : undefined;
    },
  };
}

/** True if `pid` is a running (not zombie) conmon process. */
export async function isLiveConmon(pid: number): Promise<boolean> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    // "<pid> (<comm>) <state> …": comm may hold spaces or parens, so split at the last ')'.
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const state = text.slice(close + 2, close + 3);
    return comm === 'conmon' && state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

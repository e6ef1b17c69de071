// startConmonExec(): runs one more process in a running container under its own
// conmon (`conmon --exec`, which runs `<runtime> exec --process <file>`), as
// Podman does. With `attach`, conmon's --exec-attach handshake makes sure no
// output is lost: conmon waits on the start pipe (fd 4) once before forking and
// once before exec'ing the runtime; in between it reports on the attach pipe
// (fd 5) that its attach socket is up, and we connect to it. The sync pipe
// (fd 3) brings the process's pid, then its exit code; conmon also writes the
// code to `<execDir>/exit`.
//
// Layout: <execRoot>/exec/<execId>/ holds process.json, the pid files, the
// exec's log, `exit`, and (as conmon's bundle path) the attach socket and ctl fifo.
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { internal } from '../core/errors.ts';
import { connectAttach, resizeTerminal, type AttachConnection } from './conmon-attach.ts';
import { runtimeErrorMessage } from './start-error.ts';

export interface ExecProcessOptions {
  /** The OCI `process` object to run (args, env, cwd, user, capabilities, terminal…). */
  readonly process: Readonly<Record<string, unknown>>;
  readonly terminal: boolean;
  /** Give the process a stdin fed through the attach socket. */
  readonly stdin: boolean;
  /** Hold the process until our attach connection is up, and return it. */
  readonly attach: boolean;
  /** Initial terminal size (with `terminal`). */
  readonly size?: { readonly height: number; readonly width: number };
}

/** A running exec process. */
export interface ExecProcess {
  readonly pid: number;
  /** With `attach`: the connection to its stdio. */
  readonly connection?: AttachConnection;
  /** Resolves with the exit code once conmon has recorded it. */
  readonly exited: Promise<number>;
  resize(size: { height: number; width: number }): Promise<void>;
  /** Removes the exec's files (after it exited). */
  cleanup(): Promise<void>;
}

export interface ConmonExecContext {
  readonly conmon: string;
  readonly runtimePath: string;
  readonly runtimeRoot: string;
  readonly execRoot: string;
  readonly socketDir: string;
  readonly timeoutMs?: number;
}

interface SyncMessage {
  readonly data: number;
  readonly message?: string;
}

/** Reads conmon's newline-delimited `{"data": n, "message": …}` messages from a pipe. */
function messages(pipe: Readable): { next(): Promise<SyncMessage | undefined> } {
  let buf = '';
  const queue: SyncMessage[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  pipe.setEncoding('utf8');
  pipe.on('data', (s: string) => {
    buf += s;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line === '') continue;
      try {
        const m = JSON.parse(line) as { data?: unknown; message?: unknown };
        queue.push({ data: typeof m.data === 'number' ? m.data : -1, ...(typeof m.message === 'string' ? { message: m.message } : {}) });
      } catch {
        queue.push({ data: -1, message: `unreadable message from conmon: ${line}` });
      }
    }
    wake?.();
  });
  const onEnd = () => {
    ended = true;
    wake?.();
  };
  pipe.on('end', onEnd);
  pipe.on('close', onEnd);
  pipe.on('error', onEnd);
  return {
    async next() {
      for (;;) {
        const m = queue.shift();
        if (m) return m;
        if (ended) return undefined;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(internal(`conmon did not ${what} within ${ms} ms`)), ms))),
  ]);
}

/**
 * Starts `options.process` in container `containerId`. Throws Internal with the
 * runtime's message when the exec fails to start (e.g. `exec: "nosuch":
 * executable file not found in $PATH`).
 */
export async function startConmonExec(ctx: ConmonExecContext, containerId: string, execId: string, options: ExecProcessOptions): Promise<ExecProcess> {
  const dir = join(ctx.execRoot, 'exec', execId);
  const socketLink = join(ctx.socketDir, execId);
  const timeoutMs = ctx.timeoutMs ?? 30_000;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await mkdir(ctx.socketDir, { recursive: true });
  const specPath = join(dir, 'process.json');
  await writeFile(specPath, JSON.stringify(options.process));
  const cleanup = async () => {
    await Promise.all([rm(dir, { recursive: true, force: true }), rm(socketLink, { force: true })]);
  };

  const args = [
    '--api-version', '1',
    '-c', containerId, '-u', execId, '-n', execId,
    '-r', ctx.runtimePath,
    '-b', dir,
    '-p', join(dir, 'pidfile'),
    '--persist-dir', dir,
    '--socket-dir-path', ctx.socketDir,
    '-l', `k8s-file:${join(dir, 'exec.log')}`,
    '--log-size-max', String(1024 * 1024),
    '--conmon-pidfile', join(dir, 'conmon.pid'),
    '--runtime-arg', '--root', '--runtime-arg', ctx.runtimeRoot,
    '--exec', '--exec-process-spec', specPath,
    '--log-level', 'error',
  ];
  if (options.terminal) args.push('-t');
  if (options.stdin) args.push('-i');
  if (options.attach) args.push('--exec-attach');

  // fds: 3 sync (conmon → us), 4 start (us → conmon), 5 attach (conmon → us).
  const child = spawn(ctx.conmon, args, {
    cwd: dir,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
    env: { ...process.env, _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4', _OCI_ATTACHPIPE: '5' },
  });
  child.on('error', () => undefined);
  const stderr: Buffer[] = [];
  child.stderr?.on('data', (b: Buffer) => stderr.push(b));
  const fds = child.stdio as unknown as (Readable | Writable | null)[];
  const syncPipe = fds[3] as Readable;
  const startPipe = fds[4] as Writable;
  const attachPipe = fds[5] as Readable;
  startPipe.on('error', () => undefined);
  const sync = messages(syncPipe);
  const attachMsgs = messages(attachPipe);
  const failed = (what: string) => {
    const why = Buffer.concat(stderr).toString().trim();
    return internal(`conmon failed to ${what} for exec ${execId}${why ? `: ${why}` : ''}`);
  };
  const closePipes = () => {
    syncPipe.destroy();
    attachPipe.destroy();
    startPipe.destroy();
    child.stderr?.destroy();
    child.unref();
  };

  let connection: AttachConnection | undefined;
  let execPid: number | undefined;
  try {
    // First start message: conmon forks its monitor (we put it in no cgroup of our own).
    startPipe.write('0\n');
    if (options.attach) {
      const ready = await withTimeout(attachMsgs.next(), timeoutMs, 'open its attach socket');
      if (!ready || ready.data < 0) throw failed('open its attach socket');
      connection = await connectAttach(socketLink, { pid: () => execPid });
      if (options.terminal && options.size) await resizeTerminal(socketLink, options.size).catch(() => undefined);
      // Second start message: conmon runs the runtime's exec now that we listen.
      startPipe.write('0\n');
    }
    const started = await withTimeout(sync.next(), timeoutMs, 'report the exec pid');
    if (!started) throw failed('start the process');
    if (started.data <= 0) {
      throw internal(runtimeErrorMessage(started.message ?? 'the OCI runtime failed to exec the process'));
    }
    const pid = started.data;
    execPid = pid;
    attachPipe.destroy();
    startPipe.destroy();
    const exited = (async () => {
      const done = await sync.next();
      closePipes();
      if (done && done.data >= 0) return done.data;
      // The pipe closed without a code (conmon killed?): the exit file may still say.
      const text = await readFile(join(dir, 'exit'), 'utf8').catch(() => '');
      const code = Number.parseInt(text.trim(), 10);
      return Number.isNaN(code) ? 255 : code;
    })();
    return {
      pid,
      ...(connection ? { connection } : {}),
      exited,
      resize: (size) => resizeTerminal(socketLink, size),
      cleanup,
    };
  } catch (err) {
    connection?.close();
    closePipes();
    await cleanup().catch(() => undefined);
    throw err;
  }
}

// Exec and Attach behind any transport: a transport (websocket.ts,
// spdy-remotecommand.ts) hands over the client's side of the streams the
// request asked for; this runs the command (or attaches) through the engine,
// copies stdin in and stdout/stderr out with back-pressure both ways, passes
// terminal resizes on, and ends with the closing status — after the output has
// been handed to the transport, so a client never sees the status before the
// last of the output.
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { errorMessage } from '../../core/errors.ts';
import type { ContainerAttachment, Engine } from '../../engine/index.ts';
import type { Logger } from '../../lib/logger.ts';

export interface ExecStreamRequest {
  readonly containerId: string;
  readonly cmd: readonly string[];
  readonly tty: boolean;
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
}

export interface AttachStreamRequest {
  readonly containerId: string;
  /** The client sends input (it opens a stdin stream). */
  readonly stdin: boolean;
  /** The container takes input: it was made with stdin open. */
  readonly containerStdin: boolean;
  readonly tty: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
}

export type CommandRequest = { readonly kind: 'exec'; readonly req: ExecStreamRequest } | { readonly kind: 'attach'; readonly req: AttachStreamRequest };

export interface TerminalSize {
  readonly width: number;
  readonly height: number;
}

/** How the command ended: its exit code, or why it could not run. */
export type CommandOutcome = { readonly exitCode: number } | { readonly error: string };

/** The client's side of a remote command, as a transport makes it. */
export interface CommandChannels {
  /** The client's input; ends when the client closes its stdin. */
  readonly stdin?: Readable;
  readonly stdout?: Writable;
  readonly stderr?: Writable;
  /** Registers the handler of the client's terminal resizes. */
  onResize(fn: (size: TerminalSize) => void): void;
  /** Registers what to do when the client goes away before the end. */
  onGone(fn: () => void): void;
  /** Sends the closing status and ends the connection (after all output). */
  finish(outcome: CommandOutcome): Promise<void>;
}

interface OpenStream {
  readonly attachment: ContainerAttachment;
  resize(size: TerminalSize): Promise<void>;
  exitCode(): number;
}

/** Kubernetes' metav1.Status for an outcome (remotecommand v4 and v5 send it on the error channel). */
export function statusJson(outcome: CommandOutcome): string {
  if ('error' in outcome) return JSON.stringify({ metadata: {}, status: 'Failure', message: outcome.error, reason: 'InternalError' });
  if (outcome.exitCode === 0) return JSON.stringify({ metadata: {}, status: 'Success' });
  return JSON.stringify({
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command, exit code ${outcome.exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(outcome.exitCode) }] },
  });
}

/** The text older protocols (v1-v3) put on the error stream; nothing for success. */
export function statusText(outcome: CommandOutcome): string {
  if ('error' in outcome) return outcome.error;
  return outcome.exitCode === 0 ? '' : `command terminated with non-zero exit code: error executing command, exit code ${outcome.exitCode}`;
}

async function writeAll(w: Writable, data: Buffer): Promise<void> {
  if (w.destroyed || w.writableEnded) return;
  if (!w.write(data)) await Promise.race([once(w, 'drain'), once(w, 'close')]);
}

async function endWritable(w: Writable | undefined): Promise<void> {
  if (!w || w.destroyed || w.writableFinished) return;
  await new Promise<void>((resolve) => {
    w.once('close', resolve);
    w.end(resolve);
  });
}

export class RemoteCommandRunner {
  readonly #engine: Engine;
  readonly #log: Logger;

  constructor(deps: { engine: Engine; log: Logger }) {
    this.#engine = deps.engine;
    this.#log = deps.log;
  }

  async run(cmd: CommandRequest, ch: CommandChannels): Promise<void> {
    if (cmd.kind === 'attach') {
      await this.#stream(cmd.req.containerId, ch, () => this.#openAttach(cmd.req));
      return;
    }
    const execs = this.#engine.execs!;
    const req = cmd.req;
    let execId: string | undefined;
    try {
      await this.#stream(req.containerId, ch, async () => {
        execId = await execs.create(req.containerId, { cmd: req.cmd, env: [], user: '', workingDir: '', tty: req.tty, attachStdin: req.stdin, attachStdout: req.stdout, attachStderr: req.stderr, privileged: false, detachKeys: '' });
        const id = execId;
        const attachment = await execs.start(id, { detach: false });
        if (!attachment) throw new Error('the exec gave no stream');
        return { attachment, resize: (size) => execs.resize(id, size), exitCode: () => execs.inspect(id).exitCode ?? 0 };
      });
    } finally {
      if (execId !== undefined) execs.discard(execId);
    }
  }

  /** Attaches to the container's own stdio until its process ends or the client leaves (which detaches it). */
  async #openAttach(req: AttachStreamRequest): Promise<OpenStream> {
    const containers = this.#engine.containers;
    const attachment = await containers.attachStdio(req.containerId, { stdin: req.stdin && req.containerStdin });
    return { attachment, resize: (size) => containers.resize(req.containerId, size), exitCode: () => 0 };
  }

  async #stream(containerId: string, ch: CommandChannels, open: () => Promise<OpenStream>): Promise<void> {
    let gone = false;
    let attachment: ContainerAttachment | undefined;
    ch.onGone(() => {
      gone = true;
      attachment?.close();
    });
    let outcome: CommandOutcome;
    try {
      const s = await open();
      attachment = s.attachment;
      if (gone) attachment.close();
      ch.onResize((size) => void s.resize(size).catch(() => undefined));
      const stdin = ch.stdin;
      if (stdin) {
        stdin.on('data', (data: Buffer) => {
          // One write at a time: the client's input waits while the container does not read.
          stdin.pause();
          void s.attachment.write(data).catch(() => undefined).finally(() => stdin.resume());
        });
        stdin.once('end', () => s.attachment.closeStdin());
      }
      for await (const chunk of s.attachment.output) {
        const w = chunk.stream === 'stderr' ? ch.stderr : ch.stdout;
        if (w) await writeAll(w, chunk.data);
      }
      await Promise.all([endWritable(ch.stdout), endWritable(ch.stderr)]);
      outcome = { exitCode: s.exitCode() };
    } catch (err) {
      this.#log.warn('CRI stream failed', { container: containerId, err: errorMessage(err) });
      outcome = { error: errorMessage(err) };
    }
    if (!gone) await ch.finish(outcome).catch(() => undefined);
  }
}

// A container's streams: its log (docker logs), its output from now on
// (attach), and attachments to its stdio through the monitor — those made
// before a start wait here until the start creates the process — and the
// terminal size.
import { conflict } from '../../core/errors.ts';
import type { ContainerRuntime, LogLine } from '../../runtime/index.ts';
import { readLogs } from '../../runtime/index.ts';
import { AttachSession, type ContainerAttachment } from './attach-session.ts';
import type { ContainerContext } from './context.ts';
import { readRotatedLogs } from './log-rotation.ts';

export interface LogOptions {
  readonly follow?: boolean;
  readonly since?: number;
  readonly until?: number;
  readonly tail?: number;
  readonly stdout?: boolean;
  readonly stderr?: boolean;
  readonly signal?: AbortSignal;
}

export class ContainerStreams {
  readonly #ctx: ContainerContext;
  /** Attachments waiting for the next start of their container (docker attaches before it starts). */
  readonly #pending = new Map<string, Set<AttachSession>>();

  constructor(ctx: ContainerContext) {
    this.#ctx = ctx;
  }

  logs(idOrName: string, options: LogOptions): AsyncIterable<LogLine> {
    const c = this.#ctx.reg.find(idOrName);
    const running = c.state.status === 'running' || c.state.status === 'paused';
    const stopWhen = options.follow && running ? this.#ctx.listeners.nextExit(c.id) : Promise.resolve();
    const lines = readRotatedLogs(c.logPath, {
      ...(options.follow !== undefined ? { follow: options.follow } : {}),
      ...(options.since !== undefined ? { since: options.since } : {}),
      ...(options.until !== undefined ? { until: options.until } : {}),
      ...(options.tail !== undefined ? { tail: options.tail } : {}),
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
      stopWhen,
    });
    const wantOut = options.stdout ?? true;
    const wantErr = options.stderr ?? true;
    return (async function* () {
      for await (const line of lines) {
        if ((line.stream === 'stdout' && wantOut) || (line.stream === 'stderr' && wantErr)) yield line;
      }
    })();
  }

  attach(idOrName: string, options: { signal?: AbortSignal } = {}): AsyncIterable<LogLine> {
    const c = this.#ctx.reg.find(idOrName);
    if (c.state.status === 'paused') throw conflict('You cannot attach to a paused container, unpause it first');
    return readLogs(c.logPath, { follow: true, tail: 0, stopWhen: this.#ctx.listeners.nextExit(c.id), ...(options.signal ? { signal: options.signal } : {}) });
  }

  async attachStdio(idOrName: string, options: { stdin: boolean }): Promise<ContainerAttachment> {
    const c = this.#ctx.reg.find(idOrName);
    if (c.state.status === 'paused') throw conflict('You cannot attach to a paused container, unpause it first');
    const session = new AttachSession({ tty: c.spec.tty, stdin: options.stdin && c.spec.openStdin });
    if (c.state.status === 'running') {
      const rt = await this.#ctx.rt(c.id);
      try {
        await session.connect(await rt.attach(c.id));
      } catch (err) {
        // The process is exiting: nothing more to see.
        this.#ctx.d.log.debug('attach to a running container found no monitor', { container: c.id, err });
        session.end();
      }
      return session;
    }
    let set = this.#pending.get(c.id);
    if (!set) this.#pending.set(c.id, (set = new Set()));
    set.add(session);
    session.onClose(() => {
      set.delete(session);
      if (set.size === 0 && this.#pending.get(c.id) === set) this.#pending.delete(c.id);
    });
    return session;
  }

  /** Connects the attachments made before this start (the runtime just created the process). */
  async connectPending(id: string, rt: ContainerRuntime): Promise<void> {
    const set = this.#pending.get(id);
    if (!set) return;
    this.#pending.delete(id);
    for (const session of set) {
      if (session.closed) continue;
      try {
        await session.connect(await rt.attach(id));
      } catch (err) {
        // The container still starts; this client just sees no output.
        this.#ctx.d.log.warn('connecting an attached client failed', { container: id, err });
        session.end();
      }
    }
  }

  /** Ends the attachments waiting for a start that failed (or a container that is removed). */
  endPending(id: string): void {
    const set = this.#pending.get(id);
    if (!set) return;
    this.#pending.delete(id);
    for (const session of set) session.end();
  }

  async resize(idOrName: string, size: { height: number; width: number }): Promise<void> {
    const c = this.#ctx.reg.find(idOrName);
    if (c.state.status !== 'running') throw conflict(`Container ${c.id} is not running`);
    await (await this.#ctx.rt(c.id)).resize(c.id, size);
  }
}

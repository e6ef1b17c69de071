// LogRotator: keeps the history of running containers' logs (see
// log-rotation.ts). conmon replaces a log file the moment it is full, many
// times a second for a fast writer, so the replacement is watched for
// (inotify on the container's directory, where conmon renames its new file
// over the log path) rather than looked for on a timer; the once-a-second
// pass only picks up containers that started or stopped, and anything an
// event did not report: it checks the logs whose directory reported anything
// since the last pass (a write is an event too, so a log that grew is checked
// even when the rename's event was lost), not every log every second — with 50
// quiet containers that was 100 stat calls a second and the garbage of 50
// checks, for nothing. The size limit never depends on berthd keeping up:
// conmon enforces it. Falling behind only loses history.
//
// A container whose conmon does not cap its log (started by a berthd from
// before that) is rotated the old way instead, by size, on the once-a-second
// pass (rotateUncapped), until it restarts: its entry is made again at each
// start (keyed by StartedAt), so a restarted container gets the new way.
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Container } from '../../core/types.ts';
import type { Logger } from '../../lib/logger.ts';
import type { ContainerRuntime } from '../../runtime/index.ts';
import { logLimits, rotateIfReplaced, rotateUncapped, type LogLimits } from './log-rotation.ts';

interface Watched {
  readonly path: string;
  readonly limits: LogLimits;
  /** The container's start this entry is for. */
  readonly startedAt: string;
  /** Set when conmon does not cap this log: how to have it reopen the file. */
  readonly reopen: (() => Promise<void>) | undefined;
  /** Unset when it failed: the log is then checked on every pass. */
  watcher: FSWatcher | undefined;
  /** The directory reported something since the last pass (always, without a watcher). */
  stirred: boolean;
  busy: boolean;
  again: boolean;
}

export interface LogRotatorDeps {
  readonly running: () => Promise<Container[]>;
  /** The container's runtime: asked whether its conmon caps the log (absent: all do). */
  readonly runtimeFor?: (c: Container) => Promise<ContainerRuntime>;
  readonly log: Logger;
  readonly intervalMs?: number;
  /** The check of a log conmon caps (tests count its calls; default rotateIfReplaced). */
  readonly rotateIfReplaced?: (path: string, limits: LogLimits) => Promise<boolean>;
}

export class LogRotator {
  readonly #running: () => Promise<Container[]>;
  readonly #runtimeFor: LogRotatorDeps['runtimeFor'];
  readonly #log: Logger;
  readonly #rotateIfReplaced: (path: string, limits: LogLimits) => Promise<boolean>;
  readonly #timer: NodeJS.Timeout;
  readonly #watched = new Map<string, Watched>();
  #syncing = false;
  #closed = false;

  constructor(deps: LogRotatorDeps) {
    this.#running = deps.running;
    this.#runtimeFor = deps.runtimeFor;
    this.#log = deps.log;
    this.#rotateIfReplaced = deps.rotateIfReplaced ?? rotateIfReplaced;
    this.#timer = setInterval(() => void this.#sync(), deps.intervalMs ?? 1000);
    this.#timer.unref();
  }

  /** Starts watching the containers that run now, stops watching the others, and checks each one. */
  async #sync(): Promise<void> {
    if (this.#syncing || this.#closed) return;
    this.#syncing = true;
    try {
      const running = new Map<string, Container>();
      for (const c of await this.#running()) running.set(c.id, c);
      for (const [id, w] of this.#watched) {
        if (running.get(id)?.state.startedAt !== w.startedAt) {
          w.watcher?.close();
          this.#watched.delete(id);
        }
      }
      for (const c of running.values()) {
        let w = this.#watched.get(c.id);
        if (!w) {
          let limits: LogLimits;
          try {
            limits = logLimits(c.spec.host.logConfig);
          } catch {
            continue;
          }
          if (limits.maxSize === 0) continue;
          const reopen = await this.#uncapped(c);
          w = reopen ? { path: c.logPath, limits, startedAt: c.state.startedAt, reopen, watcher: undefined, stirred: true, busy: false, again: false } : this.#watch(c.logPath, limits, c.state.startedAt);
          this.#watched.set(c.id, w);
        }
        // A watched log that reported nothing since the last pass has not changed.
        if (!w.stirred) continue;
        if (w.watcher) w.stirred = false;
        void this.#check(w);
      }
    } catch (err) {
      this.#log.warn('log rotation check failed', { err });
    } finally {
      this.#syncing = false;
    }
  }

  /** For a container whose conmon does not cap its log: how to have conmon reopen it. */
  async #uncapped(c: Container): Promise<(() => Promise<void>) | undefined> {
    if (!this.#runtimeFor) return undefined;
    try {
      const rt = await this.#runtimeFor(c);
      const reopenLog = rt.reopenLog?.bind(rt);
      if (!reopenLog || (await rt.logCapped?.(c.id)) !== false) return undefined;
      this.#log.info('container log is rotated by size until the container restarts (started before conmon capped logs)', { id: c.id });
      return () => reopenLog(c.id);
    } catch (err) {
      this.#log.debug('cannot tell whether conmon caps a log', { id: c.id, err });
      return undefined;
    }
  }

  #watch(path: string, limits: LogLimits, startedAt: string): Watched {
    const name = basename(path);
    let watcher: FSWatcher | undefined;
    // Checked on the first pass whatever the watcher says.
    const w: Watched = { path, limits, startedAt, reopen: undefined, watcher: undefined, stirred: true, busy: false, again: false };
    try {
      // Every write to the log is a 'change' here too: a rename of the log's own name is checked at once,
      // anything else has the next pass check it.
      watcher = watch(dirname(path), { persistent: false }, (event, file) => {
        w.stirred = true;
        if (event === 'rename' && file === name) void this.#check(w);
      });
      watcher.on('error', (err) => {
        this.#log.debug('a log directory watch failed; rotation falls back to the timer', { path, err });
        w.watcher?.close();
        w.watcher = undefined;
        w.stirred = true;
      });
    } catch (err) {
      this.#log.debug('cannot watch a log directory; rotation falls back to the timer', { path, err });
    }
    w.watcher = watcher;
    return w;
  }

  /** Rotates when conmon replaced the file; one at a time per log, again if asked meanwhile. */
  async #check(w: Watched): Promise<void> {
    if (w.busy) {
      w.again = true;
      return;
    }
    w.busy = true;
    try {
      do {
        w.again = false;
        // Best effort: a failed rotation is retried on the next event or tick.
        const rotation = w.reopen ? rotateUncapped(w.path, w.limits, w.reopen) : this.#rotateIfReplaced(w.path, w.limits);
        await rotation.catch((err: unknown) => this.#log.warn('log rotation failed', { path: w.path, err }));
      } while (w.again && !this.#closed);
    } finally {
      w.busy = false;
    }
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    for (const w of this.#watched.values()) w.watcher?.close();
    this.#watched.clear();
  }
}

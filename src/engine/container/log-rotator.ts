// LogRotator: keeps the history of running containers' logs (see
// log-rotation.ts). conmon replaces a log file the moment it is full, many
// times a second for a fast writer, so the replacement is watched for
// (inotify on the container's directory, where conmon renames its new file
// over the log path) rather than looked for on a timer; the once-a-second
// pass only picks up containers that started or stopped, and anything an
// event did not report. The size limit never depends on berthd keeping up:
// conmon enforces it. Falling behind only loses history.
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Container } from '../../core/types.ts';
import type { Logger } from '../../lib/logger.ts';
import { logLimits, rotateIfReplaced, type LogLimits } from './log-rotation.ts';

interface Watched {
  readonly path: string;
  readonly limits: LogLimits;
  readonly watcher: FSWatcher | undefined;
  busy: boolean;
  again: boolean;
}

export class LogRotator {
  readonly #running: () => Promise<Container[]>;
  readonly #log: Logger;
  readonly #timer: NodeJS.Timeout;
  readonly #watched = new Map<string, Watched>();
  #syncing = false;
  #closed = false;

  constructor(deps: { running: () => Promise<Container[]>; log: Logger; intervalMs?: number }) {
    this.#running = deps.running;
    this.#log = deps.log;
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
        if (!running.has(id)) {
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
          w = this.#watch(c.logPath, limits);
          this.#watched.set(c.id, w);
        }
        void this.#check(w);
      }
    } catch (err) {
      this.#log.warn('log rotation check failed', { err });
    } finally {
      this.#syncing = false;
    }
  }

  #watch(path: string, limits: LogLimits): Watched {
    const name = basename(path);
    let watcher: FSWatcher | undefined;
    const w: Watched = { path, limits, watcher: undefined, busy: false, again: false };
    try {
      // Every write to the log is a 'change' here too: only a rename of the log's own name matters.
      watcher = watch(dirname(path), { persistent: false }, (event, file) => {
        if (event === 'rename' && file === name) void this.#check(w);
      });
      watcher.on('error', () => undefined);
    } catch (err) {
      this.#log.debug('cannot watch a log directory; rotation falls back to the timer', { path, err });
    }
    return Object.assign(w, { watcher });
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
        await rotateIfReplaced(w.path, w.limits).catch((err: unknown) => this.#log.warn('log rotation failed', { path: w.path, err }));
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

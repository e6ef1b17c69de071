// Watching a container's process for its exit: one watcher per running
// container (re-armed at berthd start), handing each exit to the exit
// recorder; and the fallback after a SIGKILL when no watcher reports it.
import type { Container } from '../../core/types.ts';
import type { ExitStatus } from '../../runtime/index.ts';
import { nowNano } from '../time.ts';
import type { ContainerContext } from './context.ts';
import { spanSince, tracing } from '../../lib/index.ts';

/** Records an exit (exit.ts); called once per run. */
export type OnExit = (id: string, status: ExitStatus) => Promise<void>;

export class ExitWatcher {
  readonly #ctx: ContainerContext;
  readonly #onExit: OnExit;
  readonly #watchers = new Map<string, AbortController>();

  constructor(ctx: ContainerContext, onExit: OnExit) {
    this.#ctx = ctx;
    this.#onExit = onExit;
  }

  watch(id: string): void {
    if (this.#watchers.has(id)) return;
    const ac = new AbortController();
    this.#watchers.set(id, ac);
    const { log } = this.#ctx.d;
    this.#ctx.rt(id).then((rt) => rt.waitExit(id, ac.signal)).then(
      (status) => {
        // How long after conmon wrote the exit file berthd saw it (the file's mtime, ms precision).
        if (tracing) spanSince('exit: detected (exit file mtime → read)', Date.parse(status.finishedAt), { container: id.slice(0, 12) });
        if (this.#watchers.get(id) === ac) this.#watchers.delete(id);
        if (ac.signal.aborted || this.#ctx.closed) return;
        return this.#onExit(id, status);
      },
      (err: unknown) => {
        if (this.#watchers.get(id) === ac) this.#watchers.delete(id);
        if (!ac.signal.aborted && !this.#ctx.closed) log.error('waiting for container exit failed', { container: id, err });
      },
    ).catch((err: unknown) => log.error('recording container exit failed', { container: id, err }));
  }

  unwatch(id: string): void {
    this.#watchers.get(id)?.abort();
    this.#watchers.delete(id);
  }

  /**
   * Waits for `exited` after a SIGKILL. The watcher normally records the exit;
   * if it has not after `ms` (a lost watcher), ask the runtime and record it here.
   */
  async awaitKilled(id: string, exited: Promise<Container>, ms = 10_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([exited.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), ms)))]);
    clearTimeout(timer);
    if (!late) return;
    const rt = await this.#ctx.rt(id);
    const exit = await rt.exitStatus(id).catch(() => undefined);
    const st = exit ? undefined : await rt.state(id).catch(() => undefined);
    if (exit || !st || st.status === 'stopped') {
      this.#ctx.d.log.warn('exit not seen by the watcher; recording it', { container: id });
      await this.#onExit(id, exit ?? { exitCode: 137, oomKilled: false, finishedAt: nowNano() });
    } else {
      await exited;
    }
  }

  close(): void {
    for (const ac of this.#watchers.values()) ac.abort();
    this.#watchers.clear();
  }
}

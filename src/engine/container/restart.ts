// Restarts by policy: after an exit the policy (restart-policy.ts) decides;
// a restarting container waits out its back-off, then starts again. A start
// by the user resets the back-off; stop and rm -f cancel a pending restart.
import { errorMessage } from '../../core/errors.ts';
import { containerAttributes } from './attributes.ts';
import type { ContainerContext, StoredContainer } from './context.ts';
import { decideRestart } from './restart-policy.ts';

/** The act of starting a container, under its lock (start.ts). */
export interface StartRole {
  start(c: StoredContainer): Promise<void>;
}

export class RestartScheduler {
  readonly #ctx: ContainerContext;
  readonly #starter: StartRole;
  /** Restarts by policy waiting out their back-off. */
  readonly #timers = new Map<string, NodeJS.Timeout>();
  /** The back-off used before each container's last restart by policy (ms). */
  readonly #delay = new Map<string, number>();

  constructor(ctx: ContainerContext, starter: StartRole) {
    this.#ctx = ctx;
    this.#starter = starter;
  }

  /** Whether a restart by policy is waiting for its back-off. */
  pending(id: string): boolean {
    return this.#timers.has(id);
  }

  /** A start by the user: the back-off begins anew. */
  reset(id: string): void {
    this.#delay.delete(id);
  }

  /**
   * Applies the restart policy to a container that just exited (under its lock):
   * when it restarts, it is `restarting` with its RestartCount up until the back-off ends.
   */
  schedule(c: StoredContainer): StoredContainer {
    if (this.#ctx.closed || c.spec.host.autoRemove) return c;
    const ranMs = Date.parse(c.state.finishedAt) - Date.parse(c.state.startedAt);
    const decision = decideRestart({
      policy: c.spec.host.restartPolicy,
      exitCode: c.state.exitCode,
      restartCount: c.restartCount,
      manuallyStopped: c.manuallyStopped ?? false,
      ranMs: Number.isFinite(ranMs) ? ranMs : 0,
      previousDelayMs: this.#delay.get(c.id) ?? 0,
    });
    if (!decision.restart) {
      this.#delay.delete(c.id);
      return c;
    }
    this.#delay.set(c.id, decision.delayMs);
    const next = this.#ctx.reg.setState(c, { status: 'restarting' }, { restartCount: c.restartCount + 1 });
    clearTimeout(this.#timers.get(c.id));
    const timer = setTimeout(() => {
      if (this.#timers.get(c.id) === timer) void this.restartNow(c.id);
    }, decision.delayMs);
    this.#timers.set(c.id, timer);
    this.#ctx.d.log.info('container restarting by policy', { container: c.id, policy: c.spec.host.restartPolicy.name, restartCount: next.restartCount, delayMs: decision.delayMs });
    return next;
  }

  /** Starts a `restarting` container again (its back-off is over); a failed start leaves it exited. */
  async restartNow(id: string): Promise<void> {
    clearTimeout(this.#timers.get(id));
    this.#timers.delete(id);
    const { reg, d } = this.#ctx;
    const failed = await reg.lock.run(id, async () => {
      const c = reg.get(id);
      if (!c || c.state.status !== 'restarting' || this.#ctx.closed) return undefined;
      try {
        await this.#starter.start(c);
        const started = reg.get(id);
        if (started) d.events?.publish({ type: 'container', action: 'start', id, attributes: containerAttributes(started) });
        return undefined;
      } catch (err) {
        d.log.warn('restart by policy failed', { container: id, err: errorMessage(err) });
        const cur = reg.get(id);
        return cur ? reg.setState(cur, { status: 'exited' }) : undefined;
      }
    });
    if (failed) this.#ctx.listeners.exited(failed);
  }

  /** Ends a pending restart by policy (docker stop / rm -f): the container stays exited. */
  cancel(id: string): StoredContainer | undefined {
    clearTimeout(this.#timers.get(id));
    this.#timers.delete(id);
    const c = this.#ctx.reg.get(id);
    if (c?.state.status !== 'restarting') return undefined;
    return this.#ctx.reg.save({ ...c, manuallyStopped: true, state: { ...c.state, status: 'exited' } });
  }

  close(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
  }
}

// Ending and freezing a running container: stop (signal, grace period, then
// SIGKILL), kill, pause and unpause. Each marks a stop by the user, so that
// the restart policy leaves the container alone until its next start.
import { BerthError, conflict, isBerthError, isNotFound } from '../../core/errors.ts';
import type { Container } from '../../core/types.ts';
import { parseSignal } from './signals.ts';
import type { ContainerContext, StoredContainer } from './context.ts';

const defaultStopTimeout = 10;

/** The pieces a stop needs: cancelling a pending restart, and the SIGKILL fallback. */
export interface StopRoles {
  readonly restarts: { cancel(id: string): StoredContainer | undefined };
  readonly watcher: { awaitKilled(id: string, exited: Promise<Container>): Promise<void> };
}

export class ContainerStopper {
  readonly #ctx: ContainerContext;
  readonly #roles: StopRoles;

  constructor(ctx: ContainerContext, roles: StopRoles) {
    this.#ctx = ctx;
    this.#roles = roles;
  }

  /** false when it was not running (304). */
  async stop(idOrName: string, options: { timeout?: number; signal?: string } = {}): Promise<boolean> {
    return this.#stop(idOrName, options, false);
  }

  async #stop(idOrName: string, options: { timeout?: number; signal?: string }, settled: boolean): Promise<boolean> {
    const { reg, listeners } = this.#ctx;
    const c = reg.find(idOrName);
    if (c.state.status === 'restarting') {
      // Under the lock: a back-off that ends right now (restartNow) must not start it again behind our back.
      const stopped = await reg.lock.run(c.id, async () => this.#roles.restarts.cancel(c.id));
      if (stopped) {
        listeners.exited(stopped);
        return true;
      }
      // It was started again meanwhile (or exited): stop it as any other container.
      return this.#stop(c.id, options, settled);
    }
    if (c.state.status !== 'running' && c.state.status !== 'paused') {
      // An exit being recorded (exit.ts holds the lock) shows `exited` before the
      // restart policy has decided; dockerd makes that one step. Wait for the
      // verdict once, so a stop in between still cancels the restart it brings.
      if (settled) return false;
      await reg.lock.run(c.id, async () => undefined);
      return this.#stop(c.id, options, true);
    }
    const signal = parseSignal(options.signal || c.spec.stopSignal || 'SIGTERM');
    this.markManuallyStopped(c.id);
    const timeout = options.timeout ?? c.spec.stopTimeout ?? defaultStopTimeout;
    await this.stopRunning(c, signal, timeout);
    return true;
  }

  /** Sends `signal`, waits `timeout` s (negative: forever; 0: SIGKILL at once), then SIGKILLs; returns once the exit is recorded. */
  async stopRunning(c: Container, signal: string, timeout: number): Promise<void> {
    const exited = this.#ctx.listeners.nextExit(c.id);
    // A paused container cannot act on a signal: thaw it first, as stopping means it must end.
    if (this.#ctx.reg.get(c.id)?.state.status === 'paused') await this.#thaw(c.id);
    if (timeout !== 0) {
      // The grace period: a stop signal the init could not take yet is sent again once it can (signal-fate.ts).
      const grace = new AbortController();
      try {
        await this.#send(c.id, signal, grace.signal);
        if (timeout < 0) {
          await exited;
          return;
        }
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeout * 1000)))]);
        clearTimeout(timer);
        if (!timedOut) return;
      } finally {
        grace.abort();
      }
      this.#ctx.d.log.info('container did not stop in time, killing it', { container: c.id, timeout });
    }
    await this.#send(c.id, 'SIGKILL');
    await this.#roles.watcher.awaitKilled(c.id, exited);
  }

  /** One signal of a stop; a container already gone is left to the watcher, which records its exit. */
  async #send(id: string, signal: string, grace?: AbortSignal): Promise<void> {
    try {
      const rt = await this.#ctx.rt(id);
      const resent = () => this.#ctx.d.log.info('stop signal sent again: the container had no handler for it when it was first sent', { container: id, signal });
      if (grace && rt.stopSignal) await rt.stopSignal(id, signal, { until: grace, resent });
      else await rt.kill(id, signal);
    } catch (err) {
      if (!isNotFound(err)) this.#ctx.d.log.warn('signal failed', { container: id, signal, err });
    }
  }

  async kill(idOrName: string, signal = 'SIGKILL'): Promise<void> {
    // dockerd checks the signal first, then wraps every other failure (a missing
    // container too) as "Cannot kill container: <name>: ...".
    const sig = parseSignal(signal);
    let c: StoredContainer;
    try {
      c = this.#ctx.reg.find(idOrName);
    } catch (err) {
      if (isBerthError(err)) throw new BerthError(err.code, `Cannot kill container: ${idOrName}: ${err.message}`, { cause: err });
      throw err;
    }
    if (c.state.status === 'restarting') throw conflict(`Cannot kill container: ${idOrName}: Container ${c.id} is restarting, wait until the container is running`);
    if (c.state.status !== 'running' && c.state.status !== 'paused') {
      throw conflict(`Cannot kill container: ${idOrName}: Container ${c.id} is not running`);
    }
    const exited = sig === 'SIGKILL' ? this.#ctx.listeners.nextExit(c.id) : undefined;
    this.markManuallyStopped(c.id);
    await (await this.#ctx.rt(c.id)).kill(c.id, sig);
    // A frozen process only dies once thawed.
    if (exited && c.state.status === 'paused') await this.#thaw(c.id);
    // docker kill returns once a SIGKILLed container is seen to be gone.
    if (exited) await this.#roles.watcher.awaitKilled(c.id, exited);
  }

  async pause(idOrName: string): Promise<void> {
    const { reg } = this.#ctx;
    const { id } = reg.find(idOrName);
    await reg.lock.run(id, async () => {
      const c = reg.find(id);
      if (c.state.status === 'paused') throw conflict(`Container ${c.id} is already paused`);
      if (c.state.status !== 'running') throw conflict(`Container ${c.id} is not running`);
      await (await this.#ctx.rt(id)).pause(id);
      reg.setState(c, { status: 'paused' });
      this.#ctx.d.log.info('container paused', { container: id });
    });
  }

  async unpause(idOrName: string): Promise<void> {
    const { reg } = this.#ctx;
    const { id } = reg.find(idOrName);
    await reg.lock.run(id, async () => {
      const c = reg.find(id);
      if (c.state.status !== 'paused') throw conflict(`Container ${c.id} is not paused`);
      await this.#thawLocked(c);
    });
  }

  /**
   * docker stop/kill/rm -f: no restart by policy until the next start. Durable
   * unless `durable: false` (rm -f, whose durable `dead` follows: a power loss
   * before it leaves the container as it was before the rm).
   */
  markManuallyStopped(id: string, options: { durable?: boolean } = {}): void {
    const c = this.#ctx.reg.get(id);
    if (c && !c.manuallyStopped) this.#ctx.reg.save({ ...c, manuallyStopped: true }, options);
  }

  async #thaw(id: string): Promise<void> {
    await this.#ctx.reg.lock.run(id, async () => {
      const c = this.#ctx.reg.get(id);
      if (c?.state.status === 'paused') await this.#thawLocked(c);
    });
  }

  async #thawLocked(c: StoredContainer): Promise<void> {
    await (await this.#ctx.rt(c.id)).resume(c.id);
    this.#ctx.reg.setState(c, { status: 'running' });
    this.#ctx.d.log.info('container unpaused', { container: c.id });
  }
}

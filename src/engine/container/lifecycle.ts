// The start guards of docker start and docker restart: a running or
// restarting container is left as it is, paused, dead and removing ones are
// refused (Conflict), and a start by the user resets the restart policy's
// count, back-off and manual stop. An auto-remove container that cannot start
// is removed, as dockerd does.
import { conflict } from '../../core/errors.ts';
import type { ContainerContext, StoredContainer } from './context.ts';

export interface LifecycleRoles {
  readonly starter: { start(c: StoredContainer): Promise<void> };
  readonly restarts: { reset(id: string): void };
  readonly stopper: { stop(idOrName: string, options?: { timeout?: number; signal?: string }): Promise<boolean> };
  readonly removal: { remove(id: string, options: { force: boolean; volumes: boolean }): Promise<void> };
}

export class ContainerLifecycle {
  readonly #ctx: ContainerContext;
  readonly #roles: LifecycleRoles;

  constructor(ctx: ContainerContext, roles: LifecycleRoles) {
    this.#ctx = ctx;
    this.#roles = roles;
  }

  /** false when it was already running (the API answers 304). */
  async start(idOrName: string): Promise<boolean> {
    const { reg, d } = this.#ctx;
    const { id } = reg.find(idOrName);
    try {
      return await this.#startLocked(id);
    } catch (err) {
      // Like dockerd: an auto-remove container that cannot start is removed (the CLI waits for that).
      const c = reg.get(id);
      if (c?.spec.host.autoRemove && c.state.status !== 'running') {
        await this.#roles.removal.remove(id, { force: true, volumes: true }).catch((e: unknown) => d.log.warn('auto-remove after failed start failed', { container: id, err: e }));
      }
      throw err;
    }
  }

  async restart(idOrName: string, options: { timeout?: number; signal?: string } = {}): Promise<void> {
    const c = this.#ctx.reg.find(idOrName);
    await this.#roles.stopper.stop(c.id, options);
    await this.start(c.id);
  }

  #startLocked(id: string): Promise<boolean> {
    const { reg } = this.#ctx;
    return reg.lock.run(id, async () => {
      let c = reg.find(id);
      // docker counts a restarting container as running: start is a no-op.
      if (c.state.status === 'running' || c.state.status === 'restarting') return false;
      if (c.state.status === 'paused') throw conflict('cannot start a paused container, try unpause instead');
      if (reg.removing.has(id) || c.state.status === 'removing') throw conflict(`container is marked for removal and cannot be started`);
      if (c.state.status === 'dead') throw conflict('cannot start a dead container');
      // A start by the user resets the restart policy's count, back-off and manual stop.
      this.#roles.restarts.reset(id);
      if (c.restartCount !== 0 || c.manuallyStopped) c = reg.save({ ...c, restartCount: 0, manuallyStopped: false });
      await this.#roles.starter.start(c);
      return true;
    });
  }
}

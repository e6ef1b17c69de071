// Recording a container's exit: state `exited` with its code, its rootfs,
// mounts, networks and runtime state let go, then the restart policy, the
// `oom`/`die` events, the waiters, and auto-remove (`--rm`).
import { rm } from 'node:fs/promises';
import { isNotFound } from '../../core/errors.ts';
import type { ExitStatus } from '../../runtime/index.ts';
import { containerAttributes } from './attributes.ts';
import { nowNano } from '../time.ts';
import type { ContainerContext, StoredContainer } from './context.ts';
import { releaseNetwork } from './network-links.ts';

export interface ExitRoles {
  /** The restart policy's verdict on the exited record (restart.ts). */
  readonly restarts: { schedule(c: StoredContainer): StoredContainer };
  /** Removal of an auto-remove container (remove.ts). */
  readonly removal: { remove(id: string, options: { force: boolean; volumes: boolean }): Promise<void> };
}

export class ExitRecorder {
  readonly #ctx: ContainerContext;
  readonly #roles: ExitRoles;

  constructor(ctx: ContainerContext, roles: ExitRoles) {
    this.#ctx = ctx;
    this.#roles = roles;
  }

  async onExit(id: string, status: ExitStatus): Promise<void> {
    const { reg, d } = this.#ctx;
    d.health?.stop(id);
    const recorded = await reg.lock.run(id, async () => {
      const c = reg.get(id);
      if (!c || (c.state.status !== 'running' && c.state.status !== 'paused')) return undefined;
      const next = reg.setState(c, { status: 'exited', pid: 0, exitCode: status.exitCode, oomKilled: status.oomKilled, finishedAt: status.finishedAt || nowNano() });
      // Past the point of no return: the exit is recorded; cleanup failures are logged only.
      // The network goes while the rootfs unmounts (the process is gone; nothing needs either).
      const networkReleased = releaseNetwork(this.#ctx, id);
      await d.snapshotter.unmountRootfs(id).catch((err: unknown) => d.log.warn('unmount after exit failed', { container: id, err }));
      await d.mounts.release(c);
      const rt = await this.#ctx.rt(id);
      const cleaned = await rt
        .delete(id, { force: true })
        .then(() => rt.cleanup(id))
        .then(
          () => true,
          (err: unknown) => {
            d.log.warn('runtime cleanup after exit failed', { container: id, err });
            return false;
          },
        );
      // The bundle stays when cleanup failed, so that the next start clears the runtime state first.
      if (cleaned) await rm(this.#ctx.bundleDir(id), { recursive: true, force: true }).catch(() => undefined);
      await networkReleased;
      d.log.info('container exited', { container: id, exitCode: status.exitCode, oomKilled: status.oomKilled });
      return this.#roles.restarts.schedule(reg.get(id) ?? next);
    });
    if (!recorded) return;
    if (status.oomKilled) d.events?.publish({ type: 'container', action: 'oom', id, attributes: containerAttributes(recorded) });
    d.events?.publish({ type: 'container', action: 'die', id, attributes: containerAttributes(recorded, { exitCode: String(status.exitCode) }) });
    this.#ctx.listeners.exited(recorded);
    if (recorded.spec.host.autoRemove) {
      await this.#roles.removal.remove(id, { force: true, volumes: true }).then(() => d.events?.publish({ type: 'container', action: 'destroy', id, attributes: containerAttributes(recorded) }), (err: unknown) => {
        if (!isNotFound(err)) d.log.warn('auto-remove failed', { container: id, err });
      });
    }
  }
}

// Recording a container's exit: state `exited` with its code, its rootfs,
// mounts, networks and runtime state let go (by the removal, for an
// auto-remove container), then the restart policy, the `oom`/`die` events, the
// waiters, and auto-remove (`--rm`).
import { rm } from 'node:fs/promises';
import { isNotFound } from '../../core/errors.ts';
import type { ExitStatus } from '../../runtime/index.ts';
import { containerAttributes } from './attributes.ts';
import { nowNano } from '../time.ts';
import type { ContainerContext, StoredContainer } from './context.ts';
import { releaseNetwork } from './network-links.ts';
import { span, spanSync } from '../../lib/index.ts';

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
    const at = { container: id.slice(0, 12) };
    const recorded = await reg.lock.run(id, async () => {
      const c = reg.get(id);
      if (!c || (c.state.status !== 'running' && c.state.status !== 'paused')) return undefined;
      const next = spanSync('exit: record exited', at, () => reg.setRunState(c, { status: 'exited', pid: 0, exitCode: status.exitCode, oomKilled: status.oomKilled, finishedAt: status.finishedAt || nowNano() }));
      // Past the point of no return: the exit is recorded; cleanup failures are logged only.
      // The network goes while the rootfs unmounts and the runtime forgets the container: the process
      // is gone, so none of the three needs another (the rootfs mount is berthd's, in the host's
      // mount namespace; the runtime's delete removes its state and the cgroup).
      const networkReleased = span('exit: network release', at, () => releaseNetwork(this.#ctx, id));
      if (c.spec.host.autoRemove) {
        // Its removal follows at once, and deletes the runtime's state and the rootfs after answering
        // (remove.ts's purge): a `docker run --rm` waits for neither.
        await networkReleased;
        d.log.info('container exited', { container: id, exitCode: status.exitCode, oomKilled: status.oomKilled });
        return next;
      }
      const unmounted = span('exit: unmount rootfs', at, () => d.snapshotter.unmountRootfs(id))
        .catch((err: unknown) => d.log.warn('unmount after exit failed', { container: id, err }))
        .then(() => span('exit: release mounts', at, () => d.mounts.release(c)));
      unmounted.catch(() => undefined); // awaited below
      const rt = await this.#ctx.rt(id);
      // conmon's files (exit file, persist dir, socket link) go after the runtime's delete, not beside it:
      // conmon may still be writing its last files just after the exit file, and removing its persist dir
      // under it would fail the clean-up (alone, its span measured 1.2-2.8 ms medians).
      const cleaned = await span('exit: runtime delete', at, () => rt.delete(id, { force: true }))
        .then(() => span('exit: runtime cleanup', at, () => rt.cleanup(id)))
        .then(
          () => true,
          (err: unknown) => {
            d.log.warn('runtime cleanup after exit failed', { container: id, err });
            return false;
          },
        );
      // The bundle stays when cleanup failed, so that the next start clears the runtime state first.
      if (cleaned) await span('exit: remove bundle', at, () => rm(this.#ctx.bundleDir(id), { recursive: true, force: true })).catch(() => undefined);
      await unmounted;
      await networkReleased;
      d.log.info('container exited', { container: id, exitCode: status.exitCode, oomKilled: status.oomKilled });
      return this.#roles.restarts.schedule(reg.get(id) ?? next);
    });
    if (!recorded) return;
    if (status.oomKilled) d.events?.publish({ type: 'container', action: 'oom', id, attributes: containerAttributes(recorded) });
    d.events?.publish({ type: 'container', action: 'die', id, attributes: containerAttributes(recorded, { exitCode: String(status.exitCode) }) });
    this.#ctx.listeners.exited(recorded);
    if (recorded.spec.host.autoRemove) {
      await span('exit: auto-remove', at, () => this.#roles.removal.remove(id, { force: true, volumes: true })).then(() => d.events?.publish({ type: 'container', action: 'destroy', id, attributes: containerAttributes(recorded) }), (err: unknown) => {
        if (!isNotFound(err)) d.log.warn('auto-remove failed', { container: id, err });
      });
    }
  }
}

// Recording a container's exit: state `exited` with its code, its rootfs,
// mounts, networks and runtime state let go (by the removal, for an
// auto-remove container), then the restart policy, the `oom`/`die` events, the
// waiters, and auto-remove (`--rm`).
import { isNotFound } from '../../core/errors.ts';
import type { ExitStatus } from '../../runtime/index.ts';
import { containerAttributes } from './attributes.ts';
import { nowNano } from '../time.ts';
import type { ContainerContext, StoredContainer } from './context.ts';
import { releaseNetwork } from './network-links.ts';
import { releaseRun } from './run-release.ts';
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
      // The network goes beside the rest of the run's release (run-release.ts).
      const networkReleased = span('exit: network release', at, () => releaseNetwork(this.#ctx, id));
      // A container being removed (an --rm one's removal follows at once, an rm -f's is under way)
      // leaves the rest to its removal, which does it after answering (remove.ts's purge).
      const handedOver = c.spec.host.autoRemove || reg.removing.has(id);
      if (!handedOver) await releaseRun(this.#ctx, c);
      await networkReleased;
      d.log.info('container exited', { container: id, exitCode: status.exitCode, oomKilled: status.oomKilled });
      return this.#roles.restarts.schedule(reg.get(id) ?? next);
    });
    if (!recorded) return;
    if (status.oomKilled) d.events?.publish({ type: 'container', action: 'oom', id, attributes: containerAttributes(recorded) });
    d.events?.publish({ type: 'container', action: 'die', id, attributes: containerAttributes(recorded, { exitCode: String(status.exitCode) }) });
    this.#ctx.listeners.exited(recorded);
    // An rm -f under way removes it itself.
    if (recorded.spec.host.autoRemove && !reg.removing.has(id)) {
      await span('exit: auto-remove', at, () => this.#roles.removal.remove(id, { force: true, volumes: true })).then(() => d.events?.publish({ type: 'container', action: 'destroy', id, attributes: containerAttributes(recorded) }), (err: unknown) => {
        if (!isNotFound(err)) d.log.warn('auto-remove failed', { container: id, err });
      });
    }
  }
}

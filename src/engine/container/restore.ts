// berthd's start-up: finishes the removals a crash interrupted (a dead
// container, an --rm one that is not running), re-arms the exit watchers of
// containers still running, records the exits that happened while it was
// away, adopts or clears a start it was interrupted in, then starts the
// containers their restart policy says should run now (docker's rules).
import { access, rm } from 'node:fs/promises';
import { errorMessage } from '../../core/errors.ts';
import type { ExitStatus } from '../../runtime/index.ts';
import { containerAttributes } from './attributes.ts';
import { nowNano, zeroTime } from '../time.ts';
import type { ContainerContext, StoredContainer } from './context.ts';
import { restartOnDaemonStart } from './restart-policy.ts';

export interface RestoreRoles {
  readonly watcher: { watch(id: string): void };
  readonly exits: { onExit(id: string, status: ExitStatus): Promise<void> };
  readonly restarts: { pending(id: string): boolean; restartNow(id: string): Promise<void> };
  readonly lifecycle: { start(id: string): Promise<boolean> };
  readonly removal: { remove(id: string, options: { force: boolean; volumes: boolean }): Promise<void> };
}

export async function restoreContainers(ctx: ContainerContext, roles: RestoreRoles): Promise<void> {
  const { d } = ctx;
  // Image views left by a create or a removal that a crash cut short (the record never made, or gone).
  await d.mounts.sweepImages((id) => ctx.reg.get(id) !== undefined).catch((err: unknown) => d.log.warn('removing leftover image views failed', { err: errorMessage(err) }));
  for (const c of ctx.reg.all()) {
    if (c.state.status === 'dead') {
      // A removal that a crash cut short: dockerd finishes it at start-up, anonymous volumes included.
      d.log.warn('finishing the removal of a dead container', { container: c.id });
      await roles.removal.remove(c.id, { force: true, volumes: true }).catch((err: unknown) => d.log.error('could not remove dead container', { container: c.id, err: errorMessage(err) }));
      continue;
    }
    if (c.state.status === 'created' || c.state.status === 'exited') {
      await restoreInterruptedStart(ctx, roles, c);
      // The network state is written without an fsync (registry.ts): after a power loss an exited
      // record may still hold the endpoints of its last run.
      const cur = ctx.reg.get(c.id);
      if (cur?.network && cur.state.status !== 'running' && cur.state.status !== 'paused') ctx.reg.setNetworkState(cur, undefined);
      // An --rm container that is not running goes, as dockerd's restore removes it (its removal's mark
      // may not have reached the disk before a power loss: remove.ts).
      if (cur?.spec.host.autoRemove && (cur.state.status === 'created' || cur.state.status === 'exited')) {
        d.log.info('removing an --rm container that is not running', { container: c.id });
        await roles.removal.remove(c.id, { force: true, volumes: true }).catch((err: unknown) => d.log.error('could not remove --rm container', { container: c.id, err: errorMessage(err) }));
      }
      continue;
    }
    if (c.state.status !== 'running' && c.state.status !== 'paused') continue;
    try {
      const rt = await ctx.rt(c.id);
      const exit = await rt.exitStatus(c.id);
      const st = exit ? undefined : await rt.state(c.id);
      if (exit) {
        d.log.info('container exited while berthd was down', { container: c.id, exitCode: exit.exitCode });
        await roles.exits.onExit(c.id, exit);
      } else if (st && (st.status === 'running' || st.status === 'paused' || st.status === 'created')) {
        d.log.info('re-attached to running container', { container: c.id, pid: st.pid });
        await d.mounts.reacquire(c);
        roles.watcher.watch(c.id);
        if (!ctx.closed) d.health?.start(c, { keep: true });
      } else {
        // Neither an exit file nor a live process: docker records 255 for a lost container.
        await roles.exits.onExit(c.id, { exitCode: 255, oomKilled: false, finishedAt: nowNano() });
      }
    } catch (err) {
      d.log.error('could not restore container', { container: c.id, err });
    }
  }
  // The removals begun here (dead containers, --rm ones that exited while berthd was away) end before
  // berthd serves: the store it starts with holds no dead record.
  await ctx.purges.settled();
  restartOnDaemonStartAll(ctx, roles);
}

/** Starts the stopped containers whose restart policy says so now that berthd runs (docker's rules). */
function restartOnDaemonStartAll(ctx: ContainerContext, roles: RestoreRoles): void {
  const { d, reg } = ctx;
  for (const c of reg.all()) {
    if (roles.restarts.pending(c.id) || c.spec.host.autoRemove) continue;
    const st = c.state;
    const wanted =
      st.status === 'restarting' ||
      (st.status === 'exited' &&
        st.startedAt !== zeroTime &&
        restartOnDaemonStart({ policy: c.spec.host.restartPolicy, exitCode: st.exitCode, restartCount: c.restartCount, manuallyStopped: c.manuallyStopped ?? false }));
    if (!wanted) continue;
    d.log.info('starting container by its restart policy', { container: c.id, policy: c.spec.host.restartPolicy.name });
    const starting = st.status === 'restarting' ? roles.restarts.restartNow(c.id) : roles.lifecycle.start(c.id).then((started) => {
      const cur = reg.get(c.id);
      if (started && cur) d.events?.publish({ type: 'container', action: 'start', id: c.id, attributes: containerAttributes(cur) });
    });
    starting.catch((err: unknown) => d.log.warn('restart on berthd start failed', { container: c.id, err: errorMessage(err) }));
  }
}

/**
 * berthd died between the runtime starting a container and the record saying
 * so: adopt a live process, clear a dead one's runtime state.
 */
async function restoreInterruptedStart(ctx: ContainerContext, roles: RestoreRoles, c: StoredContainer): Promise<void> {
  const { d } = ctx;
  // Only a start that got as far as writing the bundle can have left a process behind.
  if (!(await access(ctx.bundleDir(c.id)).then(() => true, () => false))) return;
  try {
    const rt = await ctx.rt(c.id);
    const st = await rt.state(c.id);
    if (!st) {
      await rm(ctx.bundleDir(c.id), { recursive: true, force: true });
      return;
    }
    if (st.status === 'running' || st.status === 'paused') {
      d.log.warn('adopting a container started just before berthd stopped', { container: c.id, pid: st.pid });
      ctx.reg.setState(c, { status: 'running', pid: st.pid, startedAt: nowNano(), finishedAt: zeroTime, exitCode: 0, error: '' });
      roles.watcher.watch(c.id);
    } else {
      await rt.delete(c.id, { force: true });
      await rt.cleanup(c.id);
      await d.snapshotter.unmountRootfs(c.id);
      await rm(ctx.bundleDir(c.id), { recursive: true, force: true });
    }
  } catch (err) {
    d.log.error('could not restore container', { container: c.id, err });
  }
}

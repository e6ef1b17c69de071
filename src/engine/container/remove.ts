// Removing a container: the guards of docker rm (a running or restarting one
// needs force), then its process, rootfs, mounts, networks, bundle and record
// go, and with `volumes` its anonymous volumes too. As dockerd does, the
// record is first marked dead and saved: a crash part way leaves a dead
// container (that nothing starts, and that berthd's next start removes),
// never a record whose rootfs is gone (the files go once the mark is on
// disk). The answer comes once the container is gone for users (its id, name,
// networks and volumes); its runtime state, rootfs and bundle go after it, in
// the context's PurgeQueue.
import { access, rm } from 'node:fs/promises';
import { conflict } from '../../core/errors.ts';
import { crashPoint } from '../../lib/crash-point.ts';
import type { Container } from '../../core/types.ts';
import type { ContainerRuntime } from '../../runtime/index.ts';
import type { ContainerContext, StoredContainer } from './context.ts';
import { releaseNetwork } from './network-links.ts';
import { releaseRun } from './run-release.ts';
import { span, spanSync } from '../../lib/index.ts';

export interface RemoveRoles {
  readonly stopper: { markManuallyStopped(id: string, options?: { durable?: boolean }): void; stopRunning(c: Container, signal: string, timeout: number): Promise<void> };
  readonly restarts: { cancel(id: string): StoredContainer | undefined };
  readonly watcher: { unwatch(id: string): void };
  readonly attaches: { endPending(id: string): void };
}

export class ContainerRemoval {
  readonly #ctx: ContainerContext;
  readonly #roles: RemoveRoles;

  constructor(ctx: ContainerContext, roles: RemoveRoles) {
    this.#ctx = ctx;
    this.#roles = roles;
  }

  /** Conflict when running or restarting and not force (docker's texts). */
  async remove(idOrName: string, options: { force?: boolean; volumes?: boolean; purged?: boolean } = {}): Promise<void> {
    const { reg, d, listeners } = this.#ctx;
    let c = reg.find(idOrName);
    if (reg.removing.has(c.id)) throw conflict(`removal of container ${idOrName} is already in progress`);
    if (c.state.status === 'restarting') {
      if (!options.force) throw conflict(`You cannot remove a restarting container ${c.id}. Stop the container before attempting removal or force remove`);
      c = this.#roles.restarts.cancel(c.id) ?? c;
    }
    const running = c.state.status === 'running' || c.state.status === 'paused';
    if (running && !options.force) {
      throw conflict(`You cannot remove a running container ${c.id}. Stop the container before attempting removal or force remove`);
    }
    const id = c.id;
    // From here its exit, if it has one, leaves the run's release to this removal (exit.ts).
    reg.removing.add(id);
    let retired = false;
    let purged: Promise<void> | undefined;
    try {
      if (running) {
        this.#roles.stopper.markManuallyStopped(id, { durable: false });
        await this.#roles.stopper.stopRunning(c, 'SIGKILL', 0);
      }
      await reg.lock.run(id, async () => {
        c = reg.find(id);
        if (c.state.status === 'running') throw conflict(`You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`);
        purged = this.#ctx.purges.add(await this.#retire(c));
        retired = true;
        if (options.volumes) await d.mounts.removeAnonymous(c, (name) => reg.volumeUsers(name).length > 0);
      });
    } catch (err) {
      if (!retired) await this.#releaseIfExited(id);
      throw err;
    } finally {
      reg.removing.delete(id);
    }
    // The container is gone for users: waiters (docker run --rm) hear it now; its files go after the answer.
    listeners.exited(c);
    listeners.removed(c);
    if (options.purged) await purged;
  }

  /** A removal that failed after the container's exit: that exit left its run's release to it. */
  async #releaseIfExited(id: string): Promise<void> {
    const { reg } = this.#ctx;
    await reg.lock.run(id, async () => {
      const c = reg.get(id);
      if (c?.state.status !== 'exited' || !(await access(this.#ctx.bundleDir(id)).then(() => true, () => false))) return;
      await releaseRun(this.#ctx, c).catch((err: unknown) => this.#ctx.d.log.warn('releasing the run after a failed removal failed', { container: id, err }));
    });
  }

  /**
   * What users see of a removal: the record durably dead, its volumes, mounts
   * and networks let go, its id and name gone. Returns the purge, which removes
   * the rest (the runtime's state, the rootfs, the bundle, the record's row).
   */
  async #retire(c: StoredContainer): Promise<() => Promise<void>> {
    const { reg, d } = this.#ctx;
    const id = c.id;
    const at = { container: id.slice(0, 12) };
    this.#roles.attaches.endPending(id);
    d.health?.stop(id);
    this.#roles.watcher.unwatch(id);
    // Dead before anything goes (dockerd's order): a crash before the purge ends leaves it for berthd's
    // restore to remove. The answer needs it committed; the purge, which removes what the record points
    // at, waits until it is on disk too. A power loss between the two finds the container as it was
    // before the removal, with all its files (an --rm one is then removed by the restore, as by dockerd's).
    const marked = c.state.status === 'dead' ? { record: c, durable: Promise.resolve() } : spanSync('rm: record dead', at, () => reg.setStateCommitted(reg.get(id) ?? c, { status: 'dead', pid: 0 }));
    const dead = marked.record;
    marked.durable.catch(() => undefined); // (the purge below meets a failure)
    crashPoint('container.rm.dead');
    const rt = await this.#ctx.rt(id);
    // A port, an address or a volume of the container is free when the answer comes.
    await span('rm: release mounts', at, () => d.mounts.release(c));
    await span('rm: network release', at, () => releaseNetwork(this.#ctx, id));
    reg.retire(reg.get(id) ?? dead);
    d.log.info('container removed', { container: id });
    return () =>
      marked.durable.then(() => this.#purge(c, rt)).catch((err: unknown) => {
        d.log.warn('finishing the removal failed; the container is listed as dead until removed again', { container: id, err });
        reg.unretire(id);
      });
  }

  /** The removal's rest, once the container is gone for users (a PurgeQueue runs it). */
  async #purge(c: Container, rt: ContainerRuntime): Promise<void> {
    const { reg, d } = this.#ctx;
    const id = c.id;
    const at = { container: id.slice(0, 12) };
    // No bundle means the runtime holds nothing of this container: it never started, or its exit's
    // clean-up already deleted it (exit.ts removes the bundle only after the runtime's delete, and a
    // start writes it before the runtime's create), so a second `runtime delete` is skipped.
    if (await access(this.#ctx.bundleDir(id)).then(() => true, () => false)) await span('rm: runtime delete', at, () => rt.delete(id, { force: true }));
    await span('rm: runtime cleanup', at, () => rt.cleanup(id));
    await span('rm: remove rootfs', at, () => d.snapshotter.removeRootfs(id));
    await span('rm: remove image views', at, () => d.mounts.dropImages(id));
    crashPoint('container.rm.rootfs-removed');
    await span('rm: remove bundle', at, () => rm(this.#ctx.bundleDir(id), { recursive: true, force: true }));
    spanSync('rm: delete record', at, () => reg.delete(c));
    // The record is gone; leftover files only waste space.
    await span('rm: remove container dir', at, () => rm(this.#ctx.containerDir(id), { recursive: true, force: true })).catch((err: unknown) => d.log.warn('removing container dir failed', { container: id, err }));
    // Layers of an image removed with --force (its own, or one it mounted) were kept for this container; free them now.
    const imageIds = [c.imageId, ...(c.mountPoints ?? []).flatMap((m) => (m.image ? [m.image.id] : []))];
    const gone = async () => (await Promise.all(imageIds.map((i) => d.images.get(i).then(() => false, () => true)))).some(Boolean);
    if (await span('rm: images still there?', at, gone)) {
      await d.images.gc({ layerInUse: (chain) => reg.layerInUse(chain) }).catch((err: unknown) => d.log.warn('layer gc failed', { err }));
    }
  }
}

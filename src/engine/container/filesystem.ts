// Access to a container's filesystem for cp, export, diff and commit: a
// running or paused container through /proc/<pid>/root, which shows its own
// mounts; any other under its lock with the rootfs mounted for the call and
// its binds and volumes crossed by hand, so that a start cannot race the mount.
import { stat } from 'node:fs/promises';
import { isNotFound } from '../../core/errors.ts';
import type { ContainerContext, StoredContainer } from './context.ts';
import type { ContainerFsView } from './fs-view.ts';

export async function withFilesystem<T>(ctx: ContainerContext, idOrName: string, fn: (view: ContainerFsView) => Promise<T>): Promise<T> {
  const { reg, d } = ctx;
  const { id } = reg.find(idOrName);
  const live = (c: StoredContainer) => (c.state.status === 'running' || c.state.status === 'paused') && c.state.pid > 0;
  const cur = reg.find(id);
  const lowerChain = cur.lowerChain ?? ctx.lowerChain(await d.images.get(cur.imageId));
  const { merged, upper, lower } = d.snapshotter.rootfsPaths(id, lowerChain);
  if (live(cur)) return fn({ container: cur, root: `/proc/${cur.state.pid}/root`, mounts: [], merged, upper, lower, running: true });
  return reg.lock.run(id, async () => {
    const c = reg.find(id);
    if (live(c)) return fn({ container: c, root: `/proc/${c.state.pid}/root`, mounts: [], merged, upper, lower, running: true });
    // As start does: layers kept only as blobs (a load) are unpacked before the overlay can mount them.
    await d.images.ensureUnpacked(c.imageId).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
    const root = await d.snapshotter.mountRootfs(id, lowerChain);
    try {
      const mounts = (c.mountPoints ?? []).filter((m) => m.type !== 'tmpfs' && m.source !== '').map((m) => ({ destination: m.destination, source: m.source, rw: m.rw }));
      // Once started, the container's own /etc/hostname, /etc/hosts and /etc/resolv.conf, as a running
      // one sees them (dockerd's archive of a stopped container shows them too), unless a bind covers them.
      const started = c.state.startedAt !== '' && c.state.startedAt !== '0001-01-01T00:00:00Z';
      for (const [destination, source] of [['/etc/hostname', c.hostnamePath], ['/etc/hosts', c.hostsPath], ['/etc/resolv.conf', c.resolvConfPath]] as const) {
        if (started && source && !mounts.some((m) => m.destination === destination) && (await stat(source).then((st) => st.isFile(), () => false))) mounts.push({ destination, source, rw: true });
      }
      return await fn({ container: c, root, mounts, merged: root, upper, lower, running: false });
    } finally {
      // Best effort: a mount left behind is unmounted by the next start/exit/remove.
      await d.snapshotter.unmountRootfs(id).catch((err: unknown) => d.log.warn('unmount after file access failed', { container: id, err }));
    }
  });
}

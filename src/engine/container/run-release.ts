// What a container's run holds once its process is gone, let go: the rootfs
// mount, its volumes, the runtime's state (and cgroup) and the bundle. An
// exit does this at once (exit.ts); the exit of a container being removed
// leaves it to the removal's purge (remove.ts), unless the removal fails.
import { rm } from 'node:fs/promises';
import type { ContainerContext, StoredContainer } from './context.ts';
import { span } from '../../lib/index.ts';

export async function releaseRun(ctx: ContainerContext, c: StoredContainer): Promise<void> {
  const { d } = ctx;
  const id = c.id;
  const at = { container: id.slice(0, 12) };
  // The rootfs unmounts while the runtime forgets the container: the process is gone, so neither
  // needs the other (the rootfs mount is berthd's, in the host's mount namespace; the runtime's
  // delete removes its state and the cgroup).
  const unmounted = span('exit: unmount rootfs', at, () => d.snapshotter.unmountRootfs(id))
    .catch((err: unknown) => d.log.warn('unmount after exit failed', { container: id, err }))
    .then(() => span('exit: release mounts', at, () => d.mounts.release(c)));
  unmounted.catch(() => undefined); // awaited below
  const rt = await ctx.rt(id);
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
  if (cleaned) await span('exit: remove bundle', at, () => rm(ctx.bundleDir(id), { recursive: true, force: true })).catch(() => undefined);
  await unmounted;
}

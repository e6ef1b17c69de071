// A container's filesystem as its processes see it, for `cp` and friends: a
// root directory on the host plus the binds/volumes mounted over it, and the
// path resolution that keeps every lookup inside that tree (symlinks followed
// as if the root were `/`, `..` stopping at it, mount points crossed into
// their sources).
import { isSymlinkLoop, resolvePathInRoot } from '../../lib/in-root-path.ts';
import { posix } from 'node:path';
import { invalidArgument } from '../../core/errors.ts';
import type { Container } from '../../core/types.ts';

export interface ContainerFsView {
  readonly container: Container;
  /** Host directory that is the container's `/` (`/proc/<pid>/root` while running, the mounted rootfs otherwise). */
  readonly root: string;
  /** Mounts to cross by hand (stopped containers only; a running one's root already shows them). */
  readonly mounts: readonly { readonly destination: string; readonly source: string; readonly rw: boolean }[];
  /** The overlay merged dir (mounted for the view's lifetime) and the upper dir. */
  readonly merged: string;
  readonly upper: string;
  /** The image's layer dirs, top first (what the upper dir is compared against). */
  readonly lower: readonly string[];
  readonly running: boolean;
}

/** Host path of a container path that holds no symlinks (absolute, normalised). */
export function hostPath(view: Pick<ContainerFsView, 'root' | 'mounts'>, containerPath: string): string {
  let best: { destination: string; source: string } | undefined;
  for (const m of view.mounts) {
    const d = m.destination.replace(/\/+$/, '') || '/';
    if (containerPath === d || containerPath.startsWith(d === '/' ? '/' : `${d}/`)) {
      if (!best || d.length > best.destination.length) best = { destination: d, source: m.source };
    }
  }
  if (best) return posix.join(best.source, containerPath.slice(best.destination.length));
  return posix.join(view.root, containerPath);
}

/**
 * Resolves `path` (taken as absolute in the container) to its container path
 * with every symlink followed inside the view; the last component is followed
 * only when `followLast`. Missing components are kept as they are.
 */
export async function resolveContainerPath(view: Pick<ContainerFsView, 'root' | 'mounts'>, path: string, options: { followLast: boolean }): Promise<string> {
  try {
    return await resolvePathInRoot(view.root, path, { followLast: options.followLast, hostPath: (p) => hostPath(view, p) });
  } catch (err) {
    if (isSymlinkLoop(err)) throw invalidArgument(err.message, err);
    throw err;
  }
}

// A container's filesystem as cp, export, diff and commit see it: the overlay
// dirs on the host (diff and commit read the upper dir of a container that is
// paused or stopped), and for everything a container can change under our
// feet, the files agent (fs-agent.ts), which makes every call inside the
// container's root. Path names are resolved there too (symlinks followed as if
// the root were `/`, `..` stopping at it), through the agent's lookups.
import { isSymlinkLoop, resolvePathInRoot } from '../../lib/in-root-path.ts';
import { invalidArgument } from '../../core/errors.ts';
import type { Container } from '../../core/types.ts';
import { isInRootError, type InRootFs } from './fs-agent.ts';

/** The two roots the agent works in. */
export interface ContainerFiles {
  /** The container as its processes see it: its rootfs with its volumes and binds (and, running, its kernel filesystems). */
  readonly view: InRootFs;
  /** Its rootfs alone, as the overlay holds it: no volumes, no kernel filesystems. */
  readonly base: InRootFs;
}

export interface ContainerFsView {
  readonly container: Container;
  /** The overlay merged dir (mounted for the view's lifetime) and the upper dir. */
  readonly merged: string;
  readonly upper: string;
  /** The image's layer dirs, top first (what the upper dir is compared against). */
  readonly lower: readonly string[];
  readonly running: boolean;
  /** The agent's roots: started on the first call, ended with the view. */
  files(): Promise<ContainerFiles>;
}

/**
 * Resolves `path` (taken as absolute in the container) to its container path
 * with every symlink followed inside `fs`'s root; the last component is
 * followed only when `followLast`. Missing components are kept as they are.
 * The answer is a name, not a promise: the container may change the tree
 * before the caller uses it, which only ever leads inside the root.
 */
export async function resolveContainerPath(fs: InRootFs, path: string, options: { followLast: boolean }): Promise<string> {
  const lookups = {
    lstat: (p: string) =>
      fs.lstat(p).catch((err: unknown) => {
        if (isInRootError(err)) return undefined;
        throw err;
      }),
    readlink: (p: string) => fs.readlink(p),
  };
  try {
    return await resolvePathInRoot('/', path, { followLast: options.followLast, hostPath: (p) => p, fs: lookups });
  } catch (err) {
    if (isSymlinkLoop(err)) throw invalidArgument(err.message, err);
    throw err;
  }
}

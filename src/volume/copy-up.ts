// Copy-up: the first mount of an empty volume receives what the image has at
// the mount's path (files, ownership, modes, xattrs, and the directory's own
// owner and mode), as docker does. `cp -a` keeps all of that. The path is
// resolved inside the container's rootfs, symlinks included, so that an
// image cannot point the copy at the host's files.
import { lstat, readdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { invalidArgument } from '../core/errors.ts';
import { runTool } from '../lib/run-tool.ts';
import { hostPathInRoot, isSymlinkLoop } from '../lib/in-root-path.ts';

/**
 * `path` (absolute, container view) resolved under `root` with every symlink
 * kept inside `root` (docker's FollowSymlinkInScope: the path is cleaned
 * lexically first, then resolved). InvalidArgument for a symlink loop.
 */
export async function resolveInRoot(root: string, path: string): Promise<string> {
  try {
    return await hostPathInRoot(root, posix.normalize(path));
  } catch (err) {
    if (isSymlinkLoop(err)) throw invalidArgument(`too many links in ${path}`, err);
    throw err;
  }
}

/** Copies `path` of the rootfs into the empty directory `target`; false when the image has no directory there. */
export async function copyUp(rootfs: string, path: string, target: string): Promise<boolean> {
  const source = await resolveInRoot(rootfs, path);
  const st = await lstat(source).catch(() => undefined);
  if (!st?.isDirectory()) return false;
  if ((await readdir(target)).length > 0) return false;
  // `src/.` onto an existing dir: contents plus the directory's own attributes.
  await runTool('cp', ['-a', '--', `${source}/.`, target]);
  return true;
}

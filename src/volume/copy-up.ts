// Copy-up: the first mount of an empty volume receives what the image has at
// the mount's path (files, ownership, modes, xattrs, and the directory's own
// owner and mode), as docker does. `cp -a` keeps all of that. The path is
// resolved inside the container's rootfs, symlinks included, so that an
// image cannot point the copy at the host's files.
//
// A crash must not leave a half-filled volume that later starts take for a
// filled one (a volume that holds anything is never copied into again): the
// copy goes to a staging directory inside the volume, which is renamed to
// mark it complete, and only then are its entries moved up. The next copy-up
// drops an incomplete staging directory and finishes a complete one.
import { chmod, chown, lstat, readdir, rename, rm, rmdir, utimes } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { invalidArgument } from '../core/errors.ts';
import { crashPoint } from '../lib/crash-point.ts';
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

/** Staging names inside the volume: being copied, and copied completely. */
const partialName = '.berth-copy-up.partial';
const doneName = '.berth-copy-up.done';

/**
 * Copies `path` of the rootfs into the empty directory `target`; false when
 * the image has no directory there or `target` holds anything. A copy-up a
 * crash cut short is undone (still copying) or finished (copied) first.
 */
export async function copyUp(rootfs: string, path: string, target: string): Promise<boolean> {
  const partial = join(target, partialName);
  const done = join(target, doneName);
  if (await lstat(done).then(() => true, () => false)) {
    await moveUp(done, target);
    return true;
  }
  await rm(partial, { recursive: true, force: true });
  if ((await readdir(target)).length > 0) return false;
  const source = await resolveInRoot(rootfs, path);
  const st = await lstat(source).catch(() => undefined);
  if (!st?.isDirectory()) return false;
  // `src/.` onto a new dir: contents plus the directory's own attributes.
  await runTool('cp', ['-a', '--', `${source}/.`, partial]);
  crashPoint('volume.copy-up.copied');
  await rename(partial, done);
  await moveUp(done, target);
  return true;
}

/** Moves a complete staging directory's entries into `target` and gives `target` its attributes. */
async function moveUp(staged: string, target: string): Promise<void> {
  const st = await lstat(staged);
  await chown(target, st.uid, st.gid);
  await chmod(target, st.mode & 0o7777);
  let moved = 0;
  for (const name of await readdir(staged)) {
    await rename(join(staged, name), join(target, name));
    if (++moved === 1) crashPoint('volume.copy-up.moving');
  }
  await rmdir(staged);
  await utimes(target, st.atime, st.mtime);
}

// Copy-up: the first mount of an empty volume receives what the image has at
// the mount's path (files, ownership, modes, xattrs, and the directory's own
// owner and mode), as docker does. `cp -a` keeps all of that. The path is
// resolved inside the container's rootfs, symlinks included, so that an
// image cannot point the copy at the host's files.
import { lstat, readdir, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { invalidArgument } from '../core/errors.ts';
import { runTool } from '../lib/run-tool.ts';

/** `path` (absolute, container view) resolved under `root` with every symlink kept inside `root` (docker's FollowSymlinkInScope). */
export async function resolveInRoot(root: string, path: string): Promise<string> {
  let pending = posix.normalize(path).split('/').filter(Boolean);
  let done: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const here = posix.join(root, ...done, part);
    const st = await lstat(here).catch(() => undefined);
    if (!st?.isSymbolicLink()) {
      done.push(part);
      continue;
    }
    if (++hops > 40) throw invalidArgument(`too many links in ${path}`);
    const target = await readlink(here);
    const parts = target.split('/').filter(Boolean);
    if (target.startsWith('/')) done = [];
    pending = [...parts, ...pending];
  }
  return posix.join(root, ...done);
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

// lib: resolving a path inside a root directory the way a process chrooted
// there would see it — symlinks followed with the root as `/` (an absolute
// target restarts at the root, `..` stops at it), so a lookup never leaves the
// tree. Security code: the image's files (/etc/passwd) and `docker cp` paths
// are attacker-controlled; this is the one copy of the rule in berth.
import { lstat, readlink } from 'node:fs/promises';
import { posix } from 'node:path';

/** The most symlinks one resolution follows before it fails with ELOOP. */
export const maxSymlinkHops = 255;

export interface InRootOptions {
  /** Follow a symlink in the last component too (default true; false is `lstat`-like). */
  readonly followLast?: boolean;
  /**
   * The host path of an in-root path that holds no symlinks (absolute,
   * normalised). Default: the path under `root`. A container view maps mount
   * points to their sources here.
   */
  readonly hostPath?: (inRootPath: string) => string;
}

/** The error for a symlink chain that does not end (or is longer than maxSymlinkHops): code ELOOP, as the kernel's. */
export class SymlinkLoopError extends Error {
  override name = 'SymlinkLoopError';
  readonly code = 'ELOOP';
  constructor(path: string) {
    super(`too many levels of symbolic links in "${path}"`);
  }
}

export function isSymlinkLoop(err: unknown): err is SymlinkLoopError {
  return err instanceof SymlinkLoopError;
}

const segments = (p: string): string[] => p.split('/').filter((s) => s !== '' && s !== '.');

/**
 * Resolves `path` (taken as absolute inside `root`) to the in-root path with
 * every symlink followed inside the root (`/a/b`, never holding `..`).
 * Missing components are kept as they are, so the caller's own open fails
 * with ENOENT. Throws SymlinkLoopError after maxSymlinkHops links.
 */
export async function resolvePathInRoot(root: string, path: string, options: InRootOptions = {}): Promise<string> {
  const followLast = options.followLast ?? true;
  const hostPath = options.hostPath ?? ((p: string) => posix.join(root, p));
  const parts = segments(path);
  const resolved: string[] = [];
  let links = 0;
  while (parts.length > 0) {
    const part = parts.shift() as string;
    if (part === '..') {
      // `resolved` holds no symlinks, so going up is lexical; at the root it stays there.
      resolved.pop();
      continue;
    }
    if (parts.length === 0 && !followLast) {
      resolved.push(part);
      break;
    }
    const host = hostPath(`/${[...resolved, part].join('/')}`);
    const st = await lstat(host).catch(() => undefined);
    if (!st?.isSymbolicLink()) {
      resolved.push(part);
      continue;
    }
    if (++links > maxSymlinkHops) throw new SymlinkLoopError(path);
    const target = await readlink(host);
    if (target.startsWith('/')) resolved.length = 0;
    parts.unshift(...segments(target));
  }
  return `/${resolved.join('/')}`;
}

/** The host path under `root` for `path` resolved inside it (symlinks followed, never out of `root`). */
export async function hostPathInRoot(root: string, path: string, options: Omit<InRootOptions, 'hostPath'> = {}): Promise<string> {
  return posix.join(root, ...segments(await resolvePathInRoot(root, path, options)));
}

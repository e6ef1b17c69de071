// lib: resolving a path inside a root directory the way a process chrooted
// there would see it — symlinks followed with the root as `/` (an absolute
// target restarts at the root, `..` stops at it), so a lookup never leaves the
// tree. Security code: the image's files (/etc/passwd) are attacker-controlled;
// this is the one copy of the rule in berth's own code (read-in-root.ts has the
// kernel apply it, through openat2's RESOLVE_IN_ROOT, where it can). It is safe only on a tree nobody
// changes meanwhile (an image's rootfs that no container runs on): between its
// lstat and the caller's open, a running container can swap a directory for a
// symlink. `docker cp` therefore asks it only for the name a path resolves to,
// through `fs`, with every lookup made by the kernel inside the container's
// root (engine/container/fs-agent.ts).
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
  /** How paths (as hostPath returns them) are looked at; default the host's lstat and readlink. */
  readonly fs?: InRootLookups;
}

/** The two lookups resolution needs. lstat answers undefined for a path that is not there. */
export interface InRootLookups {
  lstat(path: string): Promise<{ isSymbolicLink(): boolean } | undefined>;
  readlink(path: string): Promise<string>;
}

const hostLookups: InRootLookups = {
  lstat: (path) => lstat(path).catch(() => undefined),
  readlink: (path) => readlink(path),
};

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
  const fs = options.fs ?? hostLookups;
  const parts = segments(path);
  const resolved: string[] = [];
  let links = 0;
  // The lstats of the components ahead, asked side by side: a path without symlinks resolves in one round
  // instead of one per component. A result is the tree's answer for that host path whichever way it was
  // reached, so one asked ahead and reached later is as good as one asked then.
  const ahead = new Map<string, Promise<{ isSymbolicLink(): boolean } | undefined>>();
  const lstatAhead = (from: string[]): void => {
    const at = [...resolved];
    for (let i = 0; i < from.length; i++) {
      const next = from[i] as string;
      if (next === '..' || (i === from.length - 1 && !followLast)) break;
      at.push(next);
      const host = hostPath(`/${at.join('/')}`);
      if (ahead.has(host)) continue;
      const asked = fs.lstat(host);
      asked.catch(() => undefined); // (awaited where it is reached)
      ahead.set(host, asked);
    }
  };
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
    if (!ahead.has(host)) lstatAhead([part, ...parts]);
    const st = await (ahead.get(host) ?? fs.lstat(host));
    if (!st?.isSymbolicLink()) {
      resolved.push(part);
      continue;
    }
    if (++links > maxSymlinkHops) throw new SymlinkLoopError(path);
    const target = await fs.readlink(host);
    if (target.startsWith('/')) resolved.length = 0;
    parts.unshift(...segments(target));
  }
  return `/${resolved.join('/')}`;
}

/** The host path under `root` for `path` resolved inside it (symlinks followed, never out of `root`). */
export async function hostPathInRoot(root: string, path: string, options: Omit<InRootOptions, 'hostPath' | 'fs'> = {}): Promise<string> {
  return posix.join(root, ...segments(await resolvePathInRoot(root, path, options)));
}

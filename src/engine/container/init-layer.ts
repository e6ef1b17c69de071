// What dockerd's init layer puts into every container's root filesystem:
// /.dockerenv (by which programs tell they run in a container), /etc/mtab as a
// link to /proc/mounts, and the mount points of /dev, /proc, /sys and the
// /etc files. docker keeps them in a layer of their own between the image and
// the container's writable layer; berth writes them into the writable layer at
// create, where they shadow the image's as docker's layer does, and diff and
// commit leave them out (runtimeMountPoints).
import { readlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { FsOp } from '../../lib/index.ts';

/** docker's initlayer.Setup entries: `dir`, `file` (empty, mode 0755), or a symlink target. */
const initEntries: readonly (readonly [path: string, kind: string])[] = [
  ['/dev/pts', 'dir'],
  ['/dev/shm', 'dir'],
  ['/proc', 'dir'],
  ['/sys', 'dir'],
  ['/.dockerenv', 'file'],
  ['/etc/resolv.conf', 'file'],
  ['/etc/hosts', 'file'],
  ['/etc/hostname', 'file'],
  ['/dev/console', 'file'],
  ['/etc/mtab', '/proc/mounts'],
];

/**
 * The init layer's entries as file ops relative to a new container's empty
 * writable layer: their parents first, then the entries. An entry already
 * there is replaced, never followed (O_EXCL and symlink(2) refuse it; it is
 * removed and made anew).
 */
export function initLayerOps(): FsOp[] {
  const parents = [...new Set(initEntries.map(([path]) => dirname(path)))].filter((d) => d !== '/');
  const rel = (path: string) => path.slice(1);
  return [
    ...parents.map((d): FsOp => ({ op: 'mkdir', path: rel(d), mode: 0o755, parents: true })),
    ...initEntries.map(([path, kind]): FsOp => {
      if (kind === 'dir') return { op: 'mkdir', path: rel(path), mode: 0o755, parents: true };
      if (kind === 'file') return { op: 'write', path: rel(path), data: '', mode: 0o755, replace: true };
      return { op: 'symlink', path: rel(path), target: kind, replace: true };
    }),
  ];
}

/**
 * Bytes of the init layer's entries still in `upper` as written (the /etc/mtab
 * link; the files are empty): docker's SizeRw does not count its init layer.
 */
export async function initLayerSize(upper: string): Promise<number> {
  const mtab = await readlink(join(upper, 'etc/mtab')).catch(() => undefined);
  return mtab === '/proc/mounts' ? Buffer.byteLength(mtab) : 0;
}

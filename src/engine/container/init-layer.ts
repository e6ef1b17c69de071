// What dockerd's init layer puts into every container's root filesystem:
// /.dockerenv (by which programs tell they run in a container), /etc/mtab as a
// link to /proc/mounts, and the mount points of /dev, /proc, /sys and the
// /etc files. docker keeps them in a layer of their own between the image and
// the container's writable layer; berth writes them into the writable layer at
// create, where they shadow the image's as docker's layer does, and diff and
// commit leave them out (runtimeMountPoints).
import { mkdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

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

/** Writes the init layer's entries into `upper` (a new container's empty writable layer). */
export async function writeInitLayer(upper: string): Promise<void> {
  for (const [path, kind] of initEntries) {
    const target = join(upper, path);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    if (kind === 'dir') {
      await mkdir(target, { recursive: true, mode: 0o755 });
      continue;
    }
    await rm(target, { force: true });
    if (kind === 'file') await writeFile(target, '', { mode: 0o755 });
    else await symlink(kind, target);
  }
}

/**
 * Bytes of the init layer's entries still in `upper` as written (the /etc/mtab
 * link; the files are empty): docker's SizeRw does not count its init layer.
 */
export async function initLayerSize(upper: string): Promise<number> {
  const mtab = await readlink(join(upper, 'etc/mtab')).catch(() => undefined);
  return mtab === '/proc/mounts' ? Buffer.byteLength(mtab) : 0;
}

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

/**
 * Writes the init layer's entries into `upper` (a new container's empty
 * writable layer): their parents first, then all entries at once (one round
 * of file-system calls instead of one after another). An entry already there
 * is replaced.
 */
export async function writeInitLayer(upper: string): Promise<void> {
  const parents = [...new Set(initEntries.map(([path]) => dirname(path)))].filter((d) => d !== '/');
  await Promise.all(parents.map((d) => mkdir(join(upper, d), { recursive: true, mode: 0o755 })));
  await Promise.all(
    initEntries.map(async ([path, kind]) => {
      const target = join(upper, path);
      if (kind === 'dir') {
        await mkdir(target, { recursive: true, mode: 0o755 });
        return;
      }
      // O_EXCL (and symlink(2)) never follow what is there: only then is it removed first.
      const make = () => (kind === 'file' ? writeFile(target, '', { mode: 0o755, flag: 'wx' }) : symlink(kind, target));
      await make().catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
        await rm(target, { force: true });
        await make();
      });
    }),
  );
}

/**
 * Bytes of the init layer's entries still in `upper` as written (the /etc/mtab
 * link; the files are empty): docker's SizeRw does not count its init layer.
 */
export async function initLayerSize(upper: string): Promise<number> {
  const mtab = await readlink(join(upper, 'etc/mtab')).catch(() => undefined);
  return mtab === '/proc/mounts' ? Buffer.byteLength(mtab) : 0;
}

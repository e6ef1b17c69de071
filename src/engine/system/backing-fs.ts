// The name dockerd gives the filesystem under its data root in `docker info`
// ("Backing Filesystem"), from the statfs magic number, as moby's
// graphdriver.FsNames has it.
import { statfs } from 'node:fs/promises';

const fsNames: ReadonlyMap<number, string> = new Map([
  [0x61756673, 'aufs'],
  [0x9123683e, 'btrfs'],
  [0x28cd3d45, 'cramfs'],
  [0xf15f, 'ecryptfs'],
  [0xef53, 'extfs'],
  [0xf2f52010, 'f2fs'],
  [0x65735546, 'fuse'],
  [0x47504653, 'gpfs'],
  [0x72b6, 'jffs2'],
  [0x3153464a, 'jfs'],
  [0x6969, 'nfs'],
  [0x794c7630, 'overlayfs'],
  [0x858458f6, 'ramfs'],
  [0x52654973, 'reiserfs'],
  [0x517b, 'smb'],
  [0x73717368, 'squashfs'],
  [0x01021994, 'tmpfs'],
  [0xa501fcf5, 'vxfs'],
  [0x58465342, 'xfs'],
  [0x2fc12fc1, 'zfs'],
]);

/** dockerd's name for a statfs magic number; `<unknown>` for one it does not know, as dockerd. */
export function fsName(magic: number): string {
  return fsNames.get(magic >>> 0) ?? '<unknown>';
}

/** The backing filesystem of `path` in dockerd's words. */
export async function backingFilesystem(path: string): Promise<string> {
  return fsName((await statfs(path)).type);
}

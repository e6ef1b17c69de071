// Marks the snapshots directory as the top of directory hierarchies (ext4's
// FS_TOPDIR_FL, `chattr +T`), so that ext4's Orlov allocator spreads each layer
// directory made in it (a pull's or a load's staging dir) to a block group of
// its own with free inodes, instead of packing every layer into the flex group
// of the data root. It matters most on an ext4 without a journal (as this
// project's VMs have): there, allocating an inode skips every inode of the
// group freed within the last minute (ext4's recently_deleted(), scanned from
// the group's first inode on every create), so a layer unpacked right after
// another layer was removed from the same group pays a scan per file — GNU
// `tar -x` of the 218 MB Debian layer took 2.0-3.0 s of system time there,
// and 0.22 s under a +T parent (bench/README.md, pull). The flag changes where
// inodes go, nothing a reader sees. Best effort: a file system without the
// flag (xfs, btrfs, tmpfs) refuses it and nothing changes.
import { log } from '../lib/logger.ts';
import { runTool } from '../lib/run-tool.ts';

export async function markTopDir(dir: string): Promise<void> {
  try {
    await runTool('chattr', ['+T', dir]);
  } catch (err) {
    log.debug('cannot mark the snapshots directory as a top directory (chattr +T)', { dir, error: err });
  }
}

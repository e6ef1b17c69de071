// A container's filesystem numbers: bytes its writable layer holds (the
// overlay upper directory, walked as `du` walks it: allocated blocks, each
// inode once) and the size and inodes of the filesystem that layer is on
// (statfs), labelled with that filesystem's device.
import { lstat, opendir, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { filesystemDevice } from './devices.ts';
import type { Sample } from './sample.ts';

/** Bytes allocated under `dir` (st_blocks × 512), hard links counted once, not crossing into other filesystems. */
export async function diskUsage(dir: string): Promise<bigint> {
  const root = await lstat(dir, { bigint: true });
  const seen = new Set<bigint>();
  let total = 0n;
  const walk = async (path: string): Promise<void> => {
    const st = await lstat(path, { bigint: true }).catch(() => undefined);
    if (st === undefined || st.dev !== root.dev) return;
    if (st.nlink > 1n && !st.isDirectory()) {
      if (seen.has(st.ino)) return;
      seen.add(st.ino);
    }
    total += st.blocks * 512n;
    if (!st.isDirectory()) return;
    const d = await opendir(path).catch(() => undefined);
    if (d === undefined) return;
    for await (const entry of d) await walk(join(path, entry.name));
  };
  await walk(dir);
  return total;
}

export async function collectFilesystem(upperDir: string): Promise<Sample[]> {
  const [usage, fs, device] = await Promise.all([diskUsage(upperDir), statfs(upperDir, { bigint: true }), filesystemDevice(upperDir)]);
  const extra = [device ?? upperDir];
  return [
    { name: 'container_fs_usage_bytes', value: usage, extra },
    { name: 'container_fs_limit_bytes', value: fs.blocks * fs.bsize, extra },
    { name: 'container_fs_inodes_total', value: fs.files, extra },
    { name: 'container_fs_inodes_free', value: fs.ffree, extra },
  ];
}

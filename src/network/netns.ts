// Persistent network namespaces: a fresh netns bind-mounted onto a file under
// berthd's exec root (what `ip netns add` does under /run/netns), so that CNI
// can configure it before the container exists and the container joins it by
// path. Removing it unmounts and deletes the file; the kernel frees the
// namespace (and the veth ends inside it) once no process holds it. With
// berth's addon built, both are system calls on libuv's thread pool
// (native/netns.c, umount2); without it, `unshare` and `umount` do them.
// Asked to, the addon also brings the namespace's `lo` up (127.0.0.1/8 and
// ::1/128, as CNI's loopback plugin leaves it) in the same system calls.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { nativeIfBuilt } from '../lib/native.ts';
import { runTool } from '../lib/run-tool.ts';
import { span } from '../lib/index.ts';

/**
 * Makes the namespace on `path`. With `loopbackUp`, resolves with true when its
 * lo is up too; false means lo is still down (no addon, or one built before it
 * could), for the caller to bring it up (CNI's loopback plugin).
 */
export async function createNetns(path: string, options: { loopbackUp?: boolean } = {}): Promise<boolean> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, '', { mode: 0o600 });
  try {
    const native = nativeIfBuilt();
    // unshare(1) makes the namespace and bind-mounts it onto the file.
    const up = await span<unknown>('netns create', { path }, () => (native?.netnsCreate ? native.netnsCreate(path, options.loopbackUp === true) : runTool('unshare', [`--net=${path}`, 'true'])));
    return up === true;
  } catch (err) {
    await rm(path, { force: true });
    throw err;
  }
}

/** Unmounts and deletes; an absent or already-unmounted file is not an error. */
export async function removeNetns(path: string): Promise<void> {
  const native = nativeIfBuilt();
  await span<unknown>('netns remove', { path }, () => (native ? native.umount(path, true) : runTool('umount', ['--lazy', path]))).catch(() => undefined);
  await rm(path, { force: true });
}

// A regular file read by its path inside a root directory, the path resolved
// as a process chrooted there would see it (lib/in-root-path.ts's rule). Where
// the addon and the kernel offer it (openat2(2) with RESOLVE_IN_ROOT, Linux
// 5.6), the kernel resolves the path and the whole read is one trip to
// libuv's thread pool (native/read-in-root.c); else the path is resolved
// here, a component at a time, and read with readWhole.
import { hostPathInRoot } from './in-root-path.ts';
import { nativeIfBuilt } from './native.ts';
import { readWhole } from './read-whole.ts';

/** What readWhole reads at most. */
const maxBytes = 64 * 1024 * 1024;

/** Errors after which the resolution here decides: no openat2, a rename racing it, and ELOOP (the kernel stops at 40 links, in-root-path at 255). */
const fallBackOn = new Set(['ENOSYS', 'EXDEV', 'EAGAIN', 'ELOOP', 'EPERM']);

/**
 * The content of the regular file at `path` (absolute, inside `root`);
 * rejects as readWhole does (ENOENT, EINVAL for what is not a regular file)
 * or with in-root-path's SymlinkLoopError.
 */
export async function readFileInRoot(root: string, path: string): Promise<Buffer> {
  const native = nativeIfBuilt();
  if (native?.readInRoot) {
    try {
      return await native.readInRoot(root, path, maxBytes);
    } catch (err) {
      if (!fallBackOn.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
    }
  }
  return readFileInRootPortable(root, path);
}

/** The same with the path resolved here (without openat2, and for the tests that compare the two). */
export async function readFileInRootPortable(root: string, path: string): Promise<Buffer> {
  return (await readWhole(await hostPathInRoot(root, path))).data;
}

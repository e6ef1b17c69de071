// A list of directories, small files and symbolic links made in order, in one
// trip to libuv's thread pool (native/fs-batch.c) instead of two or three
// trips per entry, one after another, through fs.promises. For the twenty-odd
// entries of a container's create (its etc files, its rootfs's directories
// and init layer) and the start's (conmon's directories, the bundle's spec);
// and the rename that moves a tree made ahead into place (spare-dirs.ts).
// Without the addon (unit tests before a build) the same ops run through
// fs.promises, with the same results.
import { constants } from 'node:fs';
import { lstat, mkdir, open, rename, rm, stat, symlink } from 'node:fs/promises';
import { nativeIfBuilt } from './native.ts';

/** One entry to make; modes go through the umask, as Node's own calls do. */
export type FsOp =
  /** A directory; one already there is fine; with `parents` its missing parents are made too, with the same mode. */
  | { readonly op: 'mkdir'; readonly path: string; readonly mode: number; readonly parents?: boolean }
  /**
   * A file holding `data`, created or truncated, never through a symbolic link; with `replace`, an
   * entry already there (not a directory) is removed and the file made anew.
   */
  | { readonly op: 'write'; readonly path: string; readonly data: string | Uint8Array; readonly mode: number; readonly replace?: boolean }
  /** A symbolic link to `target`; with `replace`, an entry already there (not a directory) is removed first. */
  | { readonly op: 'symlink'; readonly path: string; readonly target: string; readonly replace?: boolean }
  /** Whatever is at `path` removed, a directory with all it holds (`rm -rf`; links removed, not followed); nothing there is fine. */
  | { readonly op: 'remove'; readonly path: string }
  /** The entry at `from` renamed to `path`, which must not exist (EEXIST when it does). */
  | { readonly op: 'rename'; readonly path: string; readonly from: string };

type NativeOp = [0, string, number, boolean] | [1, string, string | Uint8Array, number, boolean] | [2, string, string, boolean] | [3, string] | [4, string, string];

function toNative(o: FsOp): NativeOp {
  if (o.op === 'mkdir') return [0, o.path, o.mode, o.parents ?? false];
  if (o.op === 'write') return [1, o.path, o.data, o.mode, o.replace ?? false];
  if (o.op === 'symlink') return [2, o.path, o.target, o.replace ?? false];
  if (o.op === 'rename') return [4, o.path, o.from];
  return [3, o.path];
}

/**
 * Runs `ops` in order; rejects at the first failure with an errno-coded Error
 * naming its path (the ops before it stay done).
 */
export async function fsBatch(ops: readonly FsOp[]): Promise<void> {
  const native = nativeIfBuilt();
  if (native?.fsBatch) return native.fsBatch(ops.map(toNative));
  return fsBatchPortable(ops);
}

/** The same through fs.promises, an op at a time: without the addon (and for the tests that compare the two). */
export async function fsBatchPortable(ops: readonly FsOp[]): Promise<void> {
  for (const o of ops) await portable(o);
}

async function portable(o: FsOp): Promise<void> {
  if (o.op === 'rename') {
    // (Not atomic as renameat2's RENAME_NOREPLACE is: the fallback for unit tests before a build.)
    if (await lstat(o.path).then(() => true, () => false)) throw Object.assign(new Error(`EEXIST: file already exists, rename '${o.from}' -> '${o.path}'`), { code: 'EEXIST', path: o.path });
    await rename(o.from, o.path);
    return;
  }
  if (o.op === 'remove') {
    await rm(o.path, { recursive: true, force: true });
    return;
  }
  if (o.op === 'mkdir') {
    if (o.parents) {
      await mkdir(o.path, { recursive: true, mode: o.mode });
      return;
    }
    await mkdir(o.path, { mode: o.mode }).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST' || !(await stat(o.path)).isDirectory()) throw err;
    });
    return;
  }
  const again = async <T>(make: () => Promise<T>): Promise<T> =>
    make().catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
      await rm(o.path, { force: true });
      return make();
    });
  if (o.op === 'symlink') {
    await (o.replace ? again(() => symlink(o.target, o.path)) : symlink(o.target, o.path));
    return;
  }
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | (o.replace ? constants.O_EXCL : constants.O_TRUNC);
  const fh = await (o.replace ? again(() => open(o.path, flags, o.mode)) : open(o.path, flags, o.mode));
  try {
    await fh.writeFile(o.data);
  } finally {
    await fh.close();
  }
}

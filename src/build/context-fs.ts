// The few file lookups a build makes in its sources (finding the Dockerfile,
// expanding and hashing COPY/ADD sources), behind one interface with two
// implementations: the host's file system (a context extracted to disk,
// another stage's or an image's mounted root, a downloaded file) and a
// context held in memory (./memory-context.ts), so that a fully cached
// rebuild reads its small context without a trip to the disk.
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { resolveInRoot } from '../runtime/index.ts';

/** What the build reads of a file's stat (node's Stats has all of it). */
export interface SourceStat {
  /** st_mode: type and permission bits. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  isDirectory(): boolean;
  isFile(): boolean;
  isSymbolicLink(): boolean;
}

/**
 * Lookups by path. Errors are node's (`code` ENOENT, ENOTDIR, EISDIR, ELOOP).
 * Paths are the implementation's own: host paths for the host, in-root
 * absolute paths (`/a/b`) for a context in memory, whose root is `/`.
 */
export interface SourceFs {
  lstat(path: string): Promise<SourceStat>;
  stat(path: string): Promise<SourceStat>;
  readdir(path: string): Promise<string[]>;
  readlink(path: string): Promise<string>;
  /** A regular file's content (`size` from its stat), in pieces. */
  content(path: string, size: number): AsyncIterable<Uint8Array>;
  /** `path` inside `root` with symlinks followed as if `root` were `/` (runtime's resolveInRoot). */
  resolve(root: string, path: string): Promise<string>;
  /** Removes a file or a tree (nothing when it is not there). */
  remove(path: string): Promise<void>;
}

async function* fileContent(path: string, size: number): AsyncGenerator<Uint8Array> {
  // A small file in one read (a cached rebuild hashes every file its COPY steps name): fewer trips to the pool than a stream.
  if (size <= 1 << 20) yield await readFile(path);
  else yield* createReadStream(path) as AsyncIterable<Buffer>;
}

/** The host's file system. */
export const hostFs: SourceFs = {
  lstat: (path) => lstat(path),
  stat: (path) => stat(path),
  readdir: (path) => readdir(path),
  readlink: (path) => readlink(path),
  content: fileContent,
  resolve: resolveInRoot,
  remove: (path) => rm(path, { recursive: true, force: true }),
};

/** Node's kind of error for a path lookup that failed. */
export function fsError(code: 'ENOENT' | 'ENOTDIR' | 'EISDIR' | 'EINVAL' | 'ELOOP', syscall: string, path: string): NodeJS.ErrnoException {
  const text = { ENOENT: 'no such file or directory', ENOTDIR: 'not a directory', EISDIR: 'illegal operation on a directory', EINVAL: 'invalid argument', ELOOP: 'too many symbolic links encountered' }[code];
  return Object.assign(new Error(`${code}: ${text}, ${syscall} '${path}'`), { code, syscall, path });
}

// PUT /containers/{id}/archive: a tar extracted into a directory of a
// container, as dockerd's chrooted unpacker (pkg/archive Unpack) does it —
// names cleaned and joined to the destination, entries and links that climb
// out refused in its words, existing files replaced, owners, modes and times
// set. The files agent makes every call inside the container's root
// (fs-agent.ts), so neither the tar nor the container can reach the host.
import { pipeline } from 'node:stream/promises';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { internal, invalidArgument } from '../../core/errors.ts';
import { isInRootError, type EntryStat, type InRootFs } from './fs-agent.ts';
import { resolveContainerPath, type ContainerFsView } from './fs-view.ts';
import { missing } from './archive.ts';

/** One entry of tar-stream's extract iterator. */
type TarEntry = Readable & { readonly header: tar.Header };

export interface ExtractOptions {
  /** docker's noOverwriteDirNonDir: refuse to replace a directory by a non-directory (and the reverse). */
  readonly noOverwriteDirNonDir?: boolean;
  /** Owner for every entry (copyUIDGID: the container's user); else the tar's uid/gid. */
  readonly owner?: { uid: number; gid: number };
}

/** PUT /containers/{id}/archive: extracts `input` (a tar) into the directory `path` of the container. */
export async function extractInto(view: ContainerFsView, path: string, containerName: string, input: Readable, options: ExtractOptions = {}): Promise<void> {
  const fs = (await view.files()).view;
  const abs = posix.join('/', path);
  let destPath: string;
  let st: EntryStat;
  try {
    destPath = await resolveContainerPath(fs, abs, { followLast: true });
    st = await fs.lstat(destPath);
  } catch (err) {
    // EINVAL: a readlink of what the container just turned from a link into something else.
    if (isInRootError(err, 'ENOENT', 'ENOTDIR', 'EINVAL')) throw missing(path, containerName);
    throw err;
  }
  if (!st.isDirectory()) throw invalidArgument('extraction point is not a directory');
  if (!writable(view, destPath)) throw invalidArgument(view.container.spec.host.readonlyRootfs ? 'container rootfs is marked read-only' : 'mounted volume is marked read-only');

  const extract = tar.extract();
  // Directory times are set last: writing their entries changes them.
  const dirTimes: { path: string; mtime: Date }[] = [];
  const consuming = (async () => {
    for await (const e of extract as unknown as AsyncIterable<TarEntry>) {
      try {
        await extractEntry(fs, destPath, e, options, dirTimes);
      } finally {
        e.resume();
      }
    }
  })();
  // Not pipeline(): on a bad entry it would destroy `input` (the request), and the client
  // still sending would get a broken pipe instead of the answer (the API reads the rest).
  const feeding = feed(input, extract);
  try {
    await Promise.all([feeding, consuming]);
  } catch (err) {
    if (typeof input.unpipe === 'function') input.unpipe(extract);
    extract.destroy();
    feeding.catch(() => undefined);
    consuming.catch(() => undefined);
    throw tarError(err);
  }
  for (const d of dirTimes.reverse()) await fs.utimes(d.path, d.mtime).catch(() => undefined);
}

/** Whether a container path may be written: not on a read-only mount, not on a read-only rootfs. */
function writable(view: ContainerFsView, containerPath: string): boolean {
  let best: { d: string; rw: boolean } | undefined;
  for (const m of view.container.mountPoints ?? []) {
    const d = m.destination.replace(/\/+$/, '') || '/';
    if (containerPath === d || containerPath.startsWith(`${d}/`)) if (!best || d.length > best.d.length) best = { d, rw: m.rw };
  }
  if (best) return best.rw;
  return !view.container.spec.host.readonlyRootfs;
}

async function extractEntry(fs: InRootFs, destPath: string, e: TarEntry, options: ExtractOptions, dirTimes: { path: string; mtime: Date }[]): Promise<void> {
  const h = e.header;
  // As docker's archive.Unpack: the name cleaned, joined to the destination and cleaned again; a
  // result outside the destination is a breakout, refused (not clamped), in the words of dockerd's
  // chrooted unpacker. A name whose `..` climbs back into the destination is written there.
  const clean = goClean(h.name);
  const target = posix.join(destPath, clean);
  if (destPath !== '/' && target !== destPath && !target.startsWith(`${destPath}/`)) {
    throw unpackError(`"${clean}" is outside of "${destPath}"`);
  }
  // The `./` entry of a tar names the extraction directory itself: nothing to create.
  if (target === destPath) return;
  // The kernel follows links in the parent, inside the root; the entry's own name is never followed.
  const parent = posix.dirname(target);
  if ((await fs.lstat(parent).catch(() => undefined)) === undefined) await fs.mkdirAll(parent, 0o755).catch(goError);
  const existing = await fs.lstat(target).catch(() => undefined);
  const isDir = h.type === 'directory';
  if (existing) {
    // dockerd's words (its unpacker names the extraction directory last), and its 500.
    if (options.noOverwriteDirNonDir && existing.isDirectory() && !isDir) throw unpackError(`cannot overwrite directory "${target}" with non-directory "${destPath}"`);
    if (options.noOverwriteDirNonDir && !existing.isDirectory() && isDir) throw unpackError(`cannot overwrite non-directory "${target}" with directory "${destPath}"`);
    if (!(existing.isDirectory() && isDir)) await fs.removeAll(target).catch(goError);
  }
  const mode = (h.mode ?? 0o644) & 0o7777;
  switch (h.type) {
    case 'directory':
      if (!existing?.isDirectory()) await fs.mkdir(target, mode).catch(goError);
      break;
    case 'file':
    case 'contiguous-file':
      await fs.writeFile(target, mode, e).catch(goError);
      break;
    case 'symlink': {
      // dockerd refuses a link whose target, taken from the entry's directory, climbs out of the destination.
      const linkname = h.linkname ?? '';
      if (!posix.join(posix.dirname(target), linkname).startsWith(destPath)) throw unpackError(`invalid symlink "${target}" -> "${linkname}"`);
      await fs.symlink(linkname, target).catch(goError);
      break;
    }
    case 'link': {
      // A hard link names a path in the archive: under the destination, or refused as dockerd refuses it.
      const linkname = h.linkname ?? '';
      const from = posix.join(destPath, linkname);
      if (!from.startsWith(destPath)) throw unpackError(`invalid hardlink "${from}" -> "${linkname}"`);
      await fs.link(from, target).catch((err: unknown) => {
        if (isInRootError(err)) throw unpackError(`link ${from} ${target}: ${err.reason}`);
        throw err;
      });
      break;
    }
    default:
      // Devices and fifos need mknod; docker cp rarely carries them. Skipped, as a socket would be.
      return;
  }
  const uid = options.owner?.uid ?? h.uid ?? 0;
  const gid = options.owner?.gid ?? h.gid ?? 0;
  await fs.lchown(target, uid, gid).catch(goError);
  const mtime = h.mtime ?? new Date();
  if (h.type === 'symlink') {
    await fs.utimes(target, mtime).catch(() => undefined);
    return;
  }
  if (h.type !== 'link') {
    // chmod after chown: chown clears setuid/setgid bits.
    await fs.chmod(target, mode).catch(goError);
    if (h.type === 'directory') dirTimes.push({ path: target, mtime });
    else await fs.utimes(target, mtime, { follow: true }).catch(goError);
  }
}

/** An error of dockerd's chrooted unpacker, as its daemon reports it (a 500). */
function unpackError(message: string): Error {
  return internal(`Error processing tar file(exit status 1): ${message}`);
}

/** A failed call inside the root, worded as Go's *PathError in the unpacker's message. */
function goError(err: unknown): never {
  if (isInRootError(err)) throw unpackError(`${err.syscall} ${err.path}: ${err.reason}`);
  throw err;
}

/** A broken tar stream, in the words of Go's archive/tar as dockerd's unpacker reports them. */
function tarError(err: unknown): unknown {
  const message = err instanceof Error ? err.message : '';
  if (/^Invalid (tar )?header/.test(message) || message === 'Header exceeds max size') return unpackError('archive/tar: invalid tar header');
  if (message === 'Unexpected end of data') return unpackError('unexpected EOF');
  return err;
}

/** Go's filepath.Clean: normalised, no trailing slash, "." for nothing. */
function goClean(name: string): string {
  const n = posix.normalize(name === '' ? '.' : name);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

/** Pipes `input` into the tar extractor until it ends; on either side's error, stops reading it without destroying it. */
function feed(input: Readable, extract: NodeJS.WritableStream & { destroy(err?: Error): void }): Promise<void> {
  // A stream of another kind (streamx's, in tests) has no unpipe: piped as before.
  if (typeof input.unpipe !== 'function') return pipeline(input, extract);
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      input.unpipe(extract);
      input.off('error', fail);
      extract.destroy(err);
      reject(err);
    };
    input.once('error', fail);
    extract.once('error', fail);
    extract.once('finish', () => {
      input.off('error', fail);
      resolve();
    });
    input.pipe(extract);
  });
}

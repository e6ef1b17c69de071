// The archive half of `docker cp`: stat a path in a container (docker's
// ContainerPathStat with Go FileMode bits), tar a path out of it, and extract a
// tar into a directory of it. Every path is resolved inside the container's
// view (container-fs-view.ts); extraction never opens through a symlink, so a
// tar or a container cannot make berthd write outside the container.
import { createReadStream } from 'node:fs';
import { chmod, lchown, link, lstat, lutimes, mkdir, open, readdir, readlink, rm, symlink, utimes } from 'node:fs/promises';
import { constants } from 'node:fs';
import type { BigIntStats, Stats } from 'node:fs';
import { posix } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { internal, invalidArgument, notFound } from '../../core/errors.ts';
import { formatRfc3339Nano } from '../../lib/go-units.ts';
import { hostPath, resolveContainerPath, type ContainerFsView } from './fs-view.ts';

/** docker's types.ContainerPathStat; `mode` carries Go's os.FileMode bits. */
export interface PathStat {
  readonly name: string;
  readonly size: number;
  readonly mode: number;
  readonly mtime: string;
  readonly linkTarget: string;
}

const goMode = {
  dir: 2 ** 31,
  symlink: 2 ** 27,
  device: 2 ** 26,
  namedPipe: 2 ** 25,
  socket: 2 ** 24,
  setuid: 2 ** 23,
  setgid: 2 ** 22,
  charDevice: 2 ** 21,
  sticky: 2 ** 20,
} as const;

/** Go's os.FileMode for a stat result. */
export function goFileMode(st: Stats | BigIntStats): number {
  const m = Number(st.mode);
  let mode = m & 0o777;
  if (st.isDirectory()) mode += goMode.dir;
  else if (st.isSymbolicLink()) mode += goMode.symlink;
  else if (st.isFIFO()) mode += goMode.namedPipe;
  else if (st.isSocket()) mode += goMode.socket;
  else if (st.isCharacterDevice()) mode += goMode.device + goMode.charDevice;
  else if (st.isBlockDevice()) mode += goMode.device;
  if (m & 0o4000) mode += goMode.setuid;
  if (m & 0o2000) mode += goMode.setgid;
  if (m & 0o1000) mode += goMode.sticky;
  return mode;
}

/** Go's time.Time JSON text (RFC 3339 with nanoseconds, trailing zeros dropped). */
const goTime = formatRfc3339Nano;

/** `path` made absolute the way docker does, keeping a trailing `/` or `/.`. */
function absolute(path: string): string {
  const abs = posix.join('/', path);
  if (path.endsWith('/.') || path === '.') return abs === '/' ? '/.' : `${abs}/.`;
  if (path.endsWith('/') && abs !== '/') return `${abs}/`;
  return abs;
}

function missing(path: string, container: string): Error {
  return notFound(`Could not find the file ${path} in container ${container}`);
}

/** Resolves the resource `path` names (its last component not followed, as docker's ResolvePath) to its container path and stat. */
async function resource(view: ContainerFsView, path: string, containerName: string): Promise<{ containerPath: string; host: string; st: BigIntStats; abs: string }> {
  const abs = absolute(path);
  // A trailing separator or dot means "the directory itself": follow the last link then.
  const followLast = abs.endsWith('/') || abs.endsWith('/.');
  // Under /proc, /sys and /dev of a running container, the merged dir is the tree (see walkHost), links too.
  const inKernelDir = view.running && kernelDirs.some((d) => abs === d || abs.startsWith(`${d}/`));
  const containerPath = await resolveContainerPath(inKernelDir ? { root: view.merged, mounts: [] } : view, abs, { followLast });
  const host = walkHost(view, containerPath);
  const st = await lstat(host, { bigint: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw missing(path, containerName);
    throw err;
  });
  if (followLast && !st.isDirectory()) throw missing(path, containerName);
  return { containerPath, host, st, abs };
}

/** HEAD /containers/{id}/archive: the stat docker puts in X-Docker-Container-Path-Stat. */
export async function statPath(view: ContainerFsView, path: string, containerName: string): Promise<PathStat> {
  const r = await resource(view, path, containerName);
  let linkTarget = '';
  if (r.st.isSymbolicLink()) linkTarget = await resolveContainerPath(view, r.containerPath, { followLast: true });
  const base = posix.basename(r.abs.replace(/\/\.$/, '/.'));
  return { name: base === '' ? '/' : base, size: Number(r.st.size), mode: goFileMode(r.st), mtime: goTime(r.st.mtimeNs), linkTarget };
}

interface Walked {
  readonly name: string;
  readonly host: string;
  readonly st: Stats;
}

/**
 * Kernel filesystems a running container's root shows. dockerd archives its
 * rootfs with the volumes mounted, not the process's view: these trees come
 * from the merged dir, which holds the init layer's entries there (dev/console,
 * dev/pts, dev/shm; proc and sys as 0755 directories), not the kernel's.
 */
const kernelDirs = ['/proc', '/sys', '/dev'];

function walkHost(view: ContainerFsView, containerPath: string): string {
  if (view.running && kernelDirs.some((d) => containerPath === d || containerPath.startsWith(`${d}/`))) return posix.join(view.merged, containerPath);
  return hostPath(view, containerPath);
}

async function* walkTree(view: ContainerFsView, containerPath: string, name: string): AsyncGenerator<Walked> {
  const host = walkHost(view, containerPath);
  const st = await lstat(host);
  yield { name, host, st };
  if (!st.isDirectory()) return;
  const children = (await readdir(host)).sort();
  for (const child of children) yield* walkTree(view, posix.join(containerPath, child), `${name}/${child}`);
}

function major(rdev: number): number {
  return ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
}
function minor(rdev: number): number {
  return (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
}

/** Writes a tar of the tree at `containerPath` (entries named `rebase/...`) to `out`. */
export async function writeTree(view: ContainerFsView, containerPath: string, rebase: string, out: Writable, options: { skip?: (containerPath: string) => boolean; bareNames?: boolean } = {}): Promise<void> {
  const pack = tar.pack();
  const piping = pipeline(pack, out);
  // A reader that goes away (the client closed the connection) ends the walk: every wait races it.
  const aborted = new Promise<never>((_, reject) => piping.catch(reject));
  aborted.catch(() => undefined);
  const links = new Map<string, string>();
  const entry = (header: Partial<tar.Header> & { name: string }, data?: Buffer): Promise<void> =>
    Promise.race([
      new Promise<void>((resolve, reject) => {
        const cb = (err?: Error | null) => (err ? reject(err) : resolve());
        if (data !== undefined) pack.entry(header, data, cb);
        else pack.entry(header, cb);
      }),
      aborted,
    ]);
  try {
    for await (const w of walkTree(view, containerPath, rebase)) {
      const inContainer = posix.join(containerPath, w.name.slice(rebase.length));
      if (options.skip?.(inContainer)) continue;
      const { st } = w;
      // bareNames (docker export): `etc/passwd`, not `./etc/passwd`, and no entry for the root itself.
      const name = options.bareNames ? w.name.replace(/^\.(\/|$)/, '') : w.name.replace(/^\.\//, './');
      if (name === '') continue;
      const base = { name, uid: st.uid, gid: st.gid, mode: st.mode & 0o7777, mtime: new Date(Math.floor(st.mtimeMs / 1000) * 1000) };
      if (st.isDirectory()) await entry({ ...base, name: name.endsWith('/') ? name : `${name}/`, type: 'directory' });
      else if (st.isSymbolicLink()) await entry({ ...base, type: 'symlink', linkname: await readlink(w.host) });
      else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? links.get(key) : undefined;
        if (first !== undefined) {
          await entry({ ...base, type: 'link', linkname: first });
          continue;
        }
        if (st.nlink > 1) links.set(key, name);
        const writing = new Promise<void>((resolve, reject) => {
          const sink = pack.entry({ ...base, type: 'file', size: st.size }, (err) => (err ? reject(err) : resolve()));
          // A file that grows or shrinks while read fails its entry (size mismatch): an error, never a crash.
          sink.on('error', reject);
          createReadStream(w.host).on('error', reject).pipe(sink);
        });
        await Promise.race([writing, aborted]);
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        await entry({ ...base, type: st.isCharacterDevice() ? 'character-device' : 'block-device', devmajor: major(st.rdev), devminor: minor(st.rdev) });
      } else if (st.isFIFO()) await entry({ ...base, type: 'fifo' });
      // Sockets are left out, as docker's archive package does.
    }
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
    await piping.catch(() => undefined);
    throw err;
  }
  await piping;
}

/** GET /containers/{id}/archive: the stat of the resource, then its tar. */
export async function archivePath(view: ContainerFsView, path: string, containerName: string): Promise<{ stat: PathStat; write: (out: Writable) => Promise<void> }> {
  const stat = await statPath(view, path, containerName);
  const r = await resource(view, path, containerName);
  let rebase = posix.basename(r.abs);
  if (r.abs.endsWith('/.')) rebase = '.';
  else if (rebase === '') rebase = '.';
  return { stat, write: (out) => writeTree(view, r.containerPath, rebase, out) };
}

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
  const abs = posix.join('/', path);
  const destPath = await resolveContainerPath(view, abs, { followLast: true });
  const destHost = hostPath(view, destPath);
  const st = await lstat(destHost).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw missing(path, containerName);
    throw err;
  });
  if (!st.isDirectory()) throw invalidArgument('extraction point is not a directory');
  if (!writable(view, destPath)) throw invalidArgument(view.container.spec.host.readonlyRootfs ? 'container rootfs is marked read-only' : 'mounted volume is marked read-only');

  const extract = tar.extract();
  // Directory times are set last: writing their entries changes them.
  const dirTimes: { host: string; mtime: Date }[] = [];
  const consuming = (async () => {
    for await (const e of extract as unknown as AsyncIterable<TarEntry>) {
      try {
        await extractEntry(view, destPath, e, options, dirTimes);
      } finally {
        e.resume();
      }
    }
  })();
  await Promise.all([pipeline(input, extract), consuming]);
  for (const d of dirTimes.reverse()) await utimes(d.host, d.mtime, d.mtime).catch(() => undefined);
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

async function extractEntry(view: ContainerFsView, destPath: string, e: TarEntry, options: ExtractOptions, dirTimes: { host: string; mtime: Date }[]): Promise<void> {
  const h = e.header;
  // As docker's archive.Unpack: the name cleaned, joined to the destination and cleaned again; a
  // result outside the destination is a breakout, refused (not clamped), in the words of dockerd's
  // chrooted unpacker. A name whose `..` climbs back into the destination is written there.
  const clean = goClean(h.name);
  const joined = posix.join(destPath, clean);
  if (destPath !== '/' && joined !== destPath && !joined.startsWith(`${destPath}/`)) {
    throw unpackError(`"${clean}" is outside of "${destPath}"`);
  }
  const rel = destPath === '/' ? joined : joined.slice(destPath.length);
  if (rel === '' || rel === '/') {
    // The `./` entry of a tar names the extraction directory itself: nothing to create.
    return;
  }
  // The parent is resolved inside the container (links followed there); the entry's own name never is.
  const parent = await resolveContainerPath(view, posix.join(destPath, posix.dirname(rel)), { followLast: true });
  const target = posix.join(parent, posix.basename(rel));
  const host = hostPath(view, target);
  await mkdir(hostPath(view, parent), { recursive: true });
  const existing = await lstat(host).catch(() => undefined);
  const isDir = h.type === 'directory';
  if (existing) {
    // dockerd's words (its unpacker names the extraction directory last), and its 500.
    if (options.noOverwriteDirNonDir && existing.isDirectory() && !isDir) throw unpackError(`cannot overwrite directory "${target}" with non-directory "${destPath}"`);
    if (options.noOverwriteDirNonDir && !existing.isDirectory() && isDir) throw unpackError(`cannot overwrite non-directory "${target}" with directory "${destPath}"`);
    if (!(existing.isDirectory() && isDir)) await rm(host, { recursive: true, force: true });
  }
  const mode = (h.mode ?? 0o644) & 0o7777;
  switch (h.type) {
    case 'directory':
      if (!existing?.isDirectory()) await mkdir(host, { mode });
      break;
    case 'file':
    case 'contiguous-file': {
      const fh = await open(host, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
      try {
        for await (const chunk of e) await fh.write(chunk as Buffer);
      } finally {
        await fh.close();
      }
      break;
    }
    case 'symlink':
      await symlink(h.linkname ?? '', host);
      break;
    case 'link': {
      const from = posix.normalize(`/${h.linkname ?? ''}`);
      const source = await resolveContainerPath(view, posix.join(destPath, posix.dirname(from)), { followLast: true });
      await link(hostPath(view, posix.join(source, posix.basename(from))), host);
      break;
    }
    default:
      // Devices and fifos need mknod; docker cp rarely carries them. Skipped, as a socket would be.
      return;
  }
  const uid = options.owner?.uid ?? h.uid ?? 0;
  const gid = options.owner?.gid ?? h.gid ?? 0;
  await lchown(host, uid, gid);
  const mtime = h.mtime ?? new Date();
  if (h.type === 'symlink') {
    await lutimes(host, mtime, mtime).catch(() => undefined);
    return;
  }
  if (h.type !== 'link') {
    // chmod after chown: chown clears setuid/setgid bits.
    await chmod(host, mode);
    if (h.type === 'directory') dirTimes.push({ host, mtime });
    else await utimes(host, mtime, mtime);
  }
}

/** An error of dockerd's chrooted unpacker, as its daemon reports it (a 500). */
function unpackError(message: string): Error {
  return internal(`Error processing tar file(exit status 1): ${message}`);
}

/** Go's filepath.Clean: normalised, no trailing slash, "." for nothing. */
function goClean(name: string): string {
  const n = posix.normalize(name === '' ? '.' : name);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

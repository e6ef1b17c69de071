// The archive half of `docker cp`: stat a path in a container (docker's
// ContainerPathStat with Go FileMode bits), tar a path out of it, and extract a
// tar into a directory of it. Every filesystem call goes through the files
// agent (fs-agent.ts), inside the container's root: a tar or a container
// racing symlinks cannot make berthd read or write outside the container.
// What stays here is docker's semantics on the tar stream: names, renames,
// entries that climb out, link checks, owners and times.
import { posix } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { notFound } from '../../core/errors.ts';
import { formatRfc3339Nano } from '../../lib/go-units.ts';
import { isInRootError, type EntryStat, type InRootFs } from './fs-agent.ts';
import { resolveContainerPath, type ContainerFiles, type ContainerFsView } from './fs-view.ts';

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

/** What goFileMode needs of a stat: node's Stats, BigIntStats or the agent's EntryStat. */
type ModeStat = Pick<EntryStat, 'isDirectory' | 'isSymbolicLink' | 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'> & { readonly mode: number | bigint };

/** Go's os.FileMode for a stat result. */
export function goFileMode(st: ModeStat): number {
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

export function missing(path: string, container: string): Error {
  return notFound(`Could not find the file ${path} in container ${container}`);
}

/**
 * Kernel filesystems a running container's root shows. dockerd archives its
 * rootfs with the volumes mounted, not the process's view: these trees come
 * from the base rootfs, which holds the init layer's entries there
 * (dev/console, dev/pts, dev/shm; proc and sys as 0755 directories), not the
 * kernel's.
 */
const kernelDirs = ['/proc', '/sys', '/dev'];
const inKernelDir = (p: string) => kernelDirs.some((d) => p === d || p.startsWith(`${d}/`));

/** The root a container path is read in: the base rootfs under a running container's kernel filesystems, else its view. */
export type RootOf = (containerPath: string) => InRootFs;
export function rootOf(view: Pick<ContainerFsView, 'running'>, files: ContainerFiles): RootOf {
  return (p) => (view.running && inKernelDir(p) ? files.base : files.view);
}

/** A path the container removed or changed under the lookup (a readlink of what is no longer a link) is missing, as a path never there. */
const gone = (err: unknown) => isInRootError(err, 'ENOENT', 'ENOTDIR', 'EINVAL');

/** Resolves the resource `path` names (its last component not followed, as docker's ResolvePath) to its container path and stat. */
async function resource(view: ContainerFsView, files: ContainerFiles, path: string, containerName: string): Promise<{ containerPath: string; st: EntryStat; abs: string }> {
  const abs = absolute(path);
  // A trailing separator or dot means "the directory itself": follow the last link then.
  const followLast = abs.endsWith('/') || abs.endsWith('/.');
  try {
    const containerPath = await resolveContainerPath(rootOf(view, files)(abs), abs, { followLast });
    const st = await rootOf(view, files)(containerPath).lstat(containerPath);
    if (followLast && !st.isDirectory()) throw missing(path, containerName);
    return { containerPath, st, abs };
  } catch (err) {
    if (gone(err)) throw missing(path, containerName);
    throw err;
  }
}

/** HEAD /containers/{id}/archive: the stat docker puts in X-Docker-Container-Path-Stat. */
export async function statPath(view: ContainerFsView, path: string, containerName: string): Promise<PathStat> {
  const files = await view.files();
  const r = await resource(view, files, path, containerName);
  let linkTarget = '';
  if (r.st.isSymbolicLink()) {
    linkTarget = await resolveContainerPath(files.view, r.containerPath, { followLast: true }).catch((err: unknown) => {
      if (gone(err)) throw missing(path, containerName);
      throw err;
    });
  }
  const base = posix.basename(r.abs.replace(/\/\.$/, '/.'));
  return { name: base === '' ? '/' : base, size: r.st.size, mode: goFileMode(r.st), mtime: goTime(r.st.mtimeNs), linkTarget };
}

interface Walked {
  readonly name: string;
  readonly containerPath: string;
  readonly st: EntryStat;
}

async function* walkTree(root: RootOf, containerPath: string, name: string): AsyncGenerator<Walked> {
  const fs = root(containerPath);
  const st = await fs.lstat(containerPath);
  yield { name, containerPath, st };
  if (!st.isDirectory()) return;
  const children = (await fs.readdir(containerPath)).sort();
  for (const child of children) yield* walkTree(root, posix.join(containerPath, child), `${name}/${child}`);
}

function major(rdev: number): number {
  return ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
}
function minor(rdev: number): number {
  return (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
}

const tarTime = (st: EntryStat) => new Date(Number(st.mtimeNs / 1_000_000_000n) * 1000);

/** Writes a tar of the tree at `containerPath` (entries named `rebase/...`), read in `root`, to `out`. */
export async function writeTree(root: RootOf, containerPath: string, rebase: string, out: Writable, options: { skip?: (containerPath: string) => boolean; bareNames?: boolean } = {}): Promise<void> {
  const pack = tar.pack();
  const piping = pipeline(pack, out);
  // A reader that goes away (the client closed the connection) ends the walk: every wait races it.
  const aborted = new Promise<never>((_, reject) => piping.catch(reject));
  aborted.catch(() => undefined);
  const links = new Map<string, string>();
  const entry = (header: Partial<tar.Header> & { name: string }): Promise<void> =>
    Promise.race([
      new Promise<void>((resolve, reject) => {
        pack.entry(header, (err?: Error | null) => (err ? reject(err) : resolve()));
      }),
      aborted,
    ]);
  try {
    for await (const w of walkTree(root, containerPath, rebase)) {
      if (options.skip?.(w.containerPath)) continue;
      const { st } = w;
      // bareNames (docker export): `etc/passwd`, not `./etc/passwd`, and no entry for the root itself.
      const name = options.bareNames ? w.name.replace(/^\.(\/|$)/, '') : w.name.replace(/^\.\//, './');
      if (name === '') continue;
      const base = { name, uid: st.uid, gid: st.gid, mode: st.mode & 0o7777, mtime: tarTime(st) };
      if (st.isDirectory()) await entry({ ...base, name: name.endsWith('/') ? name : `${name}/`, type: 'directory' });
      else if (st.isSymbolicLink()) await entry({ ...base, type: 'symlink', linkname: await root(w.containerPath).readlink(w.containerPath) });
      else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? links.get(key) : undefined;
        if (first !== undefined) {
          await entry({ ...base, type: 'link', linkname: first });
          continue;
        }
        if (st.nlink > 1) links.set(key, name);
        // The file as opened (never through a symlink swapped in since the walk): its own stat makes the header.
        await root(w.containerPath).read(w.containerPath, {}, (opened, chunks) => {
          const writing = new Promise<void>((resolve, reject) => {
            const sink = pack.entry({ ...base, uid: opened.uid, gid: opened.gid, mode: opened.mode & 0o7777, mtime: tarTime(opened), type: 'file', size: opened.size }, (err) => (err ? reject(err) : resolve()));
            // A file that grows or shrinks while read fails its entry (size mismatch): an error, never a crash.
            pipeline(Readable.from(chunks), sink).catch(reject);
          });
          return Promise.race([writing, aborted]);
        });
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
  const files = await view.files();
  const r = await resource(view, files, path, containerName);
  let rebase = posix.basename(r.abs);
  if (r.abs.endsWith('/.')) rebase = '.';
  else if (rebase === '') rebase = '.';
  return { stat, write: (out) => writeTree(rootOf(view, files), r.containerPath, rebase, out) };
}

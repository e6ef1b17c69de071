// cli: `berth cp`, `export`, `diff` and `commit` — docker's argument rules and
// messages, with the local half of cp (taring local files, extracting a
// container's tar where docker would put it) done here as docker's CLI does.
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, lchown, link, lstat, mkdir, readdir, readlink, rm, stat, symlink, utimes, lutimes } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, join, posix, relative, resolve } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { humanSize, ExitError, describeError, err, getClient, isTerminal, out, stdoutStream } from '../../cli-kit/index.ts';

interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

const goDir = 2 ** 31;
const goSymlink = 2 ** 27;

/** `ctr:/path` → container and path; a local path otherwise (docker's splitCpArg). */
function splitCpArg(arg: string): { container?: string; path: string } {
  if (arg.startsWith('/') || arg.startsWith('.')) return { path: arg };
  const i = arg.indexOf(':');
  if (i <= 0) return { path: arg };
  return { container: arg.slice(0, i), path: arg.slice(i + 1) };
}

function decodeStat(header: string | undefined): PathStat | undefined {
  if (!header) return undefined;
  try {
    return JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as PathStat;
  } catch {
    return undefined;
  }
}

function endsWithDot(p: string): boolean {
  return p === '.' || p.endsWith('/.');
}

export interface CpOptions {
  archive?: boolean;
  followLink?: boolean;
  quiet?: boolean;
}

export async function cpCommand(src: string, dst: string, o: CpOptions): Promise<void> {
  const s = splitCpArg(src);
  const d = splitCpArg(dst);
  if (s.container !== undefined && d.container !== undefined) throw new ExitError(1, 'copying between containers is not supported');
  if (s.container === undefined && d.container === undefined) throw new ExitError(1, 'must specify at least one container source');
  try {
    if (s.container !== undefined) await copyFromContainer(s.container, s.path, d.path, o);
    else await copyToContainer(s.path, d.container as string, d.path, o);
  } catch (e) {
    if (e instanceof ExitError) throw e;
    throw new ExitError(1, describeError(e));
  }
}

function report(o: CpOptions, bytes: number, to: string): void {
  if (o.quiet || !isTerminal(2)) return;
  err(`Successfully copied ${humanSize(bytes)} to ${to}\n`);
}

async function copyFromContainer(container: string, srcPath: string, dstPath: string, o: CpOptions): Promise<void> {
  const client = await getClient();
  const path = (c: string) => `/containers/${encodeURIComponent(c)}/archive`;
  let src = srcPath;
  if (o.followLink) {
    const head = await client.raw('HEAD', path(container), { query: { path: src } });
    const st = decodeStat(head.headers['x-docker-container-path-stat']);
    if (st && (st.mode & goSymlink) !== 0 && st.linkTarget) src = st.linkTarget;
  }
  const res = await client.response('GET', path(container), { query: { path: src } });
  if (dstPath === '-') {
    await pipeline(res.body, stdoutStream() as Writable);
    return;
  }
  const st = decodeStat(res.headers['x-docker-container-path-stat']);
  const srcIsDir = st !== undefined && (st.mode & goDir) !== 0;
  const dst = resolve(dstPath);
  const existing = await stat(dst).catch(() => undefined);
  let dir: string;
  let rename: string | undefined;
  if (existing?.isDirectory()) {
    dir = dst;
  } else {
    // docker's archive package errors, worded as its CLI prints them.
    if (existing && srcIsDir) throw new ExitError(1, 'cannot copy directory');
    if (!existing && (dstPath.endsWith('/') || endsWithDot(dstPath)) && !srcIsDir) throw new ExitError(1, 'no such directory');
    dir = dirname(dst);
    rename = basename(dst);
    const parent = await stat(dir).catch(() => undefined);
    if (!parent?.isDirectory()) throw new ExitError(1, `lstat ${dir}: no such file or directory`);
  }
  const bytes = await extractLocal(res.body, dir, rename);
  report(o, bytes, dstPath);
}

async function copyToContainer(srcPath: string, container: string, dstPath: string, o: CpOptions): Promise<void> {
  const client = await getClient();
  const archive = `/containers/${encodeURIComponent(container)}/archive`;
  const query = (path: string) => ({ path, noOverwriteDirNonDir: true, copyUIDGID: o.archive ? true : undefined });
  if (srcPath === '-') {
    await client.raw('PUT', archive, { query: query(dstPath), body: process.stdin });
    return;
  }
  const src = resolve(srcPath);
  const srcSt = await (o.followLink ? stat(src) : lstat(src)).catch(() => {
    throw new ExitError(1, `lstat ${src}: no such file or directory`);
  });
  let dstStat: PathStat | undefined;
  let dst = dstPath;
  try {
    const head = await client.raw('HEAD', archive, { query: { path: dst } });
    dstStat = decodeStat(head.headers['x-docker-container-path-stat']);
    if (dstStat && (dstStat.mode & goSymlink) !== 0 && dstStat.linkTarget) {
      dst = dstStat.linkTarget;
      dstStat = decodeStat((await client.raw('HEAD', archive, { query: { path: dst } })).headers['x-docker-container-path-stat']);
    }
  } catch {
    dstStat = undefined;
  }
  let dir: string;
  let name: string;
  if (dstStat && (dstStat.mode & goDir) !== 0) {
    dir = dst;
    name = endsWithDot(srcPath) ? '.' : basename(src);
  } else {
    if (dstStat && srcSt.isDirectory()) throw new ExitError(1, 'cannot copy directory');
    if (!dstStat && dstPath.endsWith('/') && !srcSt.isDirectory()) throw new ExitError(1, 'no such directory');
    dir = posix.dirname(posix.join('/', dst));
    name = posix.basename(posix.join('/', dst));
  }
  let bytes = 0;
  const pack = tar.pack();
  const filling = packLocal(pack, src, name, o.followLink ?? false).then(
    (n) => {
      bytes = n;
      pack.finalize();
    },
    (e: unknown) => pack.destroy(e as Error),
  );
  await client.raw('PUT', archive, { query: query(dir), body: pack as unknown as Readable });
  await filling;
  report(o, bytes, `${container}:${dstPath}`);
}

/** Writes `src` into `pack` as `name` (and `name/...` for a directory); returns the bytes of file content. */
async function packLocal(pack: tar.Pack, src: string, name: string, followTop: boolean): Promise<number> {
  let bytes = 0;
  const links = new Map<string, string>();
  const put = (header: Partial<tar.Header> & { name: string }, data?: Buffer) =>
    new Promise<void>((ok, fail) => {
      const cb = (e?: Error | null) => (e ? fail(e) : ok());
      if (data) pack.entry(header, data, cb);
      else pack.entry(header, cb);
    });
  const walk = async (abs: string, entry: string, st: Stats): Promise<void> => {
    const base = { name: entry, uid: st.uid, gid: st.gid, mode: st.mode & 0o7777, mtime: st.mtime };
    if (st.isDirectory()) {
      await put({ ...base, name: entry === '.' ? './' : `${entry}/`, type: 'directory' });
      for (const child of (await readdir(abs)).sort()) await walk(join(abs, child), entry === '.' ? child : `${entry}/${child}`, await lstat(join(abs, child)));
    } else if (st.isSymbolicLink()) {
      await put({ ...base, type: 'symlink', linkname: await readlink(abs) });
    } else if (st.isFile()) {
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? links.get(key) : undefined;
      if (first !== undefined) return put({ ...base, type: 'link', linkname: first });
      if (st.nlink > 1) links.set(key, entry);
      bytes += st.size;
      await new Promise<void>((ok, fail) => {
        const sink = pack.entry({ ...base, type: 'file', size: st.size }, (e) => (e ? fail(e) : ok()));
        sink.on('error', fail);
        createReadStream(abs).on('error', fail).pipe(sink);
      });
    }
  };
  await walk(src, name, followTop ? await stat(src) : await lstat(src));
  return bytes;
}

/** Extracts a tar into `dir`, the first path component renamed to `rename` when given; returns the bytes of file content. */
async function extractLocal(input: Readable, dir: string, rename: string | undefined): Promise<number> {
  const extract = tar.extract();
  let bytes = 0;
  const dirTimes: { path: string; mtime: Date }[] = [];
  const mapName = (name: string): string | undefined => {
    // A leading `.` (a `/.` copy) is the first component, renamed like any other;
    // an absolute name is taken under `dir`, as Go's filepath.Join does.
    const parts = name.split('/').filter((p, i) => p !== '' && (p !== '.' || i === 0));
    if (parts.length === 0) return undefined;
    if (rename !== undefined) parts[0] = rename;
    else if (parts[0] === '.') parts.shift();
    const target = join(dir, ...parts);
    // docker's archive package refuses an entry that climbs out of the destination.
    const rel = relative(dir, target);
    if (rel === '..' || rel.startsWith('../')) throw new ExitError(1, `${JSON.stringify(posix.normalize(name))} is outside of ${JSON.stringify(dir)}`);
    return target;
  };
  const consuming = (async () => {
    for await (const e of extract as unknown as AsyncIterable<Readable & { header: tar.Header }>) {
      try {
        const h = e.header;
        const target = mapName(h.name);
        if (target === undefined) continue;
        const mode = (h.mode ?? 0o644) & 0o7777;
        const existing = await lstat(target).catch(() => undefined);
        if (existing && !(existing.isDirectory() && h.type === 'directory')) await rm(target, { recursive: true, force: true });
        if (h.type === 'directory') {
          if (!existing?.isDirectory()) await mkdir(target, { mode, recursive: true });
        } else if (h.type === 'file') {
          await pipeline(e, createWriteStream(target, { mode }));
          bytes += h.size ?? 0;
        } else if (h.type === 'symlink') {
          // As docker's archive package: a link whose target, read from where it
          // stands, leaves the destination is refused (a string prefix, as Go's check).
          if (!join(dirname(target), h.linkname ?? '').startsWith(dir)) {
            throw new ExitError(1, `invalid symlink ${JSON.stringify(target)} -> ${JSON.stringify(h.linkname ?? '')}`);
          }
          await symlink(h.linkname ?? '', target);
        } else if (h.type === 'link') {
          const from = join(dir, h.linkname ?? '');
          if (!from.startsWith(dir)) throw new ExitError(1, `invalid hardlink ${JSON.stringify(from)} -> ${JSON.stringify(h.linkname ?? '')}`);
          const mapped = mapName(h.linkname ?? '');
          if (mapped !== undefined) await link(mapped, target);
          continue;
        } else continue;
        if (process.getuid?.() === 0) await lchown(target, h.uid ?? 0, h.gid ?? 0).catch(() => undefined);
        const mtime = h.mtime ?? new Date();
        if (h.type === 'symlink') await lutimes(target, mtime, mtime).catch(() => undefined);
        else {
          await chmod(target, mode);
          if (h.type === 'directory') dirTimes.push({ path: target, mtime });
          else await utimes(target, mtime, mtime);
        }
      } finally {
        e.resume();
      }
    }
  })().catch((e: unknown) => {
    // A refused entry ends the copy, as docker's: stop reading the daemon's tar.
    input.destroy();
    extract.destroy();
    throw e;
  });
  await Promise.all([pipeline(input, extract), consuming]);
  for (const d of dirTimes.reverse()) await utimes(d.path, d.mtime, d.mtime).catch(() => undefined);
  return bytes;
}

export async function exportCommand(container: string, o: { output?: string }): Promise<void> {
  const client = await getClient();
  if (o.output === undefined && isTerminal(1)) throw new ExitError(1, 'cowardly refusing to save to a terminal. Use the -o flag or redirect');
  let body: Readable;
  try {
    body = await client.stream('GET', `/containers/${encodeURIComponent(container)}/export`);
  } catch (e) {
    throw new ExitError(1, describeError(e));
  }
  await pipeline(body, o.output !== undefined ? createWriteStream(o.output) : (stdoutStream() as Writable));
}

export async function diffCommand(container: string): Promise<void> {
  const client = await getClient();
  let changes: { Path: string; Kind: number }[] | null;
  try {
    changes = await client.json('GET', `/containers/${encodeURIComponent(container)}/changes`);
  } catch (e) {
    throw new ExitError(1, describeError(e));
  }
  const letter = ['C', 'A', 'D'];
  out((changes ?? []).map((c) => `${letter[c.Kind] ?? '?'} ${c.Path}\n`).join(''));
}

export interface CommitCliOptions {
  author?: string;
  change?: string[];
  message?: string;
  /** `--pause=false` arrives as the text "false". */
  pause?: boolean | string;
}

export async function commitCommand(container: string, ref: string | undefined, o: CommitCliOptions): Promise<void> {
  const client = await getClient();
  let repo: string | undefined;
  let tag: string | undefined;
  if (ref !== undefined && ref !== '') {
    const slash = ref.lastIndexOf('/');
    const colon = ref.lastIndexOf(':');
    if (colon > slash && !ref.includes('@')) {
      repo = ref.slice(0, colon);
      tag = ref.slice(colon + 1);
    } else repo = ref;
  }
  let r: { Id: string };
  try {
    r = await client.json('POST', '/commit', {
      query: { container, repo, tag, comment: o.message, author: o.author, pause: o.pause !== false && o.pause !== 'false', changes: o.change ?? [] },
      body: {},
    });
  } catch (e) {
    throw new ExitError(1, describeError(e));
  }
  out(`${r.Id}\n`);
}

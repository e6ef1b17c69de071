// COPY and ADD: resolving sources (context, another stage or an image; `*`, `?`
// and `[...]` wildcards per path component; no path may climb out of its
// root), Docker's destination rules (a trailing slash or several sources mean a
// directory; a directory source copies its contents; an existing directory in
// the image receives the file inside it), ownership (root, or --chown),
// --chmod, preserved mtimes, ADD's extraction of local tar archives, and the
// content hash that keys the build cache (content and metadata except mtime).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, lchown, lstat, lutimes, mkdir, mkdtemp, open, readdir, readlink, rm, stat, symlink, utimes } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, join, posix } from 'node:path';
import { invalidArgument, notFound } from '../core/errors.ts';
import { decompress, detectCompression } from '../image/index.ts';
import { unpackLayer } from '../image/index.ts';
import { resolveInRoot } from '../runtime/index.ts';
import { hostFs, type SourceFs, type SourceStat } from './context-fs.ts';

export interface CopySource {
  /** Path relative to the source root, as matched (for messages and hashing). */
  readonly rel: string;
  /** Host path, top-level symlinks followed inside the root. */
  readonly abs: string;
  /** ADD never extracts a downloaded URL. */
  readonly noExtract?: boolean;
  /** Where `abs` is looked up (default: the host's file system). */
  readonly fs?: SourceFs;
}

export interface CopyOwner {
  readonly uid: number;
  readonly gid: number;
}

function hasGlob(s: string): boolean {
  return /[*?[]/.test(s);
}

/** Go's path.Match for one path component. */
function componentRegex(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '\\' && i + 1 < pattern.length) re += (pattern[++i] as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) throw invalidArgument(`syntax error in pattern "${pattern}"`);
      const body = pattern.slice(i + 1, end).replace(/^\^/, '^').replace(/\\/g, '\\\\');
      re += `[${body}]`;
      i = end;
    } else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`);
}

/** A clean path relative to the root, or an error for one that leaves it. */
export function cleanSource(src: string, what: string): string {
  const n = posix.normalize(`/${src}`);
  const rel = n.replace(/^\/+/, '');
  if (rel.startsWith('..')) throw invalidArgument(`${what} failed: forbidden path outside the build context: ${src}`);
  return rel === '' ? '.' : rel.replace(/\/$/, '');
}

async function exists(p: string): Promise<Stats | undefined> {
  try {
    return await lstat(p);
  } catch {
    return undefined;
  }
}

async function existsIn(fs: SourceFs, p: string): Promise<SourceStat | undefined> {
  try {
    return await fs.lstat(p);
  } catch {
    return undefined;
  }
}

/**
 * Expands the source patterns against `root` in `fs`. `what` (`COPY`/`ADD`)
 * starts the error messages as Docker's do.
 */
export async function resolveSources(fs: SourceFs, root: string, patterns: readonly string[], what: string): Promise<CopySource[]> {
  const out: CopySource[] = [];
  for (const pattern of patterns) {
    const clean = cleanSource(pattern, what);
    if (!hasGlob(clean)) {
      const abs = clean === '.' ? root : await fs.resolve(root, clean);
      if ((await existsIn(fs, abs)) === undefined) {
        throw notFound(`${what} failed: file not found in build context or excluded by .dockerignore: stat ${clean}: file does not exist`);
      }
      out.push({ rel: clean, abs, fs });
      continue;
    }
    let matches = [''];
    for (const part of clean.split('/')) {
      const next: string[] = [];
      for (const m of matches) {
        const dir = m === '' ? root : join(root, m);
        if (!hasGlob(part)) {
          if ((await existsIn(fs, join(dir, part))) !== undefined) next.push(m === '' ? part : `${m}/${part}`);
          continue;
        }
        const re = componentRegex(part);
        let names: string[] = [];
        try {
          if ((await fs.stat(dir)).isDirectory()) names = await fs.readdir(dir);
        } catch {
          names = [];
        }
        for (const n of names.sort()) if (re.test(n)) next.push(m === '' ? n : `${m}/${n}`);
      }
      matches = next;
    }
    for (const m of matches) out.push({ rel: m, abs: await fs.resolve(root, m), fs });
  }
  if (out.length === 0) throw invalidArgument(`${what} failed: no source files were specified`);
  return out;
}

/** Hash of the sources' names, modes, owners, sizes, link targets and contents (not mtimes). */
export async function hashSources(sources: readonly CopySource[]): Promise<string> {
  const h = createHash('sha256');
  const visit = async (fs: SourceFs, abs: string, rel: string, top: boolean): Promise<void> => {
    const st = top ? await fs.stat(abs) : await fs.lstat(abs);
    h.update(`${rel}\0${st.mode}\0${st.uid}:${st.gid}\0`);
    if (st.isDirectory()) {
      for (const name of (await fs.readdir(abs)).sort()) await visit(fs, join(abs, name), `${rel}/${name}`, false);
    } else if (st.isSymbolicLink()) {
      h.update(`->${await fs.readlink(abs)}\0`);
    } else if (st.isFile()) {
      h.update(`${st.size}\0`);
      for await (const chunk of fs.content(abs, st.size)) h.update(chunk);
    }
  };
  for (const s of sources) await visit(s.fs ?? hostFs, s.abs, s.rel, true);
  return h.digest('hex');
}

/** Creates missing directories of `rel` under `root` (root-owned 0755, as Docker does). */
async function mkdirInRoot(root: string, rel: string, owner: CopyOwner | undefined): Promise<string> {
  const parts = rel.split('/').filter((p) => p !== '');
  let cur = '';
  for (const p of parts) {
    cur = cur === '' ? p : `${cur}/${p}`;
    const host = await resolveInRoot(root, cur);
    const st = await exists(host);
    if (st === undefined) {
      await mkdir(host, { mode: 0o755 });
      if (owner) await lchown(host, owner.uid, owner.gid);
    } else if (!st.isDirectory()) {
      throw invalidArgument(`cannot copy to non-directory: /${cur}`);
    }
  }
  return resolveInRoot(root, rel);
}

interface CopyOpts {
  readonly owner: CopyOwner | undefined;
  readonly mode: number | undefined;
  /** Keep the source's owner when no --chown was given (ADD archives). */
  readonly keepOwner: boolean;
}

async function applyMeta(target: string, st: Stats, o: CopyOpts): Promise<void> {
  const uid = o.owner?.uid ?? (o.keepOwner ? st.uid : 0);
  const gid = o.owner?.gid ?? (o.keepOwner ? st.gid : 0);
  await lchown(target, uid, gid);
  if (!st.isSymbolicLink()) {
    await chmod(target, o.mode ?? st.mode & 0o7777);
    await utimes(target, st.atime, st.mtime);
  } else {
    await lutimes(target, st.atime, st.mtime);
  }
}

/** Copies one file system object (recursively) to the host path `target`. */
async function copyTree(src: string, target: string, o: CopyOpts, follow: boolean): Promise<void> {
  const st = follow ? await stat(src) : await lstat(src);
  const existing = await exists(target);
  if (st.isDirectory()) {
    if (existing !== undefined && !existing.isDirectory()) await rm(target, { recursive: true, force: true });
    if (existing === undefined || !existing.isDirectory()) await mkdir(target);
    for (const name of await readdir(src)) await copyTree(join(src, name), join(target, name), o, false);
    await applyMeta(target, st, o);
    return;
  }
  if (existing !== undefined) await rm(target, { recursive: true, force: true });
  if (st.isSymbolicLink()) await symlink(await readlink(src), target);
  else if (st.isFile()) await copyFile(src, target);
  else return; // devices, fifos and sockets are not copied from a context
  await applyMeta(target, st, o);
}

/** Whether a file is a tar archive, plain or compressed (ADD extracts those). */
async function isArchive(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, 512, 0);
    const h = head.subarray(0, bytesRead);
    if (detectCompression(h) !== 'none') return true;
    return bytesRead >= 262 && h.subarray(257, 262).toString('latin1') === 'ustar';
  } finally {
    await fh.close();
  }
}

export interface CopyInto {
  readonly sources: readonly CopySource[];
  /** Inline files from heredocs: name → content. */
  readonly inline?: readonly { name: string; data: string }[];
  /** Absolute destination path inside the image, as written (trailing slash kept). */
  readonly dest: string;
  /** The mounted root file system to write into. */
  readonly destRoot: string;
  readonly owner?: CopyOwner;
  readonly mode?: number;
  readonly add: boolean;
  /** Scratch space for archive extraction. */
  readonly tmpDir: string;
  readonly what: string;
}

/** Performs the copy with Docker's destination rules. */
export async function copyInto(req: CopyInto): Promise<void> {
  const o: CopyOpts = { owner: req.owner, mode: req.mode, keepOwner: false };
  const count = req.sources.length + (req.inline?.length ?? 0);
  const destRel = req.dest.replace(/^\/+/, '');
  const endsWithSlash = req.dest.endsWith('/') || req.dest.endsWith('/.') || destRel === '';
  const destHost = await resolveInRoot(req.destRoot, destRel);
  const destStat = await exists(destHost);
  const destIsDir = endsWithSlash || destStat?.isDirectory() === true;
  if (count > 1 && !endsWithSlash && destStat?.isDirectory() !== true) {
    throw invalidArgument(`When using ${req.what} with more than one source file, the destination must be a directory and end with a /`);
  }
  for (const f of req.inline ?? []) {
    const dir = destIsDir ? destRel : posix.dirname(destRel);
    const name = destIsDir ? f.name : posix.basename(destRel);
    const hostDir = await mkdirInRoot(req.destRoot, dir === '.' ? '' : dir, undefined);
    const target = join(hostDir, name);
    await rm(target, { recursive: true, force: true });
    const fh = await open(target, 'w', 0o644);
    await fh.writeFile(f.data);
    await fh.close();
    await lchown(target, req.owner?.uid ?? 0, req.owner?.gid ?? 0);
    if (req.mode !== undefined) await chmod(target, req.mode);
  }
  for (const s of req.sources) {
    const st = await stat(s.abs);
    if (st.isDirectory()) {
      const hostDir = await mkdirInRoot(req.destRoot, destRel, req.owner);
      for (const name of await readdir(s.abs)) await copyTree(join(s.abs, name), join(hostDir, name), o, false);
      continue;
    }
    if (req.add && !s.noExtract && (await isArchive(s.abs))) {
      const tmp = await mkdtemp(join(req.tmpDir, 'add-'));
      try {
        const ok = await unpackLayer(decompress(createReadStream(s.abs)), tmp).then(
          () => true,
          () => false,
        );
        if (ok) {
          const hostDir = await mkdirInRoot(req.destRoot, destRel, req.owner);
          for (const name of await readdir(tmp)) await copyTree(join(tmp, name), join(hostDir, name), { ...o, keepOwner: true }, false);
          continue;
        }
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    }
    const targetRel = destIsDir ? posix.join(destRel, basename(s.rel === '.' ? s.abs : s.rel)) : destRel;
    const parent = await mkdirInRoot(req.destRoot, posix.dirname(targetRel) === '.' ? '' : posix.dirname(targetRel), undefined);
    await copyTree(s.abs, join(parent, posix.basename(targetRel)), o, true);
  }
}

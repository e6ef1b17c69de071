// Secure unpacking of one uncompressed layer tar into a layer directory, with
// the OCI layer rules for overlayfs: `.wh.<name>` becomes a 0:0 character device
// named <name>, `.wh..wh..opq` marks its directory opaque
// (trusted.overlay.opaque=y). No entry may land outside the directory: `..`
// that climbs out is rejected, absolute names are taken relative to it, parents
// that are symlinks are refused, and hardlinks must point at a file inside.
// Xattrs from PAX records are set, except overlayfs' own (`trusted.overlay.*`,
// `user.overlay.*`: see xattr.ts), which only the whiteout conversion sets.
//
// Speed: a layer has thousands of small files, and each needs half a dozen
// system calls. Made one promise at a time through libuv's thread pool that is
// most of a pull's time, so each chunk of tar is parsed (tar-reader.ts) and
// written with synchronous calls as it arrives: the event loop is held for at
// most 64 KiB of tar at a time (yieldEvery), and decompression keeps running
// meanwhile (in its own process, or on libuv's pool). Only what needs a helper process (device nodes, xattrs) waits for
// the end.
import { closeSync, fchmodSync, fchownSync, futimesSync, linkSync, lstatSync, mkdirSync, openSync, rmSync, symlinkSync, writeSync, chmodSync, lchownSync, lutimesSync } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import type { Digest } from '../core/digest.ts';
import { invalidArgument, isBerthError } from '../core/errors.ts';
import { log as defaultLog, type Logger } from '../lib/logger.ts';
import { runTool } from '../lib/run-tool.ts';
import { sha256Stream } from '../lib/sha256-worker.ts';
import { span } from '../lib/trace.ts';
import { EarlyWriteBack } from './early-write-back.ts';
import { FileWriterPool } from './file-writer-pool.ts';
import { TarReader, type TarEntry, type TarSink } from './tar-reader.ts';
import { isOverlayPrivateXattr, setXattrs, xattrLimitError, type XattrOp } from './xattr.ts';

export interface UnpackResult {
  /** sha256 of the uncompressed tar stream, trailing padding included. */
  readonly diffId: Digest;
  /**
   * Bytes the layer occupies as docker counts a layer's size: regular file
   * contents plus symlink target lengths, hardlinks once.
   */
  readonly size: number;
  /** Length of the tar stream in bytes. */
  readonly tarSize: number;
}

export interface UnpackOptions {
  readonly log?: Logger;
  readonly signal?: AbortSignal;
}

const whiteoutPrefix = '.wh.';
const opaqueMarker = '.wh..wh..opq';
/** Only root can give files away; an unprivileged unpack (tests, rootless) keeps its own ids. */
const canChown = process.getuid?.() === 0;
/** Small files written here before the writer threads are taken (their hand-over costs more than a few files). */
const filesBeforePool = 32;
/**
 * Files up to this size are handed whole to the writer threads (a copy here
 * costs less than the write calls it saves this thread); bigger ones are
 * streamed here.
 */
const maxPooledFile = 16 << 20;
/** Xattr names and values of one layer, held until the end: a bound, so that a layer of tiny files each with 64 KiB of xattrs cannot fill memory. */
const maxXattrBytes = 64 << 20;
/**
 * Tar bytes unpacked at most before the event loop gets a turn (setImmediate):
 * a chunk is parsed and written with synchronous calls, and the gunzip tool's
 * come in pieces of up to 1 MiB (tool-pipes.ts), which held berthd's loop for
 * tens of ms each while a layer unpacked; in slices of 64 KiB, API requests
 * during a pull wait far less (bench/README.md, pull: --loop-delay).
 */
const yieldEvery = 64 << 10;
/** Tar bytes between two early write-backs (early-write-back.ts): a layer smaller than this has none. */
const writeBackEvery = 32 << 20;
/** The process umask (open()'s mode is cut by it); 022 when it cannot be read (worker threads). */
const umask = (() => {
  try {
    return process.umask();
  } catch {
    return 0o022;
  }
})();

function isEnoent(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/**
 * Writes a tar entry's data to a new file. Iterates rather than using
 * pipeline(): node's pipeline never settles on a streamx entry that failed
 * (truncated tar) before it was piped.
 */
export async function writeEntryFile(body: AsyncIterable<Uint8Array>, path: string, meta?: { uid: number; gid: number; mode: number; mtime: Date }): Promise<void> {
  const fh = await open(path, 'wx', 0o600);
  try {
    for await (const chunk of body) await fh.writeFile(chunk);
    if (meta !== undefined) {
      if (canChown) await fh.chown(meta.uid, meta.gid);
      // chmod after chown: chown clears setuid/setgid bits.
      await fh.chmod(meta.mode);
      await fh.utimes(meta.mtime, meta.mtime);
    }
  } finally {
    await fh.close();
  }
}

/** Splits a tar path into clean components; `..` may not climb above the root. */
export function cleanComponents(name: string, what = 'path'): string[] {
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) throw invalidArgument(`invalid ${what} "${name}" in layer: it climbs out of the layer root`);
      out.pop();
      continue;
    }
    out.push(part);
  }
  return out;
}

interface DirMeta { path: string; mode: number; uid: number; gid: number; mtime: number }
/** What mkdir's 0755 becomes under the umask: no chmod is needed for a directory of that mode (the mode of the parents a layer's tar does not list). */
export const dirModeAtMkdir = 0o755 & ~umask;

/** The owner an entry owned by `uid`:`gid` has once unpacked: its own as root, else this process's (only root can give files away). */
export function unpackedOwner(uid: number, gid: number): { uid: number; gid: number } {
  return canChown ? { uid, gid } : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
}
interface NodeOp { path: string; args: string[]; uid: number; gid: number; mode?: number; mtime?: number; name: string }

/** Writes the entries a TarReader finds, with synchronous calls. */
class LayerWriter implements TarSink {
  readonly #root: string;
  readonly #log: Logger;
  /** Directories already checked (or made) in this unpack: real dirs, not symlinks. */
  readonly #knownDirs = new Set<string>();
  /** Directory metadata to apply at the end; a later entry for the same dir wins. */
  readonly #dirs = new Map<string, DirMeta>();
  readonly #xattrs: XattrOp[] = [];
  #xattrBytes = 0;
  /** overlayfs' own xattrs the layer tried to set (skipped): logged once at the end. */
  readonly #refusedXattrs = new Set<string>();
  /** Whiteouts, devices and fifos (mknod is a helper process), made at the end; by path. */
  readonly #nodes = new Map<string, NodeOp>();
  /** Bytes of content (see UnpackResult.size). */
  size = 0;
  /** The open file of the current entry, and what to set on it when its content is complete. */
  #file: { fd: number; uid: number; gid: number; mode: number; mtime: number } | undefined;
  /** The current entry's content being collected for the writer threads. */
  #pooled: { path: string; data: Buffer; filled: number; uid: number; gid: number; mode: number; mtime: number } | undefined;
  /**
   * Writer threads for regular files (only when the directory started empty:
   * see #clear), taken once the tar has shown more than a few small files: a
   * build context or a tiny layer is written sooner here than handed over.
   */
  #pool: FileWriterPool | undefined;
  #poolAllowed: boolean;
  #smallFiles = 0;
  get pool(): FileWriterPool | undefined {
    return this.#pool;
  }
  /**
   * Every path this unpack created, when the directory started empty: then
   * nothing else can be in the way and #clear() skips its lstat.
   */
  #written: Set<string> | undefined;
  readonly #startedEmpty: boolean;

  /**
   * Whether an owner change is needed: in a directory that started empty what
   * root creates is already 0:0 (no setgid parents), so only other ids are.
   */
  #needsChown(uid: number, gid: number, path?: string): boolean {
    return canChown && (!this.#startedEmpty || path === this.#root || uid !== 0 || gid !== 0);
  }

  constructor(root: string, log: Logger, startedEmpty: boolean) {
    // Normalized once, without a trailing slash: paths below are made by concatenation (see #ensureParents).
    const normal = normalize(root);
    this.#root = normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
    root = this.#root;
    this.#log = log;
    this.#knownDirs.add(root);
    if (startedEmpty) this.#written = new Set();
    this.#startedEmpty = startedEmpty;
    this.#poolAllowed = startedEmpty && process.env['BERTH_UNPACK_THREADS'] !== '0';
  }

  /** Makes sure every parent of `comps` is a real directory inside the root; creates missing ones. */
  #ensureParents(comps: readonly string[], create: boolean, includeLast = false): string {
    const n = includeLast ? comps.length : comps.length - 1;
    // The components are clean (cleanComponents: no '', '.', '..' or '/') and the root normalized, so
    // concatenation is join() without its normalizing copies (a layer has thousands of entries, each
    // a few levels deep). Most entries' parent is known already: then none of its ancestors is looked at.
    const top = this.#root === '/' ? '' : this.#root;
    const last = comps[comps.length - 1] as string;
    if (n > 0) {
      const parent = top + '/' + (n === comps.length ? comps.join('/') : comps.slice(0, n).join('/'));
      if (this.#knownDirs.has(parent)) return includeLast ? parent : parent + '/' + last;
    }
    let cur = this.#root;
    for (let i = 0; i < n; i++) {
      cur = (i === 0 ? top : cur) + '/' + (comps[i] as string);
      if (this.#knownDirs.has(cur)) continue;
      // In a directory that started empty, a path this unpack never made does not exist.
      if (this.#written !== undefined && !this.#written.has(cur) && create) {
        mkdirSync(cur, { mode: 0o755 });
        this.#written.add(cur);
        this.#knownDirs.add(cur);
        continue;
      }
      // It may be a file the writer threads still owe.
      this.pool?.barrier();
      const st = lstatSync(cur, { throwIfNoEntry: false });
      if (st === undefined) {
        if (!create) {
          const err = new Error(`ENOENT: no such file or directory, lstat '${cur}'`) as NodeJS.ErrnoException;
          err.code = 'ENOENT';
          throw err;
        }
        mkdirSync(cur, { mode: 0o755 });
        this.#written?.add(cur);
      } else if (st.isSymbolicLink()) {
        throw invalidArgument(`invalid path "${comps.join('/')}" in layer: parent "${comps.slice(0, i + 1).join('/')}" is a symlink`);
      } else if (!st.isDirectory()) {
        throw invalidArgument(`invalid path "${comps.join('/')}" in layer: parent "${comps.slice(0, i + 1).join('/')}" is not a directory`);
      }
      this.#knownDirs.add(cur);
    }
    if (includeLast || comps.length === 0) return cur;
    return (n === 0 ? top : cur) + '/' + last;
  }

  /** Removes whatever is at `path` unless both it and the new entry are directories. */
  #clear(path: string, newIsDir: boolean): void {
    if (path === this.#root) return;
    if (this.#nodes.size > 0) for (const p of this.#nodes.keys()) if (p === path || p.startsWith(path + '/')) this.#nodes.delete(p);
    if (this.#written !== undefined) {
      const seen = this.#written.has(path);
      this.#written.add(path);
      if (!seen) return;
      this.pool?.barrier();
    }
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (st === undefined) return;
    if (st.isDirectory() && newIsDir) return;
    rmSync(path, { recursive: true, force: true });
    for (const d of this.#knownDirs) if (d === path || d.startsWith(path + '/')) this.#knownDirs.delete(d);
    for (const d of this.#dirs.keys()) if (d === path || d.startsWith(path + '/')) this.#dirs.delete(d);
  }

  /**
   * A hardlink needs its target on disk: while the writer threads still owe
   * files, the reader pauses until they are done instead of this thread
   * blocking on them (a barrier held the event loop for up to ~0.5 s under load).
   */
  wait(h: TarEntry): Promise<void> | undefined {
    return h.type === 'link' && this.#pool?.busy === true ? this.#pool.idle() : undefined;
  }

  entry(h: TarEntry): void {
    const comps = cleanComponents(h.name);
    const { uid, gid } = h;
    const base = comps[comps.length - 1] ?? '';

    if (base.startsWith(whiteoutPrefix)) {
      const parent = this.#ensureParents(comps.slice(0, -1), true, true);
      if (base === opaqueMarker) {
        this.#xattrs.push({ path: parent, name: 'trusted.overlay.opaque', value: Buffer.from('y') });
      } else if (base.startsWith(whiteoutPrefix + whiteoutPrefix)) {
        this.#log.debug('skipping aufs metadata entry in layer', { name: h.name });
      } else {
        const hidden = base.slice(whiteoutPrefix.length);
        // `.wh..` or `.wh...` would name the directory itself or its parent.
        if (hidden === '' || hidden === '.' || hidden === '..') throw invalidArgument(`invalid whiteout "${h.name}" in layer`);
        const target = join(parent, hidden);
        this.#clear(target, false);
        this.#nodes.set(target, { path: target, args: ['-m', '000', target, 'c', '0', '0'], uid, gid, name: h.name });
      }
      return;
    }

    const path = this.#ensureParents(comps, true);
    const type = h.type;
    this.#clear(path, type === 'directory');

    switch (type) {
      case 'directory': {
        if (path !== this.#root) {
          try {
            mkdirSync(path, { mode: 0o755 });
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
          }
        }
        this.#knownDirs.add(path);
        this.#dirs.set(path, { path, mode: h.mode & 0o7777, uid, gid, mtime: h.mtime });
        break;
      }
      case 'file':
      case 'contiguous-file': {
        if (this.#poolAllowed && h.size <= maxPooledFile && ++this.#smallFiles > filesBeforePool && this.#pool === undefined) {
          this.#pool = FileWriterPool.open();
          this.#poolAllowed = this.#pool !== undefined;
        }
        if (this.pool !== undefined && h.size <= maxPooledFile) this.#pooled = { path, data: this.pool.alloc(h.size), filled: 0, uid, gid, mode: h.mode & 0o7777, mtime: h.mtime };
        else this.#file = { fd: openSync(path, 'wx', 0o600), uid, gid, mode: h.mode & 0o7777, mtime: h.mtime };
        this.size += h.size;
        break;
      }
      case 'symlink': {
        symlinkSync(h.linkname, path);
        this.size += Buffer.byteLength(h.linkname);
        if (this.#needsChown(uid, gid)) lchownSync(path, uid, gid);
        lutimesSync(path, h.mtime, h.mtime);
        break;
      }
      case 'link': {
        const targetComps = cleanComponents(h.linkname, 'hardlink target');
        const missing = (err: unknown): never => {
          if (isEnoent(err)) throw invalidArgument(`invalid hardlink "${h.name}" -> "${h.linkname}" in layer: target does not exist`);
          throw err;
        };
        let target: string;
        this.pool?.barrier();
        try {
          target = this.#ensureParents(targetComps, false);
        } catch (err) {
          return missing(err);
        }
        const st = lstatSync(target, { throwIfNoEntry: false });
        if (st === undefined) return missing(Object.assign(new Error('ENOENT'), { code: 'ENOENT' }));
        if (st.isDirectory() || target === this.#root) throw invalidArgument(`invalid hardlink "${h.name}" -> "${h.linkname}" in layer: target is a directory`);
        linkSync(target, path);
        break;
      }
      case 'character-device':
      case 'block-device':
      case 'fifo': {
        const args = type === 'fifo' ? [path, 'p'] : [path, type === 'character-device' ? 'c' : 'b', String(h.devmajor), String(h.devminor)];
        this.#nodes.set(path, { path, args, uid, gid, mode: h.mode & 0o7777, mtime: h.mtime, name: h.name });
        break;
      }
      default:
        this.#log.warn('skipping unsupported tar entry in layer', { name: h.name, type: h.typeflag });
        return;
    }

    for (const [name, value] of h.xattrs) {
      if (isOverlayPrivateXattr(name)) {
        this.#refusedXattrs.add(name);
        continue;
      }
      const tooBig = xattrLimitError(name, value);
      if (tooBig !== undefined) throw invalidArgument(`cannot unpack layer: ${h.name}: ${tooBig}`);
      this.#xattrBytes += Buffer.byteLength(name) + value.length;
      if (this.#xattrBytes > maxXattrBytes) throw invalidArgument(`cannot unpack layer: its extended attributes take more than ${maxXattrBytes >> 20} MiB`);
      this.#xattrs.push({ path, name, value });
    }
  }

  data(piece: Buffer): void {
    const p = this.#pooled;
    if (p !== undefined) {
      p.filled += piece.copy(p.data, p.filled);
      return;
    }
    const f = this.#file;
    if (f === undefined) return;
    let off = 0;
    while (off < piece.length) off += writeSync(f.fd, piece, off, piece.length - off);
  }

  entryEnd(): void {
    const p = this.#pooled;
    if (p !== undefined) {
      this.#pooled = undefined;
      this.pool?.add({ path: p.path, data: p.data.subarray(0, p.filled), uid: p.uid, gid: p.gid, chown: this.#needsChown(p.uid, p.gid), mode: p.mode, modeAtOpen: (p.mode & ~umask) === p.mode && (p.mode & 0o7000) === 0, mtime: p.mtime });
      return;
    }
    const f = this.#file;
    if (f === undefined) return;
    this.#file = undefined;
    try {
      if (this.#needsChown(f.uid, f.gid)) fchownSync(f.fd, f.uid, f.gid);
      // chmod after chown: chown clears setuid/setgid bits.
      fchmodSync(f.fd, f.mode);
      futimesSync(f.fd, f.mtime, f.mtime);
    } finally {
      closeSync(f.fd);
    }
  }

  /** Closes a file left open by a failed unpack and waits for the writer threads. */
  async abort(): Promise<void> {
    if (this.#file !== undefined) closeSync(this.#file.fd);
    this.#file = undefined;
    this.#pooled = undefined;
    await this.pool?.close().catch(() => undefined);
  }

  /** Makes device nodes and whiteouts, applies xattrs, then directory owners, modes and times deepest first. */
  async finish(): Promise<void> {
    await this.pool?.close();
    for (const n of this.#nodes.values()) {
      try {
        await runTool('mknod', n.args);
      } catch (err) {
        if (n.mode === undefined) throw err; // a whiteout must exist
        this.#log.warn('skipping special file in layer', { name: n.name, error: err });
        continue;
      }
      if (canChown) lchownSync(n.path, n.uid, n.gid);
      if (n.mode !== undefined) chmodSync(n.path, n.mode);
      if (n.mtime !== undefined) lutimesSync(n.path, n.mtime, n.mtime);
    }
    if (this.#refusedXattrs.size > 0) this.#log.warn('ignored overlayfs attributes a layer may not set', { xattrs: [...this.#refusedXattrs].slice(0, 20) });
    await setXattrs(this.#xattrs);
    const depth = (p: string) => {
      let k = 0;
      for (let i = p.indexOf('/'); i !== -1; i = p.indexOf('/', i + 1)) k++;
      return k;
    };
    const deepestFirst = [...this.#dirs.values()].map((d) => ({ d, depth: depth(d.path) })).sort((a, b) => b.depth - a.depth);
    for (const { d } of deepestFirst) {
      // Each metadata call is a journal update, and a layer has hundreds of directories: only what differs.
      const chown = this.#needsChown(d.uid, d.gid, d.path);
      if (chown) lchownSync(d.path, d.uid, d.gid);
      // chmod after chown: chown clears setuid/setgid bits. Directories this unpack made have mkdir's mode.
      if (chown || d.mode !== dirModeAtMkdir || !this.#startedEmpty || d.path === this.#root) chmodSync(d.path, d.mode);
      lutimesSync(d.path, d.mtime, d.mtime);
    }
  }
}

/**
 * Unpacks an uncompressed layer tar into `dir` (which must exist) and returns
 * its diff id and size. Throws InvalidArgument for an entry that would escape
 * `dir` or a malformed tar; the caller discards `dir` on failure.
 */
export async function unpackLayer(input: AsyncIterable<Uint8Array>, dir: string, options: UnpackOptions = {}): Promise<UnpackResult> {
  const log = options.log ?? defaultLog;
  const writer = new LayerWriter(dir, log, (await readdir(dir)).length === 0);
  const reader = new TarReader(writer);
  // The diff id (on a worker thread with BERTH_HASH_THREAD=1).
  const hash = sha256Stream();
  // The caller's sync after the unpack finds most of the data already written.
  const writeBack = new EarlyWriteBack(dir, writeBackEvery);
  let tarSize = 0;
  try {
    for await (const c of input) {
      options.signal?.throwIfAborted();
      const whole = Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
      // In slices, the event loop let go between them (see yieldEvery); the chunk stays valid until the next is asked for.
      for (let off = 0; off < whole.length; off += yieldEvery) {
        if (off > 0) {
          await new Promise((resolve) => setImmediate(resolve));
          options.signal?.throwIfAborted();
        }
        const chunk = whole.length <= yieldEvery ? whole : whole.subarray(off, off + yieldEvery);
        hash.update(chunk);
        tarSize += chunk.length;
        writeBack.progress(tarSize);
        for (let paused = reader.write(chunk); paused !== undefined; paused = reader.resume()) await paused;
      }
      // The writer threads get what the whole chunk held (a batch per slice would be many small ones).
      const pool = writer.pool;
      if (pool !== undefined) {
        pool.send();
        if (pool.pendingBytes > 32 << 20) await pool.below(8 << 20);
      }
    }
    reader.end();
  } catch (err) {
    hash.abandon();
    await writer.abort();
    await writeBack.settle();
    if (err instanceof Error && !isBerthError(err) && !('syscall' in err) && (err as NodeJS.ErrnoException).code === undefined) {
      throw invalidArgument(`cannot unpack layer: ${err.message}`, err);
    }
    throw err;
  }
  try {
    await span('unpack: finish (writer threads, nodes, xattrs, directories)', undefined, () => writer.finish());
  } catch (err) {
    hash.abandon();
    throw err;
  } finally {
    await writeBack.settle();
  }
  return { diffId: `sha256:${await hash.digest()}`, size: writer.size, tarSize };
}

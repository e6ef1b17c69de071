// Secure unpacking of one uncompressed layer tar into a layer directory, with
// the OCI layer rules for overlayfs: `.wh.<name>` becomes a 0:0 character device
// named <name>, `.wh..wh..opq` marks its directory opaque
// (trusted.overlay.opaque=y). No entry may land outside the directory: `..`
// that climbs out is rejected, absolute names are taken relative to it, parents
// that are symlinks are refused, and hardlinks must point at a file inside.
import { createHash } from 'node:crypto';
import { chmod, lchown, link, lstat, lutimes, mkdir, open, readdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import * as tar from 'tar-stream';
import type { Digest } from '../core/digest.ts';
import { invalidArgument, isBerthError } from '../core/errors.ts';
import { log as defaultLog, type Logger } from '../lib/logger.ts';
import { runTool } from '../lib/run-tool.ts';
import { setXattrs, type XattrOp } from './xattr.ts';
import { drained } from '../lib/drained.ts';

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
const xattrPaxPrefix = 'SCHILY.xattr.';
/** Only root can give files away; an unprivileged unpack (tests, rootless) keeps its own ids. */
const canChown = process.getuid?.() === 0;

async function chownIfRoot(path: string, uid: number, gid: number): Promise<void> {
  if (canChown) await lchown(path, uid, gid);
}

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

interface DirMeta { path: string; mode: number; uid: number; gid: number; mtime: Date }

class LayerWriter {
  readonly #root: string;
  readonly #log: Logger;
  /** Directories already checked (or made) in this unpack: real dirs, not symlinks. */
  readonly #knownDirs = new Set<string>();
  /** Directory metadata to apply at the end; a later entry for the same dir wins. */
  readonly #dirs = new Map<string, DirMeta>();
  readonly #xattrs: XattrOp[] = [];
  /** Bytes of content (see UnpackResult.size). */
  size = 0;
  /**
   * Every path this unpack created, when the directory started empty: then
   * nothing else can be in the way and #clear() skips its lstat.
   */
  #written: Set<string> | undefined;

  constructor(root: string, log: Logger, startedEmpty: boolean) {
    this.#root = root;
    this.#log = log;
    this.#knownDirs.add(root);
    if (startedEmpty) this.#written = new Set();
  }

  /** Makes sure every parent of `comps` is a real directory inside the root; creates missing ones. */
  async #ensureParents(comps: readonly string[], create: boolean, includeLast = false): Promise<string> {
    let cur = this.#root;
    const n = includeLast ? comps.length : comps.length - 1;
    for (let i = 0; i < n; i++) {
      cur = join(cur, comps[i] as string);
      if (this.#knownDirs.has(cur)) continue;
      try {
        const st = await lstat(cur);
        if (st.isSymbolicLink()) throw invalidArgument(`invalid path "${comps.join('/')}" in layer: parent "${comps.slice(0, i + 1).join('/')}" is a symlink`);
        if (!st.isDirectory()) throw invalidArgument(`invalid path "${comps.join('/')}" in layer: parent "${comps.slice(0, i + 1).join('/')}" is not a directory`);
      } catch (err) {
        if (!isEnoent(err) || !create) throw err;
        await mkdir(cur, { mode: 0o755 });
        this.#written?.add(cur);
      }
      this.#knownDirs.add(cur);
    }
    return includeLast || comps.length === 0 ? cur : join(cur, comps[comps.length - 1] as string);
  }

  /** Removes whatever is at `path` unless both it and the new entry are directories. */
  async #clear(path: string, newIsDir: boolean): Promise<void> {
    if (path === this.#root) return;
    if (this.#written !== undefined) {
      const seen = this.#written.has(path);
      this.#written.add(path);
      if (!seen) return;
    }
    let st;
    try {
      st = await lstat(path);
    } catch (err) {
      if (isEnoent(err)) return;
      throw err;
    }
    if (st.isDirectory() && newIsDir) return;
    await rm(path, { recursive: true, force: true });
    for (const d of this.#knownDirs) if (d === path || d.startsWith(path + '/')) this.#knownDirs.delete(d);
    for (const d of this.#dirs.keys()) if (d === path || d.startsWith(path + '/')) this.#dirs.delete(d);
  }

  async #setOwnerModeTime(path: string, h: tar.Header, uid: number, gid: number, isLink: boolean): Promise<void> {
    await chownIfRoot(path, uid, gid);
    // chmod after chown: chown clears setuid/setgid bits.
    if (!isLink) await chmod(path, (h.mode ?? 0o644) & 0o7777);
    const mtime = h.mtime ?? new Date(0);
    await lutimes(path, mtime, mtime);
  }

  async entry(h: tar.Header, body: NodeJS.ReadableStream & AsyncIterable<Buffer>): Promise<void> {
    const comps = cleanComponents(h.name);
    const pax = (h.pax ?? {}) as Record<string, string>;
    const uid = pax['uid'] !== undefined ? Number(pax['uid']) : (h.uid ?? 0);
    const gid = pax['gid'] !== undefined ? Number(pax['gid']) : (h.gid ?? 0);
    const base = comps[comps.length - 1] ?? '';

    if (base.startsWith(whiteoutPrefix)) {
      const parent = await this.#ensureParents(comps.slice(0, -1), true, true);
      if (base === opaqueMarker) {
        this.#xattrs.push({ path: parent, name: 'trusted.overlay.opaque', value: Buffer.from('y') });
      } else if (base.startsWith(whiteoutPrefix + whiteoutPrefix)) {
        this.#log.debug('skipping aufs metadata entry in layer', { name: h.name });
      } else {
        const hidden = base.slice(whiteoutPrefix.length);
        // `.wh..` or `.wh...` would name the directory itself or its parent.
        if (hidden === '' || hidden === '.' || hidden === '..') throw invalidArgument(`invalid whiteout "${h.name}" in layer`);
        const target = join(parent, hidden);
        await this.#clear(target, false);
        await runTool('mknod', ['-m', '000', target, 'c', '0', '0']);
        await chownIfRoot(target, uid, gid);
      }
      return;
    }

    const path = await this.#ensureParents(comps, true);
    const type = h.type ?? 'file';
    await this.#clear(path, type === 'directory');

    switch (type) {
      case 'directory': {
        if (path !== this.#root) {
          try {
            await mkdir(path, { mode: 0o755 });
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
          }
        }
        this.#knownDirs.add(path);
        this.#dirs.set(path, { path, mode: (h.mode ?? 0o755) & 0o7777, uid, gid, mtime: h.mtime ?? new Date(0) });
        break;
      }
      case 'file':
      case 'contiguous-file': {
        await writeEntryFile(body, path, { uid, gid, mode: (h.mode ?? 0o644) & 0o7777, mtime: h.mtime ?? new Date(0) });
        this.size += h.size ?? 0;
        break;
      }
      case 'symlink': {
        const target = h.linkname ?? '';
        await symlink(target, path);
        this.size += Buffer.byteLength(target);
        await this.#setOwnerModeTime(path, h, uid, gid, true);
        break;
      }
      case 'link': {
        const targetComps = cleanComponents(h.linkname ?? '', 'hardlink target');
        const missing = (err: unknown) => {
          if (isEnoent(err)) throw invalidArgument(`invalid hardlink "${h.name}" -> "${h.linkname ?? ''}" in layer: target does not exist`);
          throw err;
        };
        const target = await this.#ensureParents(targetComps, false).catch(missing);
        const st = await lstat(target).catch(missing);
        if (st.isDirectory() || target === this.#root) throw invalidArgument(`invalid hardlink "${h.name}" -> "${h.linkname ?? ''}" in layer: target is a directory`);
        await link(target, path);
        break;
      }
      case 'character-device':
      case 'block-device':
      case 'fifo': {
        const args = type === 'fifo' ? [path, 'p'] : [path, type === 'character-device' ? 'c' : 'b', String(h.devmajor ?? 0), String(h.devminor ?? 0)];
        try {
          await runTool('mknod', args);
        } catch (err) {
          this.#log.warn('skipping special file in layer', { name: h.name, error: err });
          return;
        }
        await this.#setOwnerModeTime(path, h, uid, gid, false);
        break;
      }
      default:
        this.#log.warn('skipping unsupported tar entry in layer', { name: h.name, type });
        return;
    }

    for (const [key, value] of Object.entries(pax)) {
      if (!key.startsWith(xattrPaxPrefix)) continue;
      if (value.includes('\uFFFD')) {
        // tar-stream decodes PAX values as UTF-8, so a binary value arrives mangled; better none than a wrong one.
        this.#log.warn('skipping binary xattr that cannot be read intact', { name: h.name, xattr: key.slice(xattrPaxPrefix.length) });
        continue;
      }
      this.#xattrs.push({ path, name: key.slice(xattrPaxPrefix.length), value: Buffer.from(value, 'utf8') });
    }
  }

  /** Applies xattrs, then directory owners, modes and times deepest first (writing into a dir changes its mtime). */
  async finish(): Promise<void> {
    await setXattrs(this.#xattrs);
    const deepestFirst = [...this.#dirs.values()].sort((a, b) => b.path.split('/').length - a.path.split('/').length);
    for (const d of deepestFirst) {
      await chownIfRoot(d.path, d.uid, d.gid);
      await chmod(d.path, d.mode);
      await lutimes(d.path, d.mtime, d.mtime);
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
  const extract = tar.extract();
  // Attach the entry iterator before any byte is written: entries emitted earlier would be lost.
  const entries = extract[Symbol.asyncIterator]();
  const hash = createHash('sha256');
  let tarSize = 0;
  const feeding = (async () => {
    try {
      for await (const chunk of input) {
        options.signal?.throwIfAborted();
        hash.update(chunk);
        tarSize += chunk.byteLength;
        if (extract.destroyed) return;
        if (!extract.write(chunk)) await drained(extract);
      }
      extract.end(undefined);
    } catch (err) {
      extract.destroy(err as Error);
      throw err;
    }
  })();
  try {
    for await (const entry of { [Symbol.asyncIterator]: () => entries }) {
      try {
        await writer.entry(entry.header, entry as unknown as NodeJS.ReadableStream & AsyncIterable<Buffer>);
      } finally {
        entry.resume();
      }
    }
  } catch (err) {
    extract.destroy(err instanceof Error ? err : undefined);
    // The feeder stops at its next chunk once it sees the extractor destroyed.
    feeding.catch(() => {});
    if (err instanceof Error && !isBerthError(err) && !('syscall' in err)) {
      throw invalidArgument(`cannot unpack layer: ${err.message}`, err);
    }
    throw err;
  }
  await feeding;
  await writer.finish();
  return { diffId: `sha256:${hash.digest('hex')}`, size: writer.size, tarSize };
}

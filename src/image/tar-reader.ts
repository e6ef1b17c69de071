// An incremental, synchronous tar reader: bytes go in with write(), entries
// come out as calls on a sink (header, data pieces, end), with no streams and
// no promises in between, so that a layer can be unpacked with synchronous
// file system calls as fast as its bytes arrive. Reads ustar, GNU (long names
// and link names, base-256 numbers) and PAX (path, linkpath, size, uid, gid,
// mtime and SCHILY.xattr.* kept as raw bytes) headers; checks header checksums.
import { invalidArgument } from '../core/errors.ts';

export type TarEntryType = 'file' | 'link' | 'symlink' | 'character-device' | 'block-device' | 'directory' | 'fifo' | 'contiguous-file' | 'unknown';

export interface TarEntry {
  readonly name: string;
  readonly type: TarEntryType;
  /** The raw typeflag, for messages about unknown types. */
  readonly typeflag: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  /** Seconds since the epoch (may be fractional from PAX). */
  readonly mtime: number;
  readonly linkname: string;
  readonly devmajor: number;
  readonly devminor: number;
  /** SCHILY.xattr.<name> records: name → value bytes. */
  readonly xattrs: ReadonlyMap<string, Buffer>;
}

export interface TarSink {
  /**
   * Optional: asked before each entry; a promise pauses the reader until it
   * settles (write() or resume() returns it, and the caller calls resume()
   * once it has). For work the sink must wait for without holding the thread.
   */
  wait?(e: TarEntry): Promise<void> | undefined;
  entry(e: TarEntry): void;
  /** A piece of the current entry's content (a view into the caller's chunk: copy it to keep it). */
  data(piece: Buffer): void;
  entryEnd(): void;
}

/** Biggest PAX / GNU long-name record accepted (they are kept in memory). */
const maxMetaSize = 1 << 20;

const typeflags: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '1': 'link',
  '2': 'symlink',
  '3': 'character-device',
  '4': 'block-device',
  '5': 'directory',
  '6': 'fifo',
  '7': 'contiguous-file',
};

function bad(why: string): Error {
  return invalidArgument(`cannot unpack layer: ${why}`);
}

function cString(b: Buffer, off: number, len: number): string {
  const end = b.indexOf(0, off);
  return b.toString('utf8', off, end === -1 || end > off + len ? off + len : end);
}

function num(b: Buffer, off: number, len: number): number {
  const first = b[off] ?? 0;
  if (first & 0x80) {
    // GNU base-256: big-endian, the first byte's high bit is the marker (0xff: negative, taken as 0).
    if (first === 0xff) return 0;
    let n = first & 0x7f;
    for (let i = 1; i < len; i++) n = n * 256 + (b[off + i] ?? 0);
    return n;
  }
  // The common form (octal digits, padded with spaces or NULs) read straight from the bytes; anything else as text below.
  let i = off;
  const end = off + len;
  while (i < end && b[i] === 0x20) i++;
  let n = 0;
  let digits = 0;
  for (; i < end; i++, digits++) {
    const c = b[i] as number;
    if (c < 0x30 || c > 0x37) break;
    n = n * 8 + (c - 0x30);
  }
  let rest = i;
  while (rest < end && b[rest] === 0x20) rest++;
  if (digits > 0 && (rest === end || b[rest] === 0)) return n;
  const s = b.toString('latin1', off, off + len).replace(/\0.*$/s, '').trim();
  if (s === '') return 0;
  const parsed = parseInt(s, 8);
  if (!Number.isFinite(parsed)) throw bad(`invalid number "${s}" in a tar header`);
  return parsed;
}

/** Bytes of padding after `n` bytes of content, up to the next 512-byte block. */
const padded = (n: number) => (512 - (n % 512)) % 512;

function isZeroBlock(h: Buffer): boolean {
  for (let i = 0; i < 512; i++) if (h[i] !== 0) return false;
  return true;
}

/** The xattrs of an entry without any (shared: the sink only reads them). */
const noXattrs: ReadonlyMap<string, Buffer> = new Map();

function checksumOk(h: Buffer): boolean {
  let sum = 8 * 0x20;
  for (let i = 0; i < 512; i++) if (i < 148 || i >= 156) sum += h[i] as number;
  return sum === num(h, 148, 8);
}

interface Pending {
  path?: string;
  linkpath?: string;
  size?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  xattrs?: Map<string, Buffer>;
}

/** Highest owner id Linux takes ((uid_t)-1 means "unchanged"). */
const maxId = 0xfffffffe;

/** A PAX size, uid or gid: decimal digits only, within what node and Linux take. */
function paxNumber(key: 'size' | 'uid' | 'gid', text: string): number {
  const n = Number(text);
  if (!/^\d{1,16}$/.test(text) || !Number.isSafeInteger(n) || (key !== 'size' && n > maxId)) throw bad(`invalid PAX record ${key}=${JSON.stringify(text.slice(0, 40))}`);
  return n;
}

/** Parses PAX extended header records (`<len> <key>=<value>\n`), values as raw bytes. */
function parsePax(buf: Buffer, into: Pending): void {
  let i = 0;
  while (i < buf.length) {
    const sp = buf.indexOf(0x20, i);
    if (sp === -1) break;
    const len = parseInt(buf.toString('latin1', i, sp), 10);
    if (!Number.isInteger(len) || len <= 0 || i + len > buf.length) break;
    const rec = buf.subarray(sp + 1, i + len - (buf[i + len - 1] === 0x0a ? 1 : 0));
    const eq = rec.indexOf(0x3d);
    i += len;
    if (eq === -1) continue;
    const key = rec.toString('utf8', 0, eq);
    const value = rec.subarray(eq + 1);
    switch (key) {
      case 'path':
        into.path = value.toString('utf8');
        break;
      case 'linkpath':
        into.linkpath = value.toString('utf8');
        break;
      case 'size':
      case 'uid':
      case 'gid':
        into[key] = paxNumber(key, value.toString('latin1'));
        break;
      case 'mtime': {
        // Go's form: decimal seconds with an optional sign and fraction.
        const text = value.toString('latin1');
        const n = Number(text);
        if (!/^-?\d{1,12}(\.\d+)?$/.test(text) || !Number.isFinite(n)) throw bad(`invalid PAX record mtime=${JSON.stringify(text.slice(0, 40))}`);
        into.mtime = n;
        break;
      }
      default:
        if (key.startsWith('SCHILY.xattr.')) (into.xattrs ??= new Map()).set(key.slice('SCHILY.xattr.'.length), Buffer.from(value));
    }
  }
}

export class TarReader {
  readonly #sink: TarSink;
  /** Bytes of an incomplete header. */
  #head = Buffer.alloc(512);
  #headLen = 0;
  /** Bytes of the current entry still to come, then padding to skip. */
  #remaining = 0;
  #padding = 0;
  /** Collecting a metadata entry's content (PAX or GNU long name). */
  #meta: { kind: 'pax' | 'global' | 'longname' | 'longlink'; parts: Buffer[]; size: number } | undefined;
  #inEntry = false;
  #pending: Pending = {};
  /** Bytes of PAX / GNU long-name records collected for the next entry (a chain of them is bounded too). */
  #pendingMeta = 0;
  #ended = false;
  /** Paused before an entry (see TarSink.wait): the entry, and the rest of the chunk after its header. */
  #paused: { e: TarEntry; entrySize: number; rest: Buffer } | undefined;

  constructor(sink: TarSink) {
    this.#sink = sink;
  }

  /**
   * Reads `chunk`. Returns a promise when the sink asked to pause: await it,
   * then call resume() (which may pause again) before writing more. Nothing
   * keeps a view of `chunk` once this returns: the caller may reuse it.
   */
  write(chunk: Buffer): Promise<void> | undefined {
    if (this.#paused !== undefined) throw new Error('TarReader.write() while paused: call resume() first');
    return this.#read(chunk, 0);
  }

  /** Goes on after a pause: the entry the sink waited for, then the rest of its chunk. */
  resume(): Promise<void> | undefined {
    const p = this.#paused;
    if (p === undefined) return undefined;
    this.#paused = undefined;
    this.#dispatch(p.e, p.entrySize);
    return this.#read(p.rest, 0);
  }

  #read(chunk: Buffer, start: number): Promise<void> | undefined {
    let off = start;
    while (off < chunk.length && !this.#ended) {
      if (this.#remaining > 0) {
        const n = Math.min(this.#remaining, chunk.length - off);
        const piece = chunk.subarray(off, off + n);
        if (this.#meta) this.#meta.parts.push(Buffer.from(piece));
        else this.#sink.data(piece);
        this.#remaining -= n;
        off += n;
        if (this.#remaining === 0) this.#endOfContent();
        continue;
      }
      if (this.#padding > 0) {
        const n = Math.min(this.#padding, chunk.length - off);
        this.#padding -= n;
        off += n;
        continue;
      }
      // A header: take it straight from the chunk when it is all there.
      let h: Buffer;
      if (this.#headLen === 0 && chunk.length - off >= 512) {
        h = chunk.subarray(off, off + 512);
        off += 512;
      } else {
        const n = Math.min(512 - this.#headLen, chunk.length - off);
        chunk.copy(this.#head, this.#headLen, off, off + n);
        this.#headLen += n;
        off += n;
        if (this.#headLen < 512) return;
        h = this.#head;
        this.#headLen = 0;
      }
      const wait = this.#header(h);
      if (wait !== undefined) {
        // A copy: the caller may reuse its chunk once write() returns (unpackLayer's input does).
        (this.#paused as { rest: Buffer }).rest = Buffer.from(chunk.subarray(off));
        return wait;
      }
    }
    return undefined;
  }

  /** The input is over: throws when it stopped inside an entry or a header. */
  end(): void {
    if (this.#paused !== undefined) throw new Error('TarReader.end() while paused: call resume() first');
    if (this.#ended) return;
    if (this.#remaining > 0 || this.#headLen > 0 || this.#meta !== undefined) throw bad('unexpected end of data: the tar is truncated');
    if (this.#inEntry) this.#endOfContent();
  }

  #endOfContent(): void {
    const meta = this.#meta;
    if (meta) {
      this.#meta = undefined;
      const buf = Buffer.concat(meta.parts);
      if (meta.kind === 'pax') parsePax(buf, this.#pending);
      else if (meta.kind === 'longname') this.#pending.path = cString(buf, 0, buf.length);
      else if (meta.kind === 'longlink') this.#pending.linkpath = cString(buf, 0, buf.length);
      // Global PAX headers carry nothing a layer needs.
      return;
    }
    this.#inEntry = false;
    this.#sink.entryEnd();
  }

  #header(h: Buffer): Promise<void> | undefined {
    if (isZeroBlock(h)) {
      // End-of-archive marker: whatever follows (the second zero block, padding) is not content.
      this.#ended = true;
      return undefined;
    }
    if (!checksumOk(h)) throw bad('invalid tar header (bad checksum): the tar is corrupted or still compressed');
    const flag = String.fromCharCode(h[156] as number);
    const size = num(h, 124, 12);
    const metaKind = flag === 'x' ? 'pax' : flag === 'g' ? 'global' : flag === 'L' ? 'longname' : flag === 'K' ? 'longlink' : undefined;
    if (metaKind !== undefined) {
      if (size > maxMetaSize) throw bad(`a tar ${metaKind} header of ${size} bytes is too big`);
      this.#pendingMeta += size;
      if (this.#pendingMeta > 2 * maxMetaSize) throw bad(`the tar metadata headers before one entry take more than ${2 * maxMetaSize} bytes`);
      this.#meta = { kind: metaKind, parts: [], size };
      this.#remaining = size;
      this.#padding = padded(size);
      if (size === 0) this.#endOfContent();
      return undefined;
    }
    const p = this.#pending;
    this.#pending = {};
    this.#pendingMeta = 0;
    let name = p.path ?? cString(h, 0, 100);
    const magic = h.toString('latin1', 257, 263);
    if (p.path === undefined && magic === 'ustar\0') {
      const prefix = cString(h, 345, 155);
      if (prefix !== '') name = `${prefix}/${name}`;
    }
    let type = typeflags[flag] ?? 'unknown';
    if (type === 'file' && name.endsWith('/')) type = 'directory';
    const entrySize = p.size ?? size;
    const uid = p.uid ?? num(h, 108, 8);
    const gid = p.gid ?? num(h, 116, 8);
    if (uid > maxId || gid > maxId) throw bad(`entry "${name}" has an owner beyond ${maxId} (${uid}:${gid})`);
    const e: TarEntry = {
      name,
      type,
      typeflag: flag,
      mode: num(h, 100, 8),
      uid,
      gid,
      size: type === 'directory' || type === 'symlink' || type === 'link' ? 0 : entrySize,
      mtime: p.mtime ?? num(h, 136, 12),
      linkname: p.linkpath ?? cString(h, 157, 100),
      devmajor: num(h, 329, 8),
      devminor: num(h, 337, 8),
      xattrs: p.xattrs ?? noXattrs,
    };
    const wait = this.#sink.wait?.(e);
    if (wait !== undefined) {
      this.#paused = { e, entrySize, rest: Buffer.alloc(0) };
      return wait;
    }
    this.#dispatch(e, entrySize);
    return undefined;
  }

  #dispatch(e: TarEntry, entrySize: number): void {
    const type = e.type;
    this.#inEntry = true;
    this.#sink.entry(e);
    // Links and directories have no content even when a header claims a size (tar-stream skips it the same way).
    this.#remaining = type === 'directory' || type === 'symlink' || type === 'link' ? 0 : entrySize;
    const skip = e.size === 0 ? entrySize : 0;
    this.#padding = padded(entrySize) + skip;
    if (this.#remaining === 0) this.#endOfContent();
  }
}

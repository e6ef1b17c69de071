// SPDY/3.1 framing, the part Kubernetes' streaming protocols use (moby's
// spdystream speaks it for kubelet, crictl and client-go): control and data
// frames cut from a byte stream, header blocks (a count, then length-prefixed
// names and values, several values of one name joined by NUL) and their zlib
// compression with SPDY's dictionary, one context per direction for the whole
// connection, each block ending on a sync flush. No flow control: spdystream
// neither sends WINDOW_UPDATE nor honours it, so neither side may rely on it.
import { constants as zc, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { spdy3Dictionary } from './spdy-dictionary.ts';

export const controlType = { synStream: 1, synReply: 2, rstStream: 3, settings: 4, ping: 6, goaway: 7, headers: 8, windowUpdate: 9 } as const;
export const rstStatus = { protocolError: 1, invalidStream: 2, refusedStream: 3, cancel: 5, internalError: 6, streamAlreadyClosed: 9 } as const;
export const flagFin = 0x01;
/** A frame's payload is at most 2^24-1 bytes (its length field has 24 bits). */
const maxPayload = 0xffffff;
/** A decompressed header block larger than this ends the connection (kubelet's are a few hundred bytes). */
export const maxHeaderBlock = 256 * 1024;

/** A frame as cut from the wire; control frames' header blocks are still compressed. */
export type RawFrame =
  | { readonly control: false; readonly streamId: number; readonly flags: number; readonly payload: Buffer }
  | { readonly control: true; readonly version: number; readonly type: number; readonly flags: number; readonly payload: Buffer };

export type Headers = ReadonlyMap<string, readonly string[]>;

/** Cuts frames out of the bytes of a connection as they arrive. */
export class FrameReader {
  #buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
  }

  /** The next whole frame, or undefined until more bytes arrive. */
  next(): RawFrame | undefined {
    const b = this.#buf;
    if (b.length < 8) return undefined;
    const length = b.readUIntBE(5, 3);
    if (b.length < 8 + length) return undefined;
    const payload = b.subarray(8, 8 + length);
    const flags = b[4]!;
    this.#buf = b.subarray(8 + length);
    const first = b.readUInt32BE(0);
    if ((first & 0x80000000) === 0) return { control: false, streamId: first & 0x7fffffff, flags, payload };
    return { control: true, version: (first >>> 16) & 0x7fff, type: first & 0xffff, flags, payload };
  }
}

export function dataFrame(streamId: number, data: Buffer, fin: boolean): Buffer {
  if (data.length > maxPayload) throw new RangeError('a SPDY data frame carries at most 16 MiB');
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head[4] = fin ? flagFin : 0;
  head.writeUIntBE(data.length, 5, 3);
  return Buffer.concat([head, data]);
}

export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | 3, 0);
  head.writeUInt16BE(type, 2);
  head[4] = flags;
  head.writeUIntBE(payload.length, 5, 3);
  return Buffer.concat([head, payload]);
}

function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
  return b;
}

export const synReplyFrame = (streamId: number, block: Buffer, fin: boolean) => controlFrame(controlType.synReply, fin ? flagFin : 0, Buffer.concat([u32(streamId & 0x7fffffff), block]));
export const rstStreamFrame = (streamId: number, status: number) => controlFrame(controlType.rstStream, 0, u32(streamId & 0x7fffffff, status));
export const pingFrame = (id: number) => controlFrame(controlType.ping, 0, u32(id));
export const goawayFrame = (lastGoodStreamId: number, status: number) => controlFrame(controlType.goaway, 0, u32(lastGoodStreamId & 0x7fffffff, status));

/** An uncompressed header block; names are lowercased, as SPDY/3 requires. */
export function encodeHeaders(headers: Readonly<Record<string, string | readonly string[]>>): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [u32(entries.length)];
  for (const [name, value] of entries) {
    const n = Buffer.from(name.toLowerCase());
    const v = Buffer.from(typeof value === 'string' ? value : value.join('\0'));
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

/** Reads an uncompressed header block; throws on a malformed one. */
export function decodeHeaders(block: Buffer): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let off = 0;
  const take = (): Buffer => {
    if (off + 4 > block.length) throw new Error('truncated SPDY header block');
    const len = block.readUInt32BE(off);
    off += 4;
    if (off + len > block.length) throw new Error('truncated SPDY header block');
    const s = block.subarray(off, off + len);
    off += len;
    return s;
  };
  if (block.length < 4) throw new Error('truncated SPDY header block');
  const count = block.readUInt32BE(0);
  off = 4;
  for (let i = 0; i < count; i++) {
    const name = take().toString().toLowerCase();
    const values = take().toString().split('\0');
    out.set(name, [...(out.get(name) ?? []), ...values]);
  }
  return out;
}

/** Runs one block through a zlib stream and returns what its sync flush gives out. */
function flushThrough(z: Inflate | Deflate, input: Buffer, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    let size = 0;
    const onData = (b: Buffer) => {
      size += b.length;
      if (size > limit) fail(new Error(`a SPDY header block over ${limit} bytes`));
      else out.push(b);
    };
    const onError = (err: Error) => fail(err);
    const done = () => {
      z.off('data', onData);
      z.off('error', onError);
    };
    const fail = (err: Error) => {
      done();
      reject(err);
    };
    z.on('data', onData);
    z.on('error', onError);
    z.write(input);
    z.flush(zc.Z_SYNC_FLUSH, () => {
      // Output pushed while the flush ran may be handed on a tick later: let it arrive.
      setImmediate(() => {
        done();
        if (size <= limit) resolve(Buffer.concat(out));
      });
    });
  });
}

/**
 * The header compression of one connection: an inflate context for what the
 * peer sends, a deflate context for what we send. Calls of each direction must
 * not overlap (the session runs them one at a time, in frame order).
 */
export class HeaderCompression {
  readonly #inflate = createInflate({ dictionary: spdy3Dictionary });
  readonly #deflate = createDeflate({ dictionary: spdy3Dictionary });

  async decompress(block: Buffer): Promise<Map<string, string[]>> {
    return decodeHeaders(await flushThrough(this.#inflate, block, maxHeaderBlock));
  }

  async compress(headers: Readonly<Record<string, string | readonly string[]>>): Promise<Buffer> {
    return flushThrough(this.#deflate, encodeHeaders(headers), Number.MAX_SAFE_INTEGER);
  }

  close(): void {
    this.#inflate.destroy();
    this.#deflate.destroy();
  }
}

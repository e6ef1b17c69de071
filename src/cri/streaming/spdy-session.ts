// The server side of one SPDY/3.1 connection as Kubernetes uses it: the
// client opens streams (SYN_STREAM) whose headers say what each one is for;
// the server answers each with an empty SYN_REPLY, as kubelet's does, and each
// becomes a Duplex: data frames in, data frames out, FIN as end of either
// side, RST_STREAM as destroy. PINGs are answered, GOAWAY ends the connection.
//
// Frames are handled one at a time in arrival order (a header block waits for
// the inflate of the ones before it); frames out go through one ordered queue
// (a header block is deflated in that order too). No flow control (the peer,
// spdystream, has none): when a stream's reader falls behind, the connection
// stops reading the socket until it catches up, which is what kubelet's
// blocking reads amount to.
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import {
  FrameReader, HeaderCompression, controlType, dataFrame, flagFin, goawayFrame, pingFrame, rstStatus, rstStreamFrame, synReplyFrame,
  type Headers, type RawFrame,
} from './spdy-frames.ts';

/** Data frames we send carry at most this much (spdystream reads any size; smaller frames interleave streams better). */
const maxDataChunk = 32 * 1024;

export class SpdyStream extends Duplex {
  readonly id: number;
  readonly headers: Headers;
  readonly #session: SpdySession;
  /** The peer sent FIN (or the stream was reset). */
  #remoteEnded = false;

  constructor(session: SpdySession, id: number, headers: Headers) {
    super({ allowHalfOpen: true });
    this.#session = session;
    this.id = id;
    this.headers = headers;
  }

  /** The first value of a header (names are lowercase), or ''. */
  header(name: string): string {
    return this.headers.get(name.toLowerCase())?.[0] ?? '';
  }

  /** @internal data from the peer */
  deliver(data: Buffer, fin: boolean): void {
    if (this.#remoteEnded) return;
    if (data.length > 0 && !this.push(data)) this.#session.hold(this);
    if (fin) {
      this.#remoteEnded = true;
      this.push(null);
    }
  }

  override _read(): void {
    this.#session.release(this);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const parts: Buffer[] = [];
    for (let off = 0; off < chunk.length; off += maxDataChunk) parts.push(dataFrame(this.id, chunk.subarray(off, off + maxDataChunk), false));
    this.#session.send(() => Buffer.concat(parts)).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.#session.send(() => dataFrame(this.id, Buffer.alloc(0), true)).then(() => cb(), cb);
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    // Torn down before both sides ended: tell the peer (kubelet resets its streams the same way).
    if (!this.#remoteEnded || !this.writableFinished) void this.#session.send(() => rstStreamFrame(this.id, rstStatus.cancel)).catch(() => undefined);
    this.#remoteEnded = true;
    this.#session.forget(this);
    cb(err);
  }
}

export interface SpdySessionEvents {
  stream: [SpdyStream];
  close: [];
}

export class SpdySession extends EventEmitter<SpdySessionEvents> {
  readonly #socket: Duplex;
  readonly #reader = new FrameReader();
  readonly #zlib = new HeaderCompression();
  readonly #streams = new Map<number, SpdyStream>();
  /** Streams whose reader is behind: the socket is paused while there is one. */
  readonly #held = new Set<SpdyStream>();
  #lastClientStream = 0;
  #inTail: Promise<void> = Promise.resolve();
  #inFlight = 0;
  #outTail: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(socket: Duplex) {
    super();
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onBytes(chunk));
    socket.on('error', () => this.destroy());
    socket.on('close', () => this.destroy());
    socket.on('end', () => this.destroy());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Queues a frame (built when its turn comes, so header blocks deflate in order); resolves once the socket took it. */
  send(build: () => Buffer | Promise<Buffer>): Promise<void> {
    const next = this.#outTail.then(async () => {
      if (this.#closed || this.#socket.writableEnded) throw new Error('the SPDY connection is closed');
      const frame = await build();
      if (this.#socket.write(frame)) return;
      await new Promise<void>((resolve, reject) => {
        const done = () => {
          this.#socket.off('drain', done);
          this.#socket.off('close', gone);
          resolve();
        };
        const gone = () => {
          this.#socket.off('drain', done);
          reject(new Error('the SPDY connection closed'));
        };
        this.#socket.once('drain', done);
        this.#socket.once('close', gone);
      });
    });
    this.#outTail = next.catch(() => undefined);
    return next;
  }

  /** Answers a stream the peer opened (an empty SYN_REPLY): the peer drops data on a stream it has no reply for. */
  reply(stream: SpdyStream): Promise<void> {
    return this.send(async () => synReplyFrame(stream.id, await this.#zlib.compress({}), false));
  }

  /** Sends GOAWAY and ends the connection once every queued frame is out; the peer closes its side. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.send(() => goawayFrame(this.#lastClientStream, 0)).catch(() => undefined);
    this.#socket.end();
    // A peer that never closes its side does not keep the connection.
    setTimeout(() => this.destroy(), 10_000).unref();
  }

  destroy(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of [...this.#streams.values()]) s.destroy();
    this.#zlib.close();
    this.#socket.destroy();
    this.emit('close');
  }

  /** @internal */
  hold(stream: SpdyStream): void {
    this.#held.add(stream);
    this.#socket.pause();
  }

  /** @internal */
  release(stream: SpdyStream): void {
    if (this.#held.delete(stream) && this.#held.size === 0 && this.#inFlight < 64) this.#socket.resume();
  }

  /** @internal */
  forget(stream: SpdyStream): void {
    this.#streams.delete(stream.id);
    this.release(stream);
  }

  #onBytes(chunk: Buffer): void {
    this.#reader.push(chunk);
    for (let f = this.#reader.next(); f !== undefined; f = this.#reader.next()) {
      const frame = f;
      this.#inFlight++;
      if (this.#inFlight >= 64) this.#socket.pause();
      this.#inTail = this.#inTail.then(() => this.#handle(frame)).catch(() => this.destroy()).finally(() => {
        this.#inFlight--;
        if (this.#inFlight < 64 && this.#held.size === 0 && !this.#closed) this.#socket.resume();
      });
    }
  }

  async #handle(f: RawFrame): Promise<void> {
    if (this.#closed) return;
    if (!f.control) {
      const s = this.#streams.get(f.streamId);
      if (s) s.deliver(f.payload, (f.flags & flagFin) !== 0);
      else if (f.streamId > this.#lastClientStream) void this.send(() => rstStreamFrame(f.streamId, rstStatus.invalidStream)).catch(() => undefined);
      return;
    }
    if (f.version !== 3) throw new Error(`SPDY version ${f.version} is not spoken here (3 and 3.1 are)`);
    const p = f.payload;
    switch (f.type) {
      case controlType.synStream: {
        const id = p.readUInt32BE(0) & 0x7fffffff;
        const headers = await this.#zlib.decompress(p.subarray(10));
        // A client's streams are odd and increase (SPDY/3 section 2.3.2).
        if (id % 2 === 0 || id <= this.#lastClientStream) {
          void this.send(() => rstStreamFrame(id, rstStatus.protocolError)).catch(() => undefined);
          return;
        }
        this.#lastClientStream = id;
        const stream = new SpdyStream(this, id, headers);
        this.#streams.set(id, stream);
        if ((f.flags & flagFin) !== 0) stream.deliver(Buffer.alloc(0), true);
        this.emit('stream', stream);
        return;
      }
      case controlType.headers:
        // Headers after the first carry nothing Kubernetes uses, but the block must go through the inflate context.
        await this.#zlib.decompress(p.subarray(4));
        return;
      case controlType.synReply:
        await this.#zlib.decompress(p.subarray(4));
        return;
      case controlType.rstStream:
        this.#streams.get(p.readUInt32BE(0) & 0x7fffffff)?.destroy();
        return;
      case controlType.ping: {
        const id = p.readUInt32BE(0);
        // Ours are even; an odd one is the peer's, to be echoed.
        if (id % 2 === 1) void this.send(() => pingFrame(id)).catch(() => undefined);
        return;
      }
      case controlType.goaway:
        this.destroy();
        return;
      default:
        // SETTINGS, WINDOW_UPDATE and anything newer: nothing to do (no flow control, see the header).
        return;
    }
  }
}

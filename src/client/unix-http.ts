// client: a small HTTP/1.1 client over a unix socket (node:net). node:http's
// first request costs ~15 ms of start-up here against ~5 ms for a bare socket,
// and berth's start time is a target; the Engine API needs only one request
// per connection, Content-Length or chunked bodies, and the 101 upgrade of attach.
import type { Socket } from 'node:net';
import type { PassThrough, Readable } from 'node:stream';
import { bodyDecoder, hasNoBody, parseResponseHead, requestHead } from './http-wire.ts';

export interface UnixRequest {
  readonly socketPath: string;
  readonly method: string;
  /** Path with query string. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string | number>>;
  /** A buffer is sent with Content-Length, a stream with chunked encoding. */
  readonly body?: Buffer | Readable;
  readonly signal?: AbortSignal;
}

export interface UnixResponse {
  readonly status: number;
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The decoded body; for a 101 upgrade it is empty and `socket` carries the stream. */
  readonly body: Readable;
  readonly socket: Socket;
  /** Bytes that arrived after the 101's headers. */
  readonly head: Buffer;
}

/** Sends one request on a new connection and resolves once the response headers arrive. */
export function unixRequest(req: UnixRequest): Promise<UnixResponse> {
  // Loaded on use: the compiled CLI sends its plain requests without them (bun-exchange.ts), and
  // loading Bun's node:net and node:stream costs it 3-4 ms of CPU.
  const { connect } = process.getBuiltinModule('node:net');
  const { PassThrough } = process.getBuiltinModule('node:stream');
  return new Promise((resolve, reject) => {
    const socket = connect(req.socketPath);
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(err);
    };
    if (req.signal) {
      if (req.signal.aborted) { fail(req.signal.reason); return; }
      req.signal.addEventListener('abort', () => { fail(req.signal?.reason); socket.destroy(); }, { once: true });
    }
    socket.on('error', fail);

    const chunked = req.body !== undefined && !Buffer.isBuffer(req.body);
    const head = requestHead({
      method: req.method, path: req.path, ...(req.headers ? { headers: req.headers } : {}),
      ...(Buffer.isBuffer(req.body) ? { body: 'buffer', bodyLength: req.body.length } : chunked ? { body: 'stream' } : {}),
    });
    // Nothing is written (and a body stream is not read) before the connection is
    // up, so a caller may retry a request that failed to connect.
    socket.once('connect', () => {
      socket.write(head);
      if (Buffer.isBuffer(req.body)) {
        if (req.body.length > 0) socket.write(req.body);
      } else if (req.body) {
        void sendChunked(req.body, socket).catch(fail);
      }
    });

    let pending: Buffer = Buffer.alloc(0);
    const onHeaderData = (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const parsed = parseResponseHead(pending);
      if (parsed === undefined) return;
      if (parsed instanceof Error) { fail(parsed); return; }
      socket.off('data', onHeaderData);
      socket.off('end', onEarlyEnd);
      const { status, headers, rest } = parsed;
      settled = true;
      socket.off('error', fail);
      const body = new PassThrough();
      // EPIPE: the daemon answered without reading all of our body (an early error);
      // the response is still readable, so only the write side is lost.
      socket.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EPIPE') body.destroy(e);
      });
      if (status === 101) {
        body.end();
        resolve({ status, headers, body, socket, head: rest });
        return;
      }
      resolve({ status, headers, body, socket, head: Buffer.alloc(0) });
      pipeBody(socket, rest, body, hasNoBody(req.method, status) ? 0 : headers);
    };
    const onEarlyEnd = () => fail(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    socket.on('data', onHeaderData);
    socket.on('end', onEarlyEnd);
  });
}

/**
 * Writes `src` to `socket` as a chunked body, waiting for the socket to drain
 * when its buffer is full. The stream is read as an async iterator, never
 * paused and resumed: Bun's process.stdin (the compiled CLI's) stalls now and
 * then after a resume(), which left `berth load` waiting for ever.
 */
async function sendChunked(src: Readable, socket: Socket): Promise<void> {
  for await (const c of src as AsyncIterable<Buffer | string>) {
    const buf = typeof c === 'string' ? Buffer.from(c) : c;
    if (buf.length === 0) continue;
    socket.write(`${buf.length.toString(16)}\r\n`);
    socket.write(buf);
    if (!socket.write('\r\n')) await drained(socket);
  }
  socket.write('0\r\n\r\n');
}

/** Resolves at the socket's next 'drain'; rejects (EPIPE) if it closes first, or is already gone. */
function drained(socket: Socket): Promise<void> {
  const gone = () => Object.assign(new Error('the connection closed while the request body was sent'), { code: 'EPIPE' });
  if (socket.destroyed) return Promise.reject(gone());
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      socket.off('drain', done);
      socket.off('close', closed);
      if (err) reject(err);
      else resolve();
    };
    const closed = () => done(gone());
    socket.once('drain', done);
    socket.once('close', closed);
  });
}

/** Decodes the body (Content-Length, chunked, or until close) into `out`. */
function pipeBody(socket: Socket, first: Buffer, out: PassThrough, headers: Record<string, string> | 0): void {
  // One socket read may decode into several chunks: wait for one 'drain' at a
  // time, or every full write would add a listener (MaxListenersExceededWarning).
  let waiting = false;
  const push = (b: Buffer) => {
    if (b.length > 0 && !out.write(b) && !waiting) {
      waiting = true;
      socket.pause();
      out.once('drain', () => { waiting = false; socket.resume(); });
    }
  };
  let complete = false;
  const finish = () => {
    complete = true;
    if (!out.writableEnded) out.end();
    socket.destroy();
  };
  if (headers === 0) { finish(); return; }
  const decoder = bodyDecoder(headers, push, finish);
  if (!decoder) { finish(); return; }
  complete = decoder.untilClose; // the body runs until close
  // A framed body (chunked or Content-Length) cut off by the peer is an error (docker: "unexpected EOF"), not an end.
  const closed = () => {
    if (out.writableEnded || out.destroyed) return;
    if (complete) out.end();
    else out.destroy(new Error('unexpected EOF'));
  };
  socket.on('data', (c: Buffer) => decoder.feed(c));
  socket.on('end', closed);
  socket.on('close', closed);
  if (first.length > 0) decoder.feed(first);
}

// client: a small HTTP/1.1 client over a unix socket (node:net). node:http's
// first request costs ~15 ms of start-up here against ~5 ms for a bare socket,
// and berth's start time is a target; the Engine API needs only one request
// per connection, Content-Length or chunked bodies, and the 101 upgrade of attach.
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import type { Readable } from 'node:stream';

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

    const lines = [`${req.method} ${req.path} HTTP/1.1`, 'Host: api.moby.localhost', 'User-Agent: berth'];
    const headers: Record<string, string | number> = { ...req.headers };
    const names = new Set(Object.keys(headers).map((h) => h.toLowerCase()));
    const chunked = req.body !== undefined && !Buffer.isBuffer(req.body);
    if (Buffer.isBuffer(req.body)) headers['Content-Length'] = req.body.length;
    else if (chunked) headers['Transfer-Encoding'] = 'chunked';
    else if (req.method === 'POST' || req.method === 'PUT') headers['Content-Length'] = 0;
    if (!names.has('connection')) headers['Connection'] = 'close';
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    // Nothing is written (and a body stream is not read) before the connection is
    // up, so a caller may retry a request that failed to connect.
    socket.once('connect', () => {
      socket.write(lines.join('\r\n') + '\r\n\r\n');
      if (Buffer.isBuffer(req.body)) {
        if (req.body.length > 0) socket.write(req.body);
      } else if (req.body) {
        const src = req.body;
        src.on('data', (c: Buffer | string) => {
          const buf = typeof c === 'string' ? Buffer.from(c) : c;
          if (buf.length === 0) return;
          socket.write(`${buf.length.toString(16)}\r\n`);
          socket.write(buf);
          if (!socket.write('\r\n')) {
            src.pause();
            socket.once('drain', () => src.resume());
          }
        });
        src.on('end', () => socket.write('0\r\n\r\n'));
        src.on('error', fail);
      }
    });

    let pending: Buffer = Buffer.alloc(0);
    const onHeaderData = (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0) {
        if (pending.length > 1 << 20) fail(new Error('response headers too large'));
        return;
      }
      socket.off('data', onHeaderData);
      socket.off('end', onEarlyEnd);
      const headText = pending.subarray(0, end).toString('latin1');
      const rest = pending.subarray(end + 4);
      const [statusLine = '', ...headerLines] = headText.split('\r\n');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
      if (!m) { fail(new Error(`malformed response: ${statusLine}`)); return; }
      const status = Number(m[1]);
      const hdrs: Record<string, string> = {};
      for (const l of headerLines) {
        const i = l.indexOf(':');
        if (i > 0) hdrs[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
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
        resolve({ status, headers: hdrs, body, socket, head: rest });
        return;
      }
      resolve({ status, headers: hdrs, body, socket, head: Buffer.alloc(0) });
      pipeBody(socket, rest, body, req.method === 'HEAD' || status === 204 || status === 304 ? 0 : hdrs);
    };
    const onEarlyEnd = () => fail(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    socket.on('data', onHeaderData);
    socket.on('end', onEarlyEnd);
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
  const te = (headers['transfer-encoding'] ?? '').toLowerCase();
  const cl = headers['content-length'];
  let feed: (b: Buffer) => void;
  if (te.includes('chunked')) {
    feed = chunkDecoder(push, finish);
  } else if (cl !== undefined) {
    let left = Number(cl);
    feed = (b) => {
      const take = b.subarray(0, left);
      left -= take.length;
      push(take);
      if (left <= 0) finish();
    };
    if (left === 0) { finish(); return; }
  } else {
    feed = push;
    complete = true; // the body runs until close
  }
  // A framed body (chunked or Content-Length) cut off by the peer is an error (docker: "unexpected EOF"), not an end.
  const closed = () => {
    if (out.writableEnded || out.destroyed) return;
    if (complete) out.end();
    else out.destroy(new Error('unexpected EOF'));
  };
  socket.on('data', (c: Buffer) => feed(c));
  socket.on('end', closed);
  socket.on('close', closed);
  if (first.length > 0) feed(first);
}

function chunkDecoder(push: (b: Buffer) => void, done: () => void): (b: Buffer) => void {
  let buf: Buffer = Buffer.alloc(0);
  let need = -1; // -1: reading a size line; >= 0: bytes of chunk data left (+2 for CRLF)
  let finished = false;
  return (chunk) => {
    if (finished) return;
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    for (;;) {
      if (need < 0) {
        const nl = buf.indexOf('\r\n');
        if (nl < 0) return;
        const size = parseInt(buf.subarray(0, nl).toString('latin1').split(';')[0] ?? '0', 16);
        buf = buf.subarray(nl + 2);
        if (!Number.isFinite(size) || size === 0) { finished = true; done(); return; }
        need = size;
      }
      if (need > 0) {
        const take = buf.subarray(0, need);
        push(take);
        need -= take.length;
        buf = buf.subarray(take.length);
        if (need > 0) return;
      }
      // chunk data complete: drop its trailing CRLF
      if (buf.length < 2) return;
      buf = buf.subarray(2);
      need = -1;
    }
  };
}

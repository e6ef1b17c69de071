// client: HTTP/1.1 as berth's two unix-socket transports write and read it (the
// node:net one in unix-http.ts, the Bun one in bun-exchange.ts): the request's
// head, the response's head, and the body's framing (Content-Length, chunked,
// or until close), so that both send the same bytes and read them the same way.

export interface WireRequest {
  readonly method: string;
  /** Path with query string. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string | number>>;
  /** Content-Length for a buffer, chunked for a stream, none without a body. */
  readonly body?: 'buffer' | 'stream';
  readonly bodyLength?: number;
}

/** The request line and headers, with the blank line that ends them. */
export function requestHead(req: WireRequest): string {
  const lines = [`${req.method} ${req.path} HTTP/1.1`, 'Host: api.moby.localhost', 'User-Agent: berth'];
  const headers: Record<string, string | number> = { ...req.headers };
  const names = new Set(Object.keys(headers).map((h) => h.toLowerCase()));
  if (req.body === 'buffer') headers['Content-Length'] = req.bodyLength ?? 0;
  else if (req.body === 'stream') headers['Transfer-Encoding'] = 'chunked';
  else if (req.method === 'POST' || req.method === 'PUT') headers['Content-Length'] = 0;
  if (!names.has('connection')) headers['Connection'] = 'close';
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return lines.join('\r\n') + '\r\n\r\n';
}

export interface ResponseHead {
  readonly status: number;
  /** Lower-cased names. */
  readonly headers: Record<string, string>;
  /** The bytes after the head. */
  readonly rest: Buffer;
}

/** The response head in `pending`: undefined until its blank line arrived; an Error when it is not HTTP. */
export function parseResponseHead(pending: Buffer): ResponseHead | Error | undefined {
  const end = pending.indexOf('\r\n\r\n');
  if (end < 0) return pending.length > 1 << 20 ? new Error('response headers too large') : undefined;
  const headText = pending.subarray(0, end).toString('latin1');
  const [statusLine = '', ...headerLines] = headText.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!m) return new Error(`malformed response: ${statusLine}`);
  const headers: Record<string, string> = {};
  for (const l of headerLines) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(m[1]), headers, rest: pending.subarray(end + 4) };
}

/** Whether a response has no body whatever its headers say (HEAD, 204, 304). */
export function hasNoBody(method: string, status: number): boolean {
  return method === 'HEAD' || status === 204 || status === 304;
}

export interface BodyDecoder {
  /** Takes bytes from the socket; calls `push` with body bytes and `done` once the framing says the body is complete. */
  feed(b: Buffer): void;
  /** True when the body runs until the connection closes (no Content-Length, not chunked). */
  readonly untilClose: boolean;
}

/** The decoder for a body framed by `headers`; undefined when the body is empty (Content-Length: 0). */
export function bodyDecoder(headers: Record<string, string>, push: (b: Buffer) => void, done: () => void): BodyDecoder | undefined {
  const te = (headers['transfer-encoding'] ?? '').toLowerCase();
  const cl = headers['content-length'];
  if (te.includes('chunked')) return { feed: chunkDecoder(push, done), untilClose: false };
  if (cl !== undefined) {
    let left = Number(cl);
    if (left === 0) return undefined;
    return {
      feed: (b) => {
        const take = b.subarray(0, left);
        left -= take.length;
        push(take);
        if (left <= 0) done();
      },
      untilClose: false,
    };
  }
  return { feed: push, untilClose: true };
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

// client: one request and its whole answer over a unix socket with Bun's own
// sockets (Bun.connect), for the compiled CLI. It sends the bytes unix-http.ts
// sends and reads the answer with the same framing (http-wire.ts); what it saves
// is loading Bun's node:net and node:stream, 3-4 ms of CPU of a start that
// is ~15 ms in all. Streamed bodies, streamed answers and attach's upgrade stay
// on unix-http.ts.
import { bodyDecoder, hasNoBody, parseResponseHead, requestHead } from './http-wire.ts';

/** The part of Bun's socket API used here. */
interface BunSocket {
  write(data: Uint8Array): number;
  end(): void;
  terminate(): void;
}
interface BunSocketHandler {
  open(s: BunSocket): void;
  data(s: BunSocket, d: Uint8Array): void;
  drain(s: BunSocket): void;
  end(s: BunSocket): void;
  close(s: BunSocket, err?: Error): void;
  error(s: BunSocket, err: Error): void;
  connectError(s: BunSocket, err: Error): void;
}
type BunConnect = (options: { unix: string; socket: BunSocketHandler }) => Promise<BunSocket>;

/** Bun.connect when running on Bun (the compiled CLI), else undefined. */
export const bunConnect: BunConnect | undefined = (globalThis as { Bun?: { connect?: BunConnect } }).Bun?.connect;

export interface ExchangeRequest {
  readonly socketPath: string;
  readonly method: string;
  /** Path with query string. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string | number>>;
  readonly body?: Buffer;
  readonly signal?: AbortSignal;
}

export interface ExchangeResponse {
  readonly status: number;
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** node:net's error for a failed connect (`connect ENOENT /path`), whose code isConnectError() knows. */
function connectError(err: Error, socketPath: string): Error {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return err;
  return Object.assign(new Error(`connect ${code} ${socketPath}`), { code, errno: (err as { errno?: unknown }).errno, syscall: 'connect', address: socketPath });
}

/** Sends one request with Bun.connect and resolves with the whole answer. */
export function bunExchange(connect: BunConnect, req: ExchangeRequest): Promise<ExchangeResponse> {
  return new Promise((resolve, reject) => {
    let socket: BunSocket | undefined;
    let settled = false;
    const finish = (err: unknown, res?: ExchangeResponse) => {
      if (settled) return;
      settled = true;
      socket?.terminate();
      if (res) resolve(res);
      else reject(err);
    };
    if (req.signal) {
      if (req.signal.aborted) { reject(req.signal.reason); return; }
      req.signal.addEventListener('abort', () => finish(req.signal?.reason), { once: true });
    }
    const head = Buffer.from(requestHead({
      method: req.method, path: req.path, ...(req.headers ? { headers: req.headers } : {}),
      ...(req.body ? { body: 'buffer', bodyLength: req.body.length } : {}),
    }), 'latin1');
    let unsent: Buffer = req.body && req.body.length > 0 ? Buffer.concat([head, req.body]) : head;
    const send = (s: BunSocket) => {
      if (unsent.length === 0) return;
      const n = s.write(unsent);
      // A daemon that answered early and closed (EPIPE): its answer is still read.
      unsent = n < 0 ? Buffer.alloc(0) : unsent.subarray(n);
    };

    let pending: Buffer = Buffer.alloc(0);
    let answer: { status: number; headers: Record<string, string> } | undefined;
    const chunks: Buffer[] = [];
    let decoder: ReturnType<typeof bodyDecoder> | 'none' | undefined;
    const complete = () => {
      if (answer) finish(undefined, { status: answer.status, headers: answer.headers, body: Buffer.concat(chunks) });
    };
    const onData = (d: Uint8Array) => {
      // A copy: what Bun hands to data() is not ours to keep.
      const chunk = Buffer.from(d);
      if (decoder) {
        if (decoder !== 'none') decoder.feed(chunk);
        return;
      }
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const parsed = parseResponseHead(pending);
      if (parsed === undefined) return;
      if (parsed instanceof Error) { finish(parsed); return; }
      answer = { status: parsed.status, headers: parsed.headers };
      // An upgrade is not for this transport; its body, as a HEAD's, 204's or 304's, is empty.
      if (parsed.status === 101 || hasNoBody(req.method, parsed.status)) { decoder = 'none'; complete(); return; }
      decoder = bodyDecoder(parsed.headers, (b) => { if (b.length > 0) chunks.push(b); }, complete) ?? 'none';
      if (decoder === 'none') { complete(); return; }
      if (parsed.rest.length > 0) decoder.feed(parsed.rest);
    };
    const onClosed = (err?: Error) => {
      if (settled) return;
      // Before the head: node:net's "socket hang up" (which the client's retry knows);
      // a framed body cut off: docker's "unexpected EOF"; a body that runs until close: done.
      if (!answer) finish(err ?? Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      else if (decoder !== 'none' && decoder?.untilClose) complete();
      else finish(err ?? new Error('unexpected EOF'));
    };

    connect({
      unix: req.socketPath,
      socket: {
        open: (s) => { socket = s; send(s); },
        data: (_s, d) => onData(d),
        drain: (s) => send(s),
        end: () => onClosed(),
        close: (_s, err) => onClosed(err),
        error: (_s, err) => {
          // EPIPE: only the write side is lost; the answer may still come.
          if ((err as { code?: unknown }).code !== 'EPIPE') finish(err);
        },
        connectError: (_s, err) => finish(connectError(err, req.socketPath)),
      },
    }).then((s) => {
      socket = s;
      if (settled) s.terminate();
    }, (err: unknown) => finish(err instanceof Error ? connectError(err, req.socketPath) : err));
  });
}

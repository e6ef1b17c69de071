// One HTTP(S) request to a registry, on node:http / node:https: custom CAs,
// abort signals, and a body that is a buffer or a stream. Redirects are the
// caller's business (they must drop credentials when the host changes).
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalidArgument } from '../core/errors.ts';

export interface SendOptions {
  readonly method: string;
  readonly headers?: OutgoingHttpHeaders;
  readonly body?: Buffer | Readable;
  /** Trusted CAs for https (replacing Node's defaults: pass them along when wanted). */
  readonly ca?: readonly (string | Buffer)[];
  /** A client certificate and its key (PEM), for registries that want mutual TLS. */
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly signal?: AbortSignal;
  /** Milliseconds without a response before giving up. */
  readonly timeoutMs?: number;
}

/** Sends a request and resolves with the response head; the body is the caller's to read or drain. */
export function send(url: URL, options: SendOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const isHttps = url.protocol === 'https:';
    const headers: OutgoingHttpHeaders = { 'User-Agent': 'berth/0.1 (docker-compatible)', ...options.headers };
    if (Buffer.isBuffer(options.body)) headers['Content-Length'] = String(options.body.length);
    else if (options.body === undefined && ['PUT', 'POST', 'PATCH'].includes(options.method)) headers['Content-Length'] = '0';
    const common = {
      method: options.method,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port || (isHttps ? 443 : 80),
      path: url.pathname + url.search,
      headers,
      ...(options.signal ? { signal: options.signal } : {}),
    };
    const req = isHttps ? httpsRequest({ ...common, ...(isIP(common.hostname) === 0 ? { servername: common.hostname } : {}), ...(options.ca ? { ca: [...options.ca] } : {}), ...(options.cert && options.key ? { cert: options.cert, key: options.key } : {}) }) : httpRequest(common);
    req.setTimeout(options.timeoutMs ?? 60_000, () => req.destroy(new Error(`no answer from ${url.host} within ${(options.timeoutMs ?? 60_000) / 1000}s`)));
    req.once('response', resolve);
    req.once('error', reject);
    const body = options.body;
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else pipeline(body, req).catch((err: unknown) => req.destroy(err as Error));
  });
}

/** Reads a whole response body (for JSON answers and small blobs), up to `limit` bytes (a bigger one is InvalidArgument). */
export async function readBody(res: IncomingMessage, limit = 64 * 1024 * 1024, what = 'registry answer'): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > limit) {
      res.destroy();
      throw invalidArgument(`the ${what} is larger than ${limit} bytes`);
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

/** Discards a response body so the socket can be reused. */
export function drain(res: IncomingMessage): void {
  res.resume();
}

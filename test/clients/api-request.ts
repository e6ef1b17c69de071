// One raw Engine API request to a target of the client tier, for scenarios
// that compare what a client library would see on the wire: the status, the
// content type and the body (parsed when it is JSON, JSON lines as a list).
import { request } from 'node:http';
import { apiVersion, type Target } from './harness.ts';

export interface Answer {
  readonly status: number;
  readonly type: string;
  readonly body: unknown;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
    try {
      return lines.map((l) => JSON.parse(l) as unknown);
    } catch {
      return text;
    }
  }
}

/**
 * `method path` on the target, at the harness's API version unless `path`
 * names one (`/v1.30/…`). A string or Buffer body is sent as is, with
 * `Content-Type` from `headers` (default application/json).
 */
export function apiRequest(t: Target, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  const full = /^\/v\d+\.\d+\//.test(path) ? path : `/v${apiVersion}${path}`;
  return new Promise((resolve, reject) => {
    const h: Record<string, string> = { ...headers };
    if (body !== undefined) {
      h['Content-Type'] ??= 'application/json';
      h['Content-Length'] = String(Buffer.byteLength(body));
    }
    const req = request({ socketPath: t.socket, method, path: full, headers: h }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: parse(Buffer.concat(chunks).toString('utf8')) }));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${full} on ${t.kind} did not answer within 30 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

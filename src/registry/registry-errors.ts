// Turns registry error answers (`{"errors":[{"code":"MANIFEST_UNKNOWN",…}]}`)
// and network failures into berth's error kinds with docker's wording.
import type { IncomingMessage } from 'node:http';
import { BerthError, internal, notFound, permissionDenied, unauthenticated, unavailable } from '../core/errors.ts';
import { readBody } from './http-request.ts';

interface RegistryErrorEntry {
  readonly code?: string;
  readonly message?: string;
}

/** docker's `errcode` text: `manifest unknown: manifest unknown`. */
export function describeRegistryErrors(body: Buffer): string | undefined {
  try {
    const doc = JSON.parse(body.toString('utf8')) as { errors?: RegistryErrorEntry[] };
    if (!Array.isArray(doc.errors) || doc.errors.length === 0) return undefined;
    return doc.errors
      .map((e) => {
        const code = (e.code ?? 'unknown').toLowerCase().replace(/_/g, ' ');
        return e.message ? `${code}: ${e.message}` : code;
      })
      .join(', ');
  } catch {
    return undefined;
  }
}

/** The error for a non-success answer; `what` names the request for the message. */
export async function errorFromResponse(res: IncomingMessage, what: string): Promise<BerthError> {
  const body = await readBody(res, 1024 * 1024).catch(() => Buffer.alloc(0));
  const status = res.statusCode ?? 0;
  const described = describeRegistryErrors(body) ?? (body.length > 0 && body.length < 300 ? body.toString('utf8').trim() : `unexpected status ${status}`);
  if (status === 401) return unauthenticated(described);
  if (status === 403) return permissionDenied(described);
  if (status === 404) return notFound(described);
  if (status >= 500) return unavailable(`${what}: received unexpected HTTP status: ${status} ${res.statusMessage ?? ''}`.trim());
  return internal(`${what}: ${described}`);
}

/** docker's text for a failed request: `Get "http://h/v2/": dial tcp 127.0.0.1:1: connect: connection refused`. */
export function networkError(method: string, url: URL, err: unknown): BerthError {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  const verb = method.charAt(0) + method.slice(1).toLowerCase();
  let why = e.message ?? String(err);
  if (e.code === 'ECONNREFUSED') why = `dial tcp ${e.address ?? url.hostname}:${e.port ?? url.port}: connect: connection refused`;
  else if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') why = `dial tcp: lookup ${url.hostname}: no such host`;
  else if (e.code?.startsWith('ERR_SSL_') && /alert ([a-z0-9 ]+?)(?::|$)/im.test(why)) {
    // OpenSSL's `…:sslv3 alert bad certificate:…:SSL alert number 42` as Go says it.
    const alert = (/alert ([a-z0-9 ]+?)(?::|$)/im.exec(why)?.[1] ?? '').replace(/^unknown ca$/, 'unknown certificate authority');
    why = `remote error: tls: ${alert}`;
  }
  return unavailable(`${verb} "${url.href}": ${why}`, err);
}

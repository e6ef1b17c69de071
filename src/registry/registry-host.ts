// One registry endpoint (a host, or a mirror's base URL): picks https or, for
// insecure and loopback hosts, plain http; pings `/v2/` once for the auth
// challenge; adds Bearer tokens (fetched from the challenge's realm, reused
// until they expire) or Basic credentials; follows redirects without leaking
// credentials to other origins, and never sends Basic credentials in clear to a
// token realm on another host; retries idempotent requests that fail on the network.
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { errorMessage, invalidArgument, unauthenticated } from '../core/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { parseChallenges, type Challenge } from './auth-challenge.ts';
import { drain, readBody, send, type SendOptions } from './http-request.ts';
import { errorFromResponse, networkError } from './registry-errors.ts';
import type { RegistryTls } from './registry-tls.ts';
import type { Credentials } from './types.ts';

export interface RegistryHostOptions {
  /** The registry's name (`localhost:5000`, `registry-1.docker.io`). */
  readonly host: string;
  /** An explicit base URL (mirrors); otherwise `https://<host>`, or `http://` when insecure. */
  readonly baseUrl?: string;
  /** Plain http allowed (after https fails). */
  readonly insecure: boolean;
  /** Extra trusted CAs and a client certificate (certs.d). */
  readonly tls?: RegistryTls;
  readonly retries: number;
  readonly log: Logger;
}

export interface HostRequest {
  /** Token scopes: `repository:library/busybox:pull`. */
  readonly scopes: readonly string[];
  readonly credentials?: Credentials;
  readonly headers?: OutgoingHttpHeaders;
  /** A buffer, or a function opening a fresh stream (so the request can be sent again after a 401). */
  readonly body?: Buffer | (() => Readable);
  readonly signal?: AbortSignal;
  /** Network retries for this request (default: the host's, for GET/HEAD only). */
  readonly retries?: number;
}

interface CachedToken {
  readonly token: string;
  readonly expires: number;
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

function credentialKey(c: Credentials | undefined): string {
  return c === undefined ? '' : `${c.username ?? ''}\0${c.password ?? ''}\0${c.identityToken ?? ''}\0${c.registryToken ?? ''}`;
}

/**
 * Whether https failed on a server that does speak TLS: it sent a TLS alert
 * (it wants a client certificate, or refused ours) or its certificate did not
 * verify. Falling back to plain http there would only hide the reason.
 */
function isTlsRefusal(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(code)) return true;
  return code.startsWith('ERR_SSL_') && /alert/i.test(errorMessage(err));
}

/** The alerts a server sends when it wants a (valid) client certificate. */
function wantsClientCert(err: unknown): boolean {
  return /alert (certificate required|bad certificate|unknown ca|handshake failure)/i.test(errorMessage(err));
}

export class RegistryHost {
  readonly host: string;
  readonly #o: RegistryHostOptions;
  #base: Promise<URL> | undefined;
  #challenge: Challenge | undefined;
  readonly #tokens = new Map<string, CachedToken>();

  constructor(options: RegistryHostOptions) {
    this.host = options.host;
    this.#o = options;
  }

  /** What every https request of this endpoint carries: the trusted CAs (the system's and certs.d's) and the client certificate. */
  get #tls(): Pick<SendOptions, 'ca' | 'cert' | 'key'> {
    const t = this.#o.tls;
    if (t === undefined) return {};
    return {
      ...(t.ca.length > 0 ? { ca: [...rootCertificates, ...t.ca] } : {}),
      ...(t.client ? { cert: t.client.cert, key: t.client.key } : {}),
    };
  }

  /** The base URL, found by pinging `/v2/` (https first; http when allowed). */
  baseUrl(signal?: AbortSignal): Promise<URL> {
    this.#base ??= this.#findBase(signal).catch((err: unknown) => {
      this.#base = undefined;
      throw err;
    });
    return this.#base;
  }

  async #ping(base: URL, signal?: AbortSignal): Promise<void> {
    const url = new URL('/v2/', base);
    let res: IncomingMessage;
    try {
      res = await send(url, { method: 'GET', ...this.#tls, ...(signal ? { signal } : {}), timeoutMs: 15_000 });
    } catch (err) {
      const e = networkError('GET', url, err);
      if (url.protocol === 'https:' && wantsClientCert(err)) {
        const t = this.#o.tls;
        e.message += t?.client ? `; the registry refused the client certificate ${t.client.name}` : `; the registry may want a client certificate, and there is none${t?.dir ? ` in ${t.dir} (client.cert and client.key)` : ''}`;
      }
      throw Object.assign(e, { tlsRefusal: isTlsRefusal(err) });
    }
    drain(res);
    if (res.statusCode === 401) this.#challenge = parseChallenges(res.headers['www-authenticate'])[0];
  }

  async #findBase(signal?: AbortSignal): Promise<URL> {
    if (this.#o.baseUrl !== undefined) {
      const base = new URL(this.#o.baseUrl);
      await this.#ping(base, signal);
      return base;
    }
    const https = new URL(`https://${this.host}`);
    try {
      await this.#ping(https, signal);
      return https;
    } catch (err) {
      if (!this.#o.insecure || (err as { tlsRefusal?: boolean }).tlsRefusal) throw err;
      this.#o.log.debug('https failed, trying plain http', { host: this.host, error: err });
      const http = new URL(`http://${this.host}`);
      await this.#ping(http, signal);
      return http;
    }
  }

  /** The Authorization header for these scopes, fetching a token when the registry wants one. */
  async #authorization(scopes: readonly string[], credentials: Credentials | undefined, signal?: AbortSignal): Promise<string | undefined> {
    const ch = this.#challenge;
    if (ch === undefined) return undefined;
    if (ch.scheme === 'basic') {
      if (credentials?.username === undefined) return undefined;
      return `Basic ${Buffer.from(`${credentials.username}:${credentials.password ?? ''}`).toString('base64')}`;
    }
    if (ch.scheme !== 'bearer') return undefined;
    if (credentials?.registryToken) return `Bearer ${credentials.registryToken}`;
    const key = `${credentialKey(credentials)}|${[...scopes].sort().join(' ')}`;
    const cached = this.#tokens.get(key);
    if (cached !== undefined && cached.expires > Date.now()) return `Bearer ${cached.token}`;
    const token = await this.#fetchToken(ch, scopes, credentials, signal);
    this.#tokens.set(key, token);
    return `Bearer ${token.token}`;
  }

  async #fetchToken(ch: Challenge, scopes: readonly string[], credentials: Credentials | undefined, signal?: AbortSignal): Promise<CachedToken> {
    const realm = ch.params['realm'];
    if (!realm) throw unauthenticated(`registry ${this.host} asked for a bearer token without a realm`);
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw unauthenticated(`registry ${this.host} named an invalid token realm ${JSON.stringify(realm)}`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw unauthenticated(`registry ${this.host} named a token realm that is not http(s): ${url.href}`);
    if (credentials?.username !== undefined && url.protocol === 'http:' && url.hostname !== (await this.baseUrl(signal)).hostname) {
      // Basic credentials in clear text to a host the user never named: refused (see docs/security.md).
      throw unauthenticated(`refusing to send the credentials for ${this.host} to the token realm ${url.origin}${url.pathname}: it is plain http on another host`);
    }
    if (ch.params['service']) url.searchParams.set('service', ch.params['service']);
    for (const s of scopes) url.searchParams.append('scope', s);
    const headers: OutgoingHttpHeaders = {};
    if (credentials?.username !== undefined) {
      const secret = credentials.password ?? credentials.identityToken ?? '';
      headers['Authorization'] = `Basic ${Buffer.from(`${credentials.username}:${secret}`).toString('base64')}`;
      url.searchParams.set('account', credentials.username);
    }
    let res: IncomingMessage;
    try {
      res = await send(url, { method: 'GET', headers, ...this.#tls, ...(signal ? { signal } : {}), timeoutMs: 30_000 });
    } catch (err) {
      throw networkError('GET', url, err);
    }
    if (res.statusCode !== 200) {
      const e = await errorFromResponse(res, `Get "${url.origin}${url.pathname}"`);
      if (res.statusCode === 401 || res.statusCode === 403) throw unauthenticated(`Get "${url.origin}${url.pathname}": unauthorized: ${e.message}`, e);
      throw e;
    }
    let doc: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      doc = JSON.parse((await readBody(res, 1024 * 1024, `answer of the token server ${url.origin}`)).toString('utf8')) as typeof doc;
    } catch (err) {
      if (err instanceof SyntaxError) throw unauthenticated(`the token server ${url.origin} answered with invalid JSON`);
      throw err;
    }
    const token = typeof doc.token === 'string' && doc.token !== '' ? doc.token : typeof doc.access_token === 'string' ? doc.access_token : '';
    // A header value may not hold control characters (node would throw on them later).
    if (!token || /[^\x20-\x7e]/.test(token)) throw unauthenticated(`the token server ${url.origin} answered without a usable token`);
    // Renew a little early; the spec's default lifetime is 60 s.
    const expiresIn = typeof doc.expires_in === 'number' && Number.isFinite(doc.expires_in) ? doc.expires_in : 60;
    const lifetime = Math.max(10, Math.min(expiresIn, 24 * 3600) - 5) * 1000;
    return { token, expires: Date.now() + lifetime };
  }

  /**
   * Sends a request to `path` (or an absolute URL the registry gave, such as an
   * upload location), with auth. Non-2xx answers are returned, not thrown.
   */
  async request(method: string, pathOrUrl: string, req: HostRequest): Promise<IncomingMessage> {
    const base = await this.baseUrl(req.signal);
    let url = new URL(pathOrUrl, base);
    const idempotent = method === 'GET' || method === 'HEAD';
    const retries = req.retries ?? (idempotent ? this.#o.retries : 1);
    let authRetried = false;
    let redirects = 0;
    for (let attempt = 1; ; attempt++) {
      // Credentials and tokens go only to the registry's own origin: not to another host a redirect
      // names, nor to the same host over plain http when the registry speaks https.
      const sameHost = url.origin === base.origin;
      const auth = sameHost ? await this.#authorization(req.scopes, req.credentials, req.signal) : undefined;
      const headers: OutgoingHttpHeaders = { ...req.headers, ...(auth ? { Authorization: auth } : {}) };
      const body = typeof req.body === 'function' ? req.body() : req.body;
      let res: IncomingMessage;
      try {
        res = await send(url, { method, headers, ...(body !== undefined ? { body } : {}), ...this.#tls, ...(req.signal ? { signal: req.signal } : {}) });
      } catch (err) {
        if (req.signal?.aborted || attempt >= retries) throw networkError(method, url, err);
        this.#o.log.debug('registry request failed, retrying', { url: url.href, attempt, error: err });
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
        continue;
      }
      if (res.statusCode === 401 && sameHost && !authRetried) {
        const ch = parseChallenges(res.headers['www-authenticate'])[0];
        drain(res);
        authRetried = true;
        if (ch !== undefined) {
          this.#challenge = ch;
          // A token that no longer works (expired early, scope changed) is dropped.
          this.#tokens.clear();
          attempt--;
          continue;
        }
        return res;
      }
      if (redirectStatuses.has(res.statusCode ?? 0) && res.headers.location && redirects < 10 && (idempotent || res.statusCode === 307 || res.statusCode === 308)) {
        drain(res);
        url = new URL(res.headers.location, url);
        if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidArgument(`registry ${this.host} redirected ${method} to ${url.href}, which is not http(s)`);
        redirects++;
        attempt--;
        continue;
      }
      return res;
    }
  }

  /** request() that throws the registry's error for a status not in `ok`. */
  async expect(method: string, pathOrUrl: string, ok: readonly number[], req: HostRequest, what: string): Promise<IncomingMessage> {
    const res = await this.request(method, pathOrUrl, req);
    if (ok.includes(res.statusCode ?? 0)) return res;
    throw await errorFromResponse(res, what);
  }
}

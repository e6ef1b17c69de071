// The endpoints one registry client talks to: a RegistryHost per registry or
// mirror base URL (kept, with its tokens, while its certs.d material stays the
// same), configured mirrors first and then the origin for pulls, plain http
// only for insecure and loopback hosts, certs.d CAs and client certificates
// per host, and the credentials a request falls back on. Also remembers which
// endpoint served a repository's resolve.
import { errorMessage } from '../core/errors.ts';
import { defaultDomain, type Reference } from '../core/reference.ts';
import type { Logger } from '../lib/logger.ts';
import { RegistryHost } from './registry-host.ts';
import { readRegistryTls, tlsFingerprint } from './registry-tls.ts';
import type { Credentials, CredentialsProvider, RegistrySettings } from './types.ts';

/** Docker's rule: loopback addresses and `localhost` are insecure registries by default. */
export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '').toLowerCase();
  return name === 'localhost' || name.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(name) || name === '::1';
}

function ipv4ToInt(ip: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return undefined;
  return m.slice(1).reduce((n, p) => n * 256 + Number(p), 0);
}

function inCidr(host: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const ip = ipv4ToInt(host.replace(/:\d+$/, ''));
  const base = ipv4ToInt(net ?? '');
  const bits = Number(bitsText);
  if (ip === undefined || base === undefined || !(bits >= 0 && bits <= 32)) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((ip & mask) >>> 0) === ((base & mask) >>> 0);
}

/** The host that serves a reference's domain: docker.io lives at registry-1.docker.io. */
export function registryHostOf(domain: string): string {
  return domain === defaultDomain ? 'registry-1.docker.io' : domain;
}

/** A token scope: `repository:library/busybox:pull`. */
export function repositoryScope(path: string, actions: string): string {
  return `repository:${path}:${actions}`;
}

export interface RegistryEndpointsOptions {
  readonly settings: RegistrySettings;
  /** Credentials when a request brings none (e.g. the daemon's own config). */
  readonly credentials?: CredentialsProvider;
  readonly log: Logger;
}

export class RegistryEndpoints {
  readonly #o: RegistryEndpointsOptions;
  readonly #hosts = new Map<string, { readonly tls: string; readonly host: RegistryHost }>();
  /** The endpoint a repository's last resolve succeeded on, for its blobs. */
  readonly #pullEndpoint = new Map<string, RegistryHost>();

  constructor(options: RegistryEndpointsOptions) {
    this.#o = options;
  }

  #isInsecure(host: string): boolean {
    if (isLoopbackHost(host)) return true;
    return (this.#o.settings.insecureRegistries ?? []).some((r) => r === host || r === host.replace(/:\d+$/, '') || (r.includes('/') && inCidr(host, r)));
  }

  /**
   * The kept endpoint for a registry host, or for a mirror's base URL. certs.d
   * is read at each lookup, as dockerd reads it for each pull and push: a
   * certificate put there (or taken away) applies from the next operation on,
   * with a new endpoint (and no kept tokens) when the TLS material changed.
   */
  async host(host: string, baseUrl?: string): Promise<RegistryHost> {
    const key = baseUrl ?? host;
    const tlsHost = baseUrl !== undefined ? new URL(baseUrl).host : host;
    const tls = await readRegistryTls(this.#o.settings.certsDir, tlsHost, this.#o.log);
    const fingerprint = tlsFingerprint(tls);
    const kept = this.#hosts.get(key);
    if (kept !== undefined && kept.tls === fingerprint) return kept.host;
    const made = new RegistryHost({
      host,
      ...(baseUrl !== undefined ? { baseUrl } : {}),
      insecure: this.#isInsecure(tlsHost),
      tls,
      retries: this.#o.settings.retries ?? 3,
      log: this.#o.log.with({ registry: key }),
    });
    this.#hosts.set(key, { tls: fingerprint, host: made });
    return made;
  }

  /** The reference's registry itself (pushes and blob checks never go to a mirror). */
  origin(ref: Reference): Promise<RegistryHost> {
    return this.host(registryHostOf(ref.domain));
  }

  /** A new endpoint with no kept tokens and one attempt per request (a login must really talk to the registry). */
  async fresh(host: string): Promise<RegistryHost> {
    const tls = await readRegistryTls(this.#o.settings.certsDir, host, this.#o.log);
    return new RegistryHost({ host, insecure: this.#isInsecure(host), tls, retries: 1, log: this.#o.log });
  }

  /** Endpoints to pull from: mirrors (in order), then the origin. */
  async #pullEndpoints(ref: Reference): Promise<RegistryHost[]> {
    const mirrors = this.#o.settings.mirrors?.[ref.domain] ?? (ref.domain === defaultDomain ? this.#o.settings.mirrors?.['registry-1.docker.io'] : undefined) ?? [];
    const out: RegistryHost[] = [];
    for (const m of mirrors) out.push(await this.host(registryHostOf(ref.domain), m.replace(/\/+$/, '')));
    out.push(await this.origin(ref));
    return out;
  }

  /** Runs `fn` on the mirrors, then the origin, until one answers; remembers it for the repository's blobs. */
  async onFirstEndpoint<T>(ref: Reference, fn: (ep: RegistryHost) => Promise<T>): Promise<T> {
    const endpoints = await this.#pullEndpoints(ref);
    let lastErr: unknown;
    for (let i = 0; i < endpoints.length; i++) {
      const ep = endpoints[i] as RegistryHost;
      try {
        const r = await fn(ep);
        this.#pullEndpoint.set(`${ref.domain}/${ref.path}`, ep);
        return r;
      } catch (err) {
        lastErr = err;
        if (i < endpoints.length - 1) this.#o.log.info('mirror failed, trying the next endpoint', { mirror: ep.host, error: errorMessage(err) });
      }
    }
    throw lastErr;
  }

  /** Where to pull a repository's blobs from: the endpoint its resolve succeeded on, else the origin. */
  pullEndpointFor(ref: Reference): Promise<RegistryHost> {
    const ep = this.#pullEndpoint.get(`${ref.domain}/${ref.path}`);
    return ep ? Promise.resolve(ep) : this.origin(ref);
  }

  /** The request's own credentials if it brings any, else the configured ones for the domain. */
  async credentials(ref: Reference | string, given?: Credentials): Promise<Credentials | undefined> {
    if (given !== undefined && (given.username || given.registryToken || given.identityToken)) return given;
    const domain = typeof ref === 'string' ? ref : ref.domain;
    return (await this.#o.credentials?.(domain)) ?? undefined;
  }
}

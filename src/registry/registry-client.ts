// The OCI distribution client: resolves references to a platform's manifest,
// fetches blobs (streamed, resumed with Range after a network failure),
// checks and uploads blobs (cross-repository mount, monolithic or chunked),
// puts manifests and checks logins. Endpoints per registry: configured
// mirrors first, then the origin; plain http only for insecure and loopback hosts.
import { readdir, readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { sha256, type Digest } from '../core/digest.ts';
import { errorMessage, internal, invalidArgument, isNotFound, isPermissionDenied, isUnauthenticated, notFound, permissionDenied, unauthenticated } from '../core/errors.ts';
import { defaultDomain, familiarName, type Reference } from '../core/reference.ts';
import type { Logger } from '../lib/logger.ts';
import { drain, readBody } from './http-request.ts';
import { acceptManifests, formatPlatform, hostPlatform, parseManifest, selectManifest } from './manifest.ts';
import { errorFromResponse, networkError } from './registry-errors.ts';
import { RegistryHost } from './registry-host.ts';
import type { Credentials, CredentialsProvider, Descriptor, DistributionInfo, DistributionPlatform, Platform, RegistryClient, RegistrySettings, RequestOptions, ResolvedImage } from './types.ts';

export interface RegistryClientDeps {
  readonly settings?: RegistrySettings;
  /** Credentials when a request brings none (e.g. the daemon's own config). */
  readonly credentials?: CredentialsProvider;
  readonly log: Logger;
}

const maxManifestSize = 4 * 1024 * 1024;

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

function scope(path: string, actions: string): string {
  return `repository:${path}:${actions}`;
}

class Client implements RegistryClient {
  readonly #settings: RegistrySettings;
  readonly #deps: RegistryClientDeps;
  readonly #hosts = new Map<string, Promise<RegistryHost>>();
  /** The endpoint a repository's last resolve succeeded on, for its blobs. */
  readonly #pullEndpoint = new Map<string, RegistryHost>();

  constructor(deps: RegistryClientDeps) {
    this.#deps = deps;
    this.#settings = deps.settings ?? {};
  }

  #isInsecure(host: string): boolean {
    if (isLoopbackHost(host)) return true;
    return (this.#settings.insecureRegistries ?? []).some((r) => r === host || r === host.replace(/:\d+$/, '') || (r.includes('/') && inCidr(host, r)));
  }

  async #cas(host: string): Promise<Buffer[]> {
    const dir = this.#settings.certsDir;
    if (dir === undefined) return [];
    const hostDir = join(dir, host);
    let names: string[];
    try {
      names = await readdir(hostDir);
    } catch {
      return [];
    }
    const out: Buffer[] = [];
    for (const n of names.filter((x) => x.endsWith('.crt') && !x.endsWith('.cert'))) out.push(await readFile(join(hostDir, n)));
    return out;
  }

  #host(host: string, baseUrl?: string): Promise<RegistryHost> {
    const key = baseUrl ?? host;
    let h = this.#hosts.get(key);
    if (h === undefined) {
      const caHost = baseUrl !== undefined ? new URL(baseUrl).host : host;
      h = this.#cas(caHost).then(
        (ca) =>
          new RegistryHost({
            host,
            ...(baseUrl !== undefined ? { baseUrl } : {}),
            insecure: this.#isInsecure(caHost),
            ca,
            retries: this.#settings.retries ?? 3,
            log: this.#deps.log.with({ registry: key }),
          }),
      );
      this.#hosts.set(key, h);
    }
    return h;
  }

  /** Endpoints to pull from: mirrors (in order), then the origin. */
  async #pullEndpoints(ref: Reference): Promise<RegistryHost[]> {
    const mirrors = this.#settings.mirrors?.[ref.domain] ?? (ref.domain === defaultDomain ? this.#settings.mirrors?.['registry-1.docker.io'] : undefined) ?? [];
    const out: RegistryHost[] = [];
    for (const m of mirrors) out.push(await this.#host(registryHostOf(ref.domain), m.replace(/\/+$/, '')));
    out.push(await this.#host(registryHostOf(ref.domain)));
    return out;
  }

  async #credentials(ref: Reference | string, given?: Credentials): Promise<Credentials | undefined> {
    if (given !== undefined && (given.username || given.registryToken || given.identityToken)) return given;
    const domain = typeof ref === 'string' ? ref : ref.domain;
    return (await this.#deps.credentials?.(domain)) ?? undefined;
  }

  resolve(ref: Reference, options: RequestOptions & { platform?: Platform } = {}): Promise<ResolvedImage> {
    return this.#onFirstEndpoint(ref, (ep) => this.#resolveAt(ep, ref, options));
  }

  inspectDistribution(ref: Reference, options: RequestOptions = {}): Promise<DistributionInfo> {
    return this.#onFirstEndpoint(ref, async (ep) => {
      const credentials = await this.#credentials(ref, options.credentials);
      const top = await this.#getManifest(ep, ref, ref.digest ?? ref.tag ?? 'latest', credentials, options.signal);
      const parsed = parseManifest(top.bytes, top.contentType);
      const descriptor: Descriptor = { mediaType: parsed.kind === 'index' ? parsed.index.mediaType : parsed.manifest.mediaType, digest: top.digest, size: top.bytes.length };
      if (parsed.kind === 'index') {
        return { descriptor, platforms: parsed.index.manifests.flatMap((m) => (m.platform ? [m.platform] : [])) };
      }
      // A single manifest: its platform is written in the image config, as docker reads it.
      const config = await this.#fetchBlobBytesAt(ep, ref, parsed.manifest.config, { ...(credentials ? { credentials } : {}), ...(options.signal ? { signal: options.signal } : {}) });
      return { descriptor, platforms: [platformOfConfig(config)] };
    });
  }

  /** Runs `fn` on the mirrors, then the origin, until one answers; remembers it for the repository's blobs. */
  async #onFirstEndpoint<T>(ref: Reference, fn: (ep: RegistryHost) => Promise<T>): Promise<T> {
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
        if (i < endpoints.length - 1) this.#deps.log.info('mirror failed, trying the next endpoint', { mirror: ep.host, error: errorMessage(err) });
      }
    }
    throw lastErr;
  }

  async #getManifest(ep: RegistryHost, ref: Reference, reference: string, credentials: Credentials | undefined, signal?: AbortSignal): Promise<{ bytes: Buffer; digest: Digest; contentType?: string }> {
    const res = await ep.request('GET', `/v2/${ref.path}/manifests/${reference}`, {
      scopes: [scope(ref.path, 'pull')],
      headers: { Accept: acceptManifests },
      ...(credentials ? { credentials } : {}),
      ...(signal ? { signal } : {}),
    });
    const status = res.statusCode ?? 0;
    if (status !== 200) {
      const err = await errorFromResponse(res, `GET manifest ${reference}`);
      const name = familiarName(ref);
      if (isNotFound(err) && /manifest unknown|not found/i.test(err.message)) throw notFound(`manifest for ${name} not found: ${err.message}`);
      const repo = familiarName({ domain: ref.domain, path: ref.path });
      if (isNotFound(err) || isUnauthenticated(err) || isPermissionDenied(err)) {
        const denied = `pull access denied for ${repo}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`;
        throw isUnauthenticated(err) ? unauthenticated(denied, err) : isNotFound(err) ? notFound(denied, err) : permissionDenied(denied, err);
      }
      throw err;
    }
    const bytes = await readBody(res, maxManifestSize);
    const digest = sha256(bytes);
    const header = res.headers['docker-content-digest'];
    if (reference.startsWith('sha256:') && digest !== reference) throw invalidArgument(`manifest verification failed for digest ${reference}: got ${digest}`);
    if (typeof header === 'string' && header.startsWith('sha256:') && header !== digest) throw invalidArgument(`manifest verification failed for ${familiarName(ref)}: registry says ${header}, content is ${digest}`);
    const contentType = res.headers['content-type'];
    return { bytes, digest, ...(contentType ? { contentType } : {}) };
  }

  async #resolveAt(ep: RegistryHost, ref: Reference, options: RequestOptions & { platform?: Platform }): Promise<ResolvedImage> {
    const credentials = await this.#credentials(ref, options.credentials);
    const want = options.platform ?? hostPlatform();
    const top = await this.#getManifest(ep, ref, ref.digest ?? ref.tag ?? 'latest', credentials, options.signal);
    const parsed = parseManifest(top.bytes, top.contentType);
    if (parsed.kind === 'manifest') {
      return { digest: top.digest, manifestDigest: top.digest, manifestBytes: top.bytes, manifest: parsed.manifest };
    }
    const entry = selectManifest(parsed.index, want);
    if (entry === undefined) throw notFound(`no matching manifest for ${formatPlatform(want)} in the manifest list entries`);
    const m = await this.#getManifest(ep, ref, entry.digest, credentials, options.signal);
    const inner = parseManifest(m.bytes, m.contentType);
    if (inner.kind !== 'manifest') throw invalidArgument(`invalid manifest ${entry.digest}: an index inside an index is not supported`);
    return { digest: top.digest, manifestDigest: m.digest, manifestBytes: m.bytes, manifest: inner.manifest };
  }

  #endpointFor(ref: Reference): Promise<RegistryHost> {
    const ep = this.#pullEndpoint.get(`${ref.domain}/${ref.path}`);
    return ep ? Promise.resolve(ep) : this.#host(registryHostOf(ref.domain));
  }

  async #openBlob(ref: Reference, desc: Descriptor, offset: number, options: RequestOptions, endpoint?: RegistryHost): Promise<IncomingMessage> {
    const ep = endpoint ?? (await this.#endpointFor(ref));
    const credentials = await this.#credentials(ref, options.credentials);
    const res = await ep.request('GET', `/v2/${ref.path}/blobs/${desc.digest}`, {
      scopes: [scope(ref.path, 'pull')],
      headers: offset > 0 ? { Range: `bytes=${offset}-` } : {},
      ...(credentials ? { credentials } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const status = res.statusCode ?? 0;
    if (status === 200 || status === 206) return res;
    const err = await errorFromResponse(res, `GET blob ${desc.digest}`);
    if (isNotFound(err)) throw notFound(`blob ${desc.digest} not found in ${ref.domain}/${ref.path}: ${err.message}`, err);
    throw err;
  }

  async fetchBlobBytes(ref: Reference, desc: Descriptor, options: RequestOptions = {}): Promise<Buffer> {
    return this.#fetchBlobBytesAt(await this.#endpointFor(ref), ref, desc, options);
  }

  async #fetchBlobBytesAt(ep: RegistryHost, ref: Reference, desc: Descriptor, options: RequestOptions): Promise<Buffer> {
    const res = await this.#openBlob(ref, desc, 0, options, ep);
    const bytes = await readBody(res, Math.max(desc.size, 0) + 1);
    const digest = sha256(bytes);
    if (digest !== desc.digest || bytes.length !== desc.size) throw invalidArgument(`failed to verify blob ${desc.digest}: got ${digest} (${bytes.length} bytes, expected ${desc.size})`);
    return bytes;
  }

  fetchBlob(ref: Reference, desc: Descriptor, options: RequestOptions & { onBytes?: (n: number) => void } = {}): Readable {
    const retries = this.#settings.retries ?? 3;
    const self = this;
    async function* chunks(): AsyncGenerator<Buffer> {
      let offset = 0;
      for (let attempt = 1; ; attempt++) {
        let res: IncomingMessage;
        try {
          res = await self.#openBlob(ref, desc, offset, options);
        } catch (err) {
          if (attempt >= retries || options.signal?.aborted || !isRetryable(err)) throw err;
          await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
          continue;
        }
        // A server that ignores Range sends everything again: skip what we have.
        let skip = offset > 0 && res.statusCode === 200 ? offset : 0;
        try {
          for await (const c of res as AsyncIterable<Buffer>) {
            let chunk = c;
            if (skip > 0) {
              if (chunk.length <= skip) {
                skip -= chunk.length;
                continue;
              }
              chunk = chunk.subarray(skip);
              skip = 0;
            }
            offset += chunk.length;
            options.onBytes?.(chunk.length);
            yield chunk;
          }
          return;
        } catch (err) {
          if (attempt >= retries || options.signal?.aborted) throw networkError('GET', new URL(`/v2/${ref.path}/blobs/${desc.digest}`, `http://${ref.domain}`), err);
          self.#deps.log.info('blob download interrupted, resuming', { digest: desc.digest, offset, error: errorMessage(err) });
        }
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  async hasBlob(ref: Reference, digest: Digest, options: RequestOptions = {}): Promise<boolean> {
    const ep = await this.#host(registryHostOf(ref.domain));
    const credentials = await this.#credentials(ref, options.credentials);
    const res = await ep.request('HEAD', `/v2/${ref.path}/blobs/${digest}`, {
      scopes: [scope(ref.path, 'pull,push')],
      ...(credentials ? { credentials } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    drain(res);
    if (res.statusCode === 200) return true;
    if (res.statusCode === 404) return false;
    throw await errorFromResponse(res, `HEAD blob ${digest}`);
  }

  async pushBlob(
    ref: Reference,
    desc: Descriptor,
    open: () => Readable,
    options: RequestOptions & { mountFrom?: string; chunkSize?: number; onBytes?: (n: number) => void } = {},
  ): Promise<'mounted' | 'uploaded'> {
    const ep = await this.#host(registryHostOf(ref.domain));
    const credentials = await this.#credentials(ref, options.credentials);
    const common = { ...(credentials ? { credentials } : {}), ...(options.signal ? { signal: options.signal } : {}) };
    const scopes = [scope(ref.path, 'pull,push'), ...(options.mountFrom !== undefined && options.mountFrom !== ref.path ? [scope(options.mountFrom, 'pull')] : [])];
    let startPath = `/v2/${ref.path}/blobs/uploads/`;
    if (options.mountFrom !== undefined && options.mountFrom !== ref.path) startPath += `?mount=${desc.digest}&from=${encodeURIComponent(options.mountFrom)}`;
    const start = await ep.expect('POST', startPath, [201, 202], { scopes, ...common }, `POST ${startPath}`);
    drain(start);
    if (start.statusCode === 201) return 'mounted';
    let location = start.headers.location;
    if (!location) throw internal(`registry ${ep.host} started an upload without a Location`);
    const chunkSize = options.chunkSize ?? 0;
    if (chunkSize > 0 && desc.size > chunkSize) {
      let sent = 0;
      for await (const piece of rechunk(open(), chunkSize)) {
        const res = await ep.expect(
          'PATCH',
          location,
          [202],
          { scopes, ...common, body: piece, headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${sent}-${sent + piece.length - 1}` } },
          `PATCH blob ${desc.digest}`,
        );
        drain(res);
        sent += piece.length;
        options.onBytes?.(piece.length);
        location = res.headers.location ?? location;
      }
      const url = withDigest(location, desc.digest, await ep.baseUrl());
      const done = await ep.expect('PUT', url, [201], { scopes, ...common }, `PUT blob ${desc.digest}`);
      drain(done);
      return 'uploaded';
    }
    const url = withDigest(location, desc.digest, await ep.baseUrl());
    const body = () => {
      const s = open();
      if (options.onBytes) s.on('data', (c: Buffer) => options.onBytes?.(c.length));
      return s;
    };
    const done = await ep.expect('PUT', url, [201], { scopes, ...common, body, headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(desc.size) } }, `PUT blob ${desc.digest}`);
    drain(done);
    return 'uploaded';
  }

  async putManifest(ref: Reference, bytes: Buffer, mediaType: string, options: RequestOptions = {}): Promise<Digest> {
    const ep = await this.#host(registryHostOf(ref.domain));
    const credentials = await this.#credentials(ref, options.credentials);
    const target = ref.digest ?? ref.tag ?? 'latest';
    const res = await ep.expect(
      'PUT',
      `/v2/${ref.path}/manifests/${target}`,
      [200, 201],
      { scopes: [scope(ref.path, 'pull,push')], body: bytes, headers: { 'Content-Type': mediaType }, ...(credentials ? { credentials } : {}), ...(options.signal ? { signal: options.signal } : {}) },
      `PUT manifest ${target}`,
    );
    drain(res);
    const header = res.headers['docker-content-digest'];
    return typeof header === 'string' && header.startsWith('sha256:') ? (header as Digest) : sha256(bytes);
  }

  async listTags(ref: Reference, options: RequestOptions = {}): Promise<string[]> {
    const ep = await this.#endpointFor(ref);
    const credentials = await this.#credentials(ref, options.credentials);
    const tags: string[] = [];
    let next: string | undefined = `/v2/${ref.path}/tags/list?n=1000`;
    for (let page = 0; next !== undefined && page < 100; page++) {
      const res = await ep.expect('GET', next, [200], { scopes: [scope(ref.path, 'pull')], ...(credentials ? { credentials } : {}), ...(options.signal ? { signal: options.signal } : {}) }, `GET tags of ${ref.path}`);
      const doc = JSON.parse((await readBody(res, maxManifestSize)).toString('utf8')) as { tags?: unknown };
      if (Array.isArray(doc.tags)) for (const t of doc.tags) if (typeof t === 'string') tags.push(t);
      const link = res.headers.link;
      next = typeof link === 'string' ? /<([^>]+)>;\s*rel="?next"?/.exec(link)?.[1] : undefined;
    }
    return tags;
  }

  async login(server: string, credentials: Credentials, options: { signal?: AbortSignal } = {}): Promise<{ identityToken?: string }> {
    // `https://index.docker.io/v1/`, `localhost:5000`, `http://h:5000/v2/` all name a host.
    const bare = server.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
    const host = registryHostOf(bare === 'index.docker.io' || bare === '' ? defaultDomain : bare);
    // A fresh endpoint: a login must really talk to the registry, not reuse tokens.
    const ca = await this.#cas(host);
    const ep = new RegistryHost({ host, insecure: this.#isInsecure(host), ca, retries: 1, log: this.#deps.log });
    const base = await ep.baseUrl(options.signal);
    const url = new URL('/v2/', base);
    const res = await ep.request('GET', '/v2/', { scopes: [], credentials, ...(options.signal ? { signal: options.signal } : {}) });
    drain(res);
    if (res.statusCode === 200) return {};
    if (res.statusCode === 401 || res.statusCode === 403) {
      throw unauthenticated(`login attempt to ${url.href} failed with status: ${res.statusCode} ${res.statusMessage ?? ''}`.trim());
    }
    throw internal(`login attempt to ${url.href} failed with status: ${res.statusCode} ${res.statusMessage ?? ''}`.trim());
  }
}

function isRetryable(err: unknown): boolean {
  return !(isNotFound(err) || isUnauthenticated(err) || isPermissionDenied(err));
}

function withDigest(location: string, digest: Digest, base: URL): string {
  const url = new URL(location, base);
  url.searchParams.set('digest', digest);
  return url.href;
}

/** Re-cuts a stream into pieces of `size` bytes (the last may be shorter). */
/** The platform an image config declares (os, architecture, variant, os.version, os.features). */
function platformOfConfig(bytes: Buffer): DistributionPlatform {
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw invalidArgument('the image config is not valid JSON');
  }
  const text = (k: string): string | undefined => (typeof c[k] === 'string' && c[k] !== '' ? (c[k] as string) : undefined);
  const variant = text('variant');
  const osVersion = text('os.version');
  const features = Array.isArray(c['os.features']) ? (c['os.features'] as unknown[]).filter((f): f is string => typeof f === 'string') : [];
  return {
    architecture: text('architecture') ?? '',
    os: text('os') ?? '',
    ...(osVersion ? { 'os.version': osVersion } : {}),
    ...(features.length > 0 ? { 'os.features': features } : {}),
    ...(variant ? { variant } : {}),
  };
}

async function* rechunk(source: Readable, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let have = 0;
  for await (const c of source as AsyncIterable<Buffer>) {
    parts.push(c);
    have += c.length;
    while (have >= size) {
      const all = Buffer.concat(parts);
      yield all.subarray(0, size);
      parts = [all.subarray(size)];
      have -= size;
    }
  }
  if (have > 0) yield Buffer.concat(parts);
}

export function createRegistryClient(deps: RegistryClientDeps): RegistryClient {
  return new Client(deps);
}


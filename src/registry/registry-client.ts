// The OCI distribution client, the module's `RegistryClient`: one set of
// endpoints (mirrors, origin, kept tokens; registry-endpoints.ts) shared by
// the manifest requests (resolve, inspect, put, tags), the blob reader
// (whole or streamed and resumed) and the blob writer (mount, monolithic or
// chunked upload), plus the login check, which talks to a fresh endpoint.
import type { Readable } from 'node:stream';
import type { Digest } from '../core/digest.ts';
import { internal, unauthenticated } from '../core/errors.ts';
import { defaultDomain, type Reference } from '../core/reference.ts';
import type { Logger } from '../lib/logger.ts';
import { BlobReader } from './blob-reader.ts';
import { BlobWriter } from './blob-writer.ts';
import { drain } from './http-request.ts';
import { ManifestRequests } from './manifest-requests.ts';
import { RegistryEndpoints, registryHostOf } from './registry-endpoints.ts';
import type { Credentials, CredentialsProvider, Descriptor, DistributionInfo, Platform, RegistryClient, RegistrySettings, RequestOptions, ResolvedImage } from './types.ts';

export interface RegistryClientDeps {
  readonly settings?: RegistrySettings;
  /** Credentials when a request brings none (e.g. the daemon's own config). */
  readonly credentials?: CredentialsProvider;
  readonly log: Logger;
}

class Client implements RegistryClient {
  readonly #endpoints: RegistryEndpoints;
  readonly #manifests: ManifestRequests;
  readonly #reader: BlobReader;
  readonly #writer: BlobWriter;

  constructor(deps: RegistryClientDeps) {
    const settings = deps.settings ?? {};
    this.#endpoints = new RegistryEndpoints({ settings, ...(deps.credentials ? { credentials: deps.credentials } : {}), log: deps.log });
    this.#reader = new BlobReader(this.#endpoints, { retries: settings.retries ?? 3, log: deps.log });
    this.#writer = new BlobWriter(this.#endpoints);
    this.#manifests = new ManifestRequests(this.#endpoints, this.#reader);
  }

  resolve(ref: Reference, options: RequestOptions & { platform?: Platform } = {}): Promise<ResolvedImage> {
    return this.#manifests.resolve(ref, options);
  }

  inspectDistribution(ref: Reference, options: RequestOptions = {}): Promise<DistributionInfo> {
    return this.#manifests.inspectDistribution(ref, options);
  }

  fetchBlobBytes(ref: Reference, desc: Descriptor, options: RequestOptions = {}): Promise<Buffer> {
    return this.#reader.fetchBlobBytes(ref, desc, options);
  }

  fetchBlob(ref: Reference, desc: Descriptor, options: RequestOptions & { onBytes?: (n: number) => void } = {}): Readable {
    return this.#reader.fetchBlob(ref, desc, options);
  }

  hasBlob(ref: Reference, digest: Digest, options: RequestOptions = {}): Promise<boolean> {
    return this.#writer.hasBlob(ref, digest, options);
  }

  pushBlob(ref: Reference, desc: Descriptor, open: () => Readable, options: RequestOptions & { mountFrom?: string; chunkSize?: number; onBytes?: (n: number) => void } = {}): Promise<'mounted' | 'uploaded'> {
    return this.#writer.pushBlob(ref, desc, open, options);
  }

  putManifest(ref: Reference, bytes: Buffer, mediaType: string, options: RequestOptions = {}): Promise<Digest> {
    return this.#manifests.putManifest(ref, bytes, mediaType, options);
  }

  listTags(ref: Reference, options: RequestOptions = {}): Promise<string[]> {
    return this.#manifests.listTags(ref, options);
  }

  async login(server: string, credentials: Credentials, options: { signal?: AbortSignal } = {}): Promise<{ identityToken?: string }> {
    // `https://index.docker.io/v1/`, `localhost:5000`, `http://h:5000/v2/` all name a host.
    const bare = server.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
    const host = registryHostOf(bare === 'index.docker.io' || bare === '' ? defaultDomain : bare);
    // A fresh endpoint: a login must really talk to the registry, not reuse tokens.
    const ep = await this.#endpoints.fresh(host);
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

export function createRegistryClient(deps: RegistryClientDeps): RegistryClient {
  return new Client(deps);
}

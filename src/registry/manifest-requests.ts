// Manifests over the wire: resolves a reference to a platform's manifest
// (through an index when there is one, on the mirrors then the origin),
// inspects a reference's descriptor and platforms, puts a manifest under a tag
// or digest, and lists the tags that name a repository's manifests. Every
// manifest read is verified against the digest asked for and the one the
// registry reports.
import { sha256, type Digest } from '../core/digest.ts';
import { invalidArgument, isNotFound, isPermissionDenied, isUnauthenticated, notFound, permissionDenied, unauthenticated } from '../core/errors.ts';
import { familiarName, type Reference } from '../core/reference.ts';
import type { BlobReader } from './blob-reader.ts';
import { drain, readBody } from './http-request.ts';
import { acceptManifests, formatPlatform, hostPlatform, parseManifest, selectManifest } from './manifest.ts';
import { repositoryScope, type RegistryEndpoints } from './registry-endpoints.ts';
import { errorFromResponse } from './registry-errors.ts';
import type { RegistryHost } from './registry-host.ts';
import type { Credentials, Descriptor, DistributionInfo, DistributionPlatform, Platform, RequestOptions, ResolvedImage } from './types.ts';

const maxManifestSize = 4 * 1024 * 1024;

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

export class ManifestRequests {
  readonly #endpoints: RegistryEndpoints;
  /** For the image config of a single-manifest reference (its platform). */
  readonly #blobs: BlobReader;

  constructor(endpoints: RegistryEndpoints, blobs: BlobReader) {
    this.#endpoints = endpoints;
    this.#blobs = blobs;
  }

  resolve(ref: Reference, options: RequestOptions & { platform?: Platform } = {}): Promise<ResolvedImage> {
    return this.#endpoints.onFirstEndpoint(ref, (ep) => this.#resolveAt(ep, ref, options));
  }

  inspectDistribution(ref: Reference, options: RequestOptions = {}): Promise<DistributionInfo> {
    return this.#endpoints.onFirstEndpoint(ref, async (ep) => {
      const credentials = await this.#endpoints.credentials(ref, options.credentials);
      const top = await this.#getManifest(ep, ref, ref.digest ?? ref.tag ?? 'latest', credentials, options.signal);
      const parsed = parseManifest(top.bytes, top.contentType);
      const descriptor: Descriptor = { mediaType: parsed.kind === 'index' ? parsed.index.mediaType : parsed.manifest.mediaType, digest: top.digest, size: top.bytes.length };
      if (parsed.kind === 'index') {
        return { descriptor, platforms: parsed.index.manifests.flatMap((m) => (m.platform ? [m.platform] : [])) };
      }
      // A single manifest: its platform is written in the image config, as docker reads it.
      const config = await this.#blobs.fetchBlobBytes(ref, parsed.manifest.config, { ...(credentials ? { credentials } : {}), ...(options.signal ? { signal: options.signal } : {}) }, ep);
      return { descriptor, platforms: [platformOfConfig(config)] };
    });
  }

  async #getManifest(ep: RegistryHost, ref: Reference, reference: string, credentials: Credentials | undefined, signal?: AbortSignal): Promise<{ bytes: Buffer; digest: Digest; contentType?: string }> {
    const res = await ep.request('GET', `/v2/${ref.path}/manifests/${reference}`, {
      scopes: [repositoryScope(ref.path, 'pull')],
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
    const bytes = await readBody(res, maxManifestSize, `manifest ${reference} of ${familiarName(ref)}`);
    const digest = sha256(bytes);
    const header = res.headers['docker-content-digest'];
    if (reference.startsWith('sha256:') && digest !== reference) throw invalidArgument(`manifest verification failed for digest ${reference}: got ${digest}`);
    if (typeof header === 'string' && header.startsWith('sha256:') && header !== digest) throw invalidArgument(`manifest verification failed for ${familiarName(ref)}: registry says ${header}, content is ${digest}`);
    const contentType = res.headers['content-type'];
    return { bytes, digest, ...(contentType ? { contentType } : {}) };
  }

  async #resolveAt(ep: RegistryHost, ref: Reference, options: RequestOptions & { platform?: Platform }): Promise<ResolvedImage> {
    const credentials = await this.#endpoints.credentials(ref, options.credentials);
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

  async putManifest(ref: Reference, bytes: Buffer, mediaType: string, options: RequestOptions = {}): Promise<Digest> {
    const ep = await this.#endpoints.origin(ref);
    const credentials = await this.#endpoints.credentials(ref, options.credentials);
    const target = ref.digest ?? ref.tag ?? 'latest';
    const res = await ep.expect(
      'PUT',
      `/v2/${ref.path}/manifests/${target}`,
      [200, 201],
      { scopes: [repositoryScope(ref.path, 'pull,push')], body: bytes, headers: { 'Content-Type': mediaType }, ...(credentials ? { credentials } : {}), ...(options.signal ? { signal: options.signal } : {}) },
      `PUT manifest ${target}`,
    );
    drain(res);
    const header = res.headers['docker-content-digest'];
    return typeof header === 'string' && header.startsWith('sha256:') ? (header as Digest) : sha256(bytes);
  }

  async listTags(ref: Reference, options: RequestOptions = {}): Promise<string[]> {
    const ep = await this.#endpoints.pullEndpointFor(ref);
    const credentials = await this.#endpoints.credentials(ref, options.credentials);
    const tags: string[] = [];
    let next: string | undefined = `/v2/${ref.path}/tags/list?n=1000`;
    for (let page = 0; next !== undefined && page < 100; page++) {
      const res = await ep.expect('GET', next, [200], { scopes: [repositoryScope(ref.path, 'pull')], ...(credentials ? { credentials } : {}), ...(options.signal ? { signal: options.signal } : {}) }, `GET tags of ${ref.path}`);
      const doc = JSON.parse((await readBody(res, maxManifestSize)).toString('utf8')) as { tags?: unknown };
      if (Array.isArray(doc.tags)) for (const t of doc.tags) if (typeof t === 'string') tags.push(t);
      const link = res.headers.link;
      next = typeof link === 'string' ? /<([^>]+)>;\s*rel="?next"?/.exec(link)?.[1] : undefined;
    }
    return tags;
  }
}

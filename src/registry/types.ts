// The registry module's contracts: descriptors and manifests as the OCI
// distribution spec and Docker schema 2 define them, credentials, per-host
// settings, and the client that engine/ uses to resolve, fetch and push.
import type { Readable } from 'node:stream';
import type { Digest } from '../core/digest.ts';
import type { Reference } from '../core/reference.ts';

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: Digest;
  readonly size: number;
  readonly platform?: Platform;
  readonly urls?: readonly string[];
  readonly annotations?: Readonly<Record<string, string>>;
}

/** An image manifest (OCI or Docker schema 2), validated. */
export interface ImageManifest {
  readonly schemaVersion: 2;
  readonly mediaType: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
}

/** An index / manifest list, validated. */
export interface ImageIndex {
  readonly schemaVersion: 2;
  readonly mediaType: string;
  readonly manifests: readonly Descriptor[];
}

/** Credentials as docker keeps them (config.json `auths`, X-Registry-Auth). */
export interface Credentials {
  readonly username?: string;
  readonly password?: string;
  /** OAuth2 refresh token (docker's `identitytoken`). */
  readonly identityToken?: string;
  /** A bearer token to send as is (docker's `registrytoken`). */
  readonly registryToken?: string;
}

/** Supplies credentials for a registry host (`docker.io`, `localhost:5000`). */
export type CredentialsProvider = (host: string) => Promise<Credentials | undefined> | Credentials | undefined;

export interface RegistrySettings {
  /** Hosts (host[:port]) or CIDRs reachable over plain http. Loopback always is. */
  readonly insecureRegistries?: readonly string[];
  /**
   * docker's certs.d layout per registry: `<host>/*.crt` trusted CAs,
   * `<host>/<name>.cert` + `<name>.key` a client certificate (mutual TLS).
   */
  readonly certsDir?: string;
  /** Mirror base URLs per registry host, tried in order before the origin. */
  readonly mirrors?: Readonly<Record<string, readonly string[]>>;
  /** Attempts for a request that fails on the network (default 3). */
  readonly retries?: number;
}

/** What a reference resolves to for one platform. */
export interface ResolvedImage {
  /** Digest of what the reference names: the index if there is one, else the manifest (docker's RepoDigest). */
  readonly digest: Digest;
  /** The platform's manifest, as received. */
  readonly manifestDigest: Digest;
  readonly manifestBytes: Buffer;
  readonly manifest: ImageManifest;
}

/** What `GET /distribution/{name}/json` reports: the reference's own descriptor and the platforms it offers. */
export interface DistributionInfo {
  readonly descriptor: Descriptor;
  readonly platforms: readonly DistributionPlatform[];
}

/** An OCI platform as docker reports it for a distribution inspect. */
export interface DistributionPlatform extends Platform {
  readonly 'os.version'?: string;
  readonly 'os.features'?: readonly string[];
}

export interface RequestOptions {
  readonly credentials?: Credentials;
  readonly signal?: AbortSignal;
}

/**
 * The registry client. Methods throw NotFound for unknown manifests or blobs,
 * Unauthenticated / PermissionDenied when the registry refuses, Unavailable when
 * it cannot be reached, InvalidArgument for malformed documents.
 */
export interface RegistryClient {
  /** Finds the manifest for `platform` (index entries are matched per OCI rules). */
  resolve(ref: Reference, options?: RequestOptions & { platform?: Platform }): Promise<ResolvedImage>;
  /** The reference's top manifest (or index) descriptor and its platforms (from the index, else the image config). */
  inspectDistribution(ref: Reference, options?: RequestOptions): Promise<DistributionInfo>;
  /** Fetches a small blob whole (a config); verified against the descriptor. */
  fetchBlobBytes(ref: Reference, desc: Descriptor, options?: RequestOptions): Promise<Buffer>;
  /**
   * Streams a blob. Network failures part-way are retried with `Range` from
   * where the stream stopped; the caller verifies the digest while storing.
   */
  fetchBlob(ref: Reference, desc: Descriptor, options?: RequestOptions & { onBytes?: (n: number) => void }): Readable;
  /** Whether the repository already has the blob (HEAD). */
  hasBlob(ref: Reference, digest: Digest, options?: RequestOptions): Promise<boolean>;
  /**
   * Uploads a blob: tries a cross-repository mount from `mountFrom` first
   * (same registry), then a monolithic or chunked upload.
   */
  pushBlob(ref: Reference, desc: Descriptor, open: () => Readable, options?: RequestOptions & { mountFrom?: string; chunkSize?: number; onBytes?: (n: number) => void }): Promise<'mounted' | 'uploaded'>;
  /** PUT a manifest under a tag or digest; returns the digest the registry reports. */
  putManifest(ref: Reference, bytes: Buffer, mediaType: string, options?: RequestOptions): Promise<Digest>;
  /** The repository's tags (`/v2/<name>/tags/list`, following `Link` pages). */
  listTags(ref: Reference, options?: RequestOptions): Promise<string[]>;
  /** Checks credentials against the registry (`/v2/`), as `docker login` does. */
  login(host: string, credentials: Credentials, options?: { signal?: AbortSignal }): Promise<{ identityToken?: string }>;
}

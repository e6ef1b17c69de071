// The image module's contracts: OCI image config and the image store that
// engine/ uses to list, resolve, tag, delete, import, load, save and unpack.
import type { Readable, Writable } from 'node:stream';
import type { Digest } from '../core/digest.ts';
import type { Logger } from '../lib/logger.ts';

/** The `config` object inside an OCI / Docker image config (PascalCase on disk, per the OCI spec). */
export interface OciContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; StartInterval?: number; Retries?: number };
  OnBuild?: string[] | null;
  Shell?: string[];
  ArgsEscaped?: boolean;
  /** Docker-written configs only: the container's hostname and image name (dockerd's commit fills them in container_config). */
  Hostname?: string;
  Image?: string;
}

export interface OciHistory {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The image config document (OCI image-spec config.md), Docker fields included. */
export interface OciImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: OciContainerConfig;
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: OciHistory[];
  /** Docker-only fields kept when present. */
  comment?: string;
  docker_version?: string;
  container?: string;
  container_config?: OciContainerConfig;
  [extra: string]: unknown;
}

export interface ImageLayer {
  readonly diffId: Digest;
  readonly chainId: Digest;
  /** Uncompressed size. */
  readonly size: number;
}

export interface Image {
  /** Digest of the config blob. */
  readonly id: Digest;
  /** Normalised refs: `docker.io/library/busybox:latest`. */
  readonly repoTags: readonly string[];
  /** Normalised `repo@sha256:…` refs. */
  readonly repoDigests: readonly string[];
  readonly created: string;
  /** Sum of uncompressed layer sizes. */
  readonly size: number;
  readonly config: OciImageConfig;
  readonly layers: readonly ImageLayer[];
  /** Chain ids of the layers, bottom first (what Snapshotter needs, reversed for lowerdir). */
  readonly chain: readonly Digest[];
  readonly manifestDigest?: Digest;
}

export interface HistoryEntry {
  /** Image id for the entry that is the image itself, else `<missing>`. */
  readonly id: string;
  readonly created: string;
  readonly createdBy: string;
  readonly size: number;
  readonly comment: string;
  readonly tags: readonly string[];
}

export interface ImportOptions {
  /** Normalised tag to give the new image. */
  readonly ref?: string;
  /** Config changes already applied by the caller (e.g. from `-c 'CMD ["sh"]'`). */
  readonly config?: OciContainerConfig;
  readonly message?: string;
  readonly architecture?: string;
  readonly os?: string;
  readonly signal?: AbortSignal;
}

export interface LoadResult {
  /** Lines docker prints: `Loaded image: busybox:latest` or `Loaded image ID: sha256:…`. */
  readonly messages: readonly string[];
  readonly images: readonly Digest[];
}

/** What the image store needs from the outside world to report progress (typed events, worded by each front door). */
import type { ProgressSink } from '../core/progress.ts';
export type { ProgressSink };

export interface ImageStore {
  list(): Promise<Image[]>;
  /**
   * Finds an image by normalised or short reference (`busybox` means
   * `docker.io/library/busybox:latest`), by full id, `sha256:` id, an unambiguous
   * id prefix, or a `repo@digest`. Throws NotFound with docker's text:
   * `No such image: busybox:latest`.
   */
  resolve(nameOrId: string): Promise<Image>;
  get(id: Digest): Promise<Image>;
  /** An image's config alone (parsed once: configs are immutable), without get()'s layer sizes and tags. NotFound when there is no such image. */
  config(id: Digest): Promise<OciImageConfig>;
  /** Tags an image; the reference is normalised; an existing tag moves. */
  tag(id: Digest, ref: string): Promise<void>;
  /** Removes one tag; returns whether it existed. */
  untag(ref: string): Promise<boolean>;
  /**
   * Deletes the image record and frees its config, manifest and layers that no
   * other image uses. The caller (engine/) has already checked containers and tags.
   * Returns the layer chain ids removed (top first), for docker's `Deleted:` lines.
   * Layers for which `layerInUse` answers true (e.g. under a container whose
   * image is force-deleted) stay until a later gc().
   */
  delete(id: Digest, options?: { layerInUse?: (chainId: Digest) => boolean }): Promise<Digest[]>;
  /**
   * Removes layers (rows, snapshot dirs), and blobs that no image references and
   * `layerInUse` does not claim. Run it at start-up and after container removal;
   * not while a registry pull is writing blobs the store does not know yet.
   */
  gc?(options?: { layerInUse?: (chainId: Digest) => boolean }): Promise<{ layers: Digest[]; blobs: Digest[] }>;
  history(id: Digest): Promise<HistoryEntry[]>;
  /** `docker import`: a tar of a root filesystem (plain, gzip, bzip2 or xz) becomes a one-layer image. */
  importRootfs(tar: Readable, options?: ImportOptions): Promise<Image>;
  /** `docker load`: docker-save archives and OCI image layouts (tar, optionally gzip). */
  load(archive: Readable, options?: { signal?: AbortSignal; progress?: ProgressSink }): Promise<LoadResult>;
  /** `docker save`: writes a docker-save archive (with OCI layout files) of the given images/refs. */
  save(refs: readonly string[], out: Writable, options?: { signal?: AbortSignal }): Promise<void>;
  /**
   * Makes sure every layer of the image is unpacked as a snapshot (after a
   * crash, or for images whose layers were only kept as blobs).
   */
  ensureUnpacked(id: Digest): Promise<void>;
  /**
   * Creates an image from a config and layer tars the caller already has as blobs
   * (for commit and build later). Layers are unpacked; the record is written last.
   */
  create(config: OciImageConfig, layers: readonly { blob: Digest; mediaType: string }[], options?: CreateImageOptions): Promise<Image>;
}

/** Options of ImageStore.create(). */
export interface CreateImageOptions {
  readonly ref?: string;
  /** The config exactly as received (a pull), so that the image id is its digest; `config` must be its parse. */
  readonly configBytes?: Buffer;
  /** More normalised references to point at the image in the same transaction (`repo@sha256:…` of a pull). */
  readonly refs?: readonly string[];
  /** The manifest blob (already in the blob store) the image came from. */
  readonly manifestDigest?: Digest;
}

export interface ImageStoreDeps {
  readonly log: Logger;
}

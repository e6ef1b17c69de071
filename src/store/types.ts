// The store's contracts: content-addressed blobs, the metadata database, and
// overlay snapshots. Implementations live beside this file; engine/ and image/
// depend on these interfaces only.
import type { Readable } from 'node:stream';
import type { Digest } from '../core/digest.ts';
import type { FsOp } from '../lib/fs-batch.ts';
import type { SpareDirs } from '../lib/spare-dirs.ts';

/**
 * A hold on blobs that no record names yet (see leases.ts): gc leaves a leased
 * blob alone. release() is idempotent.
 */
export interface BlobLease {
  /** Adds a blob to the lease (ingest() does so before the blob becomes visible). */
  add(digest: Digest): void;
  release(): void;
}

/** Content-addressed blobs under `<root>/blobs/sha256/<hex>`. */
export interface BlobStore {
  /**
   * Streams `data` into a temp file while hashing it, checks the digest and size
   * when given, then fsyncs and renames it into place. A blob is visible only
   * once complete and verified. Throws InvalidArgument on a digest or size
   * mismatch (the message names the expected digest); nothing is left behind.
   * With `lease`, the blob joins it before it becomes visible, so no gc can
   * take it before the caller's record names it.
   */
  ingest(data: Readable | AsyncIterable<Uint8Array>, expected?: { digest?: Digest; size?: number; lease?: BlobLease }): Promise<{ digest: Digest; size: number }>;
  /** ingest() for bytes already in memory. */
  put(data: Uint8Array | string, expected?: { digest?: Digest; lease?: BlobLease }): Promise<{ digest: Digest; size: number }>;
  /** A lease on `digests` (more join through ingest's `lease`); gc honours it until released. */
  lease(digests?: readonly Digest[]): BlobLease;
  /** Whether a lease holds the blob. */
  isLeased(digest: Digest): boolean;
  has(digest: Digest): Promise<boolean>;
  /** Size in bytes. Throws NotFound. */
  size(digest: Digest): Promise<number>;
  /** Whole blob. Throws NotFound. */
  read(digest: Digest): Promise<Buffer>;
  /** Streaming read. Throws NotFound (on first read if not found). */
  stream(digest: Digest): Readable;
  /** Path on disk of a committed blob (for handing to child processes). */
  path(digest: Digest): string;
  /** Removes a blob; absent is not an error. */
  delete(digest: Digest): Promise<void>;
  list(): Promise<Digest[]>;
}

export interface ImageRow {
  /** Image id = digest of the config blob. */
  readonly id: Digest;
  /** The manifest blob, when the image has one stored (pulled or loaded from OCI). */
  readonly manifestDigest?: Digest;
  /** Size of all layers, uncompressed. */
  readonly size: number;
  /** ISO time the image was created per its config (or now). */
  readonly created: string;
  /** When this engine stored the image (for sorting). */
  readonly addedAt: string;
}

export interface LayerRow {
  readonly chainId: Digest;
  readonly diffId: Digest;
  readonly parent: Digest | null;
  /** Uncompressed size of the layer tar. */
  readonly size: number;
  /** The compressed (or plain) blob of this layer in the blob store, if kept. */
  readonly blobDigest?: Digest;
  readonly blobMediaType?: string;
}

/** A container record is an opaque JSON document for the store. */
export interface ContainerRow {
  readonly id: string;
  readonly name: string;
  readonly json: string;
}

/**
 * The metadata database (SQLite, WAL). Every method is synchronous and atomic;
 * transaction() groups several into one.
 */
export interface MetadataStore {
  transaction<T>(fn: () => T): T;

  putImage(row: ImageRow): void;
  getImage(id: Digest): ImageRow | undefined;
  listImages(): ImageRow[];
  deleteImage(id: Digest): void;

  /** Points a normalised reference (`docker.io/library/busybox:latest` or `repo@sha256:…`) at an image; replaces any previous target. */
  setTag(ref: string, imageId: Digest): void;
  removeTag(ref: string): void;
  /** Image id a normalised reference points at. */
  resolveTag(ref: string): Digest | undefined;
  tagsOf(imageId: Digest): string[];
  listTags(): { ref: string; imageId: Digest }[];

  putLayer(row: LayerRow): void;
  getLayer(chainId: Digest): LayerRow | undefined;
  deleteLayer(chainId: Digest): void;
  listLayers(): LayerRow[];

  /**
   * Writes a container's record. `durable: false` skips the fsync of this one
   * commit (a process crash still cannot lose it; a power loss can take it and
   * any other such commit after the last durable one, never a durable one):
   * for facts that a host's power loss makes stale anyway (a process's pid,
   * its running or exited state). Default: durable.
   */
  putContainer(row: ContainerRow, options?: { durable?: boolean }): void;
  getContainer(id: string): ContainerRow | undefined;
  listContainers(): ContainerRow[];
  /** Deletes a container's record; `durable` as for putContainer. */
  deleteContainer(id: string, options?: { durable?: boolean }): void;
  /**
   * Writes a container's record durably without holding the event loop for
   * the fsync: the commit is made at once (a process crash cannot lose it) and
   * the promise resolves once the log that holds it is fsynced on libuv's pool
   * (one fdatasync of the WAL, shared by the commits made meanwhile; the log
   * reaches the disk in commit order, so it covers every earlier commit too).
   */
  putContainerDurably(row: ContainerRow): Promise<void>;

  /** Small key/value settings (e.g. schema version). */
  getSetting(key: string): string | undefined;
  setSetting(key: string, value: string): void;

  close(): void;
}

/** Paths of a container's writable overlay. */
export interface RootfsPaths {
  readonly upper: string;
  readonly work: string;
  readonly merged: string;
  /** Read-only layer directories, top first. Empty for an image without layers. */
  readonly lower: readonly string[];
}

/**
 * Overlay snapshots: one directory per layer chain id (`snapshots/<hex>/fs`),
 * per container an upper/work/merged triple mounted with overlayfs, and
 * read-only views of a chain (`image-views/<key>`) for image mounts.
 */
export interface Snapshotter {
  hasLayer(chainId: Digest): Promise<boolean>;
  /**
   * Creates the directory for `chainId` by letting `fill` write the layer's
   * files into a temp directory, then renaming it into place, so a crash never
   * leaves a half layer visible. If the layer already exists, `fill` is not called.
   */
  commitLayer(chainId: Digest, fill: (dir: string) => Promise<void>): Promise<void>;
  /** The directory holding one layer's own files. */
  layerDir(chainId: Digest): string;
  removeLayer(chainId: Digest): Promise<void>;
  /** Lists the chain ids that have layer directories (for GC). */
  listLayers(): Promise<Digest[]>;

  /**
   * Creates the container's upper and work dirs over the given layer chain
   * (lower dirs top first, from the caller who knows the chain). Idempotent.
   * `upperEntries` (paths relative to the upper) are made in it in the same trip.
   * With `spares` (for a container whose directory is not there yet) the
   * whole tree may come as a spare made ahead (lib/spare-dirs.ts).
   */
  prepareRootfs(containerId: string, lowerChain: readonly Digest[], options?: { upperEntries?: readonly FsOp[]; spares?: SpareDirs }): Promise<RootfsPaths>;
  /** The directory that holds each container's rootfs directory (where `spares` must be able to rename to). */
  readonly rootfsRoot: string;
  /** Mounts overlayfs at merged (no-op if already mounted); returns the merged path. */
  mountRootfs(containerId: string, lowerChain: readonly Digest[]): Promise<string>;
  /** Unmounts merged if mounted. */
  unmountRootfs(containerId: string): Promise<void>;
  /** Unmounts and deletes the container's upper, work and merged dirs. */
  removeRootfs(containerId: string): Promise<void>;
  /** Bytes in the container's upper dir (docker's SizeRw). */
  rootfsUsage(containerId: string): Promise<number>;
  /** The upper dir of a container (for diff/commit). */
  rootfsPaths(containerId: string, lowerChain: readonly Digest[]): RootfsPaths;

  /**
   * Mounts a read-only view of a layer chain (top first; an image's filesystem,
   * with no upper dir) at the view's own directory, named by `key`
   * ([A-Za-z0-9_.-]); a no-op when it is mounted. Returns the directory.
   * FailedPrecondition when a layer is not unpacked, InvalidArgument for a bad key.
   */
  mountView(key: string, lowerChain: readonly Digest[]): Promise<string>;
  /** The directory of view `key` (mounted or not). */
  viewPath(key: string): string;
  /** Unmounts view `key` (detached when busy) and deletes its directory; a view not there is removed. */
  removeView(key: string): Promise<void>;
  /** The keys of the views that have a directory, mounted or not (for clean-up at start-up). */
  listViews(): Promise<string[]>;
}

// The image store: image records over the blob store, the metadata database and
// the overlay snapshotter. Layers become snapshots (one directory per chain id)
// and uncompressed layer blobs; an image record and its tags are written last,
// in one transaction, so a crash never leaves a half image visible. Mutations
// (import, load, create, delete, gc) run one at a time. This file composes the
// rooms: image-records.ts (records, tags, lookup), image-layers.ts (layers,
// staged pulls), archive-load.ts, image-save.ts, image-import.ts, image-gc.ts.
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { chainIds, sha256, type Digest } from '../core/digest.ts';
import { invalidArgument } from '../core/errors.ts';
import { normalizeTagged } from '../core/reference.ts';
import { crashPoint } from '../lib/crash-point.ts';
import type { BlobStore, MetadataStore, Snapshotter } from '../store/index.ts';
import { loadArchive } from './archive-load.ts';
import { collectGarbage, deleteImage, replaceLayerBlob, type GcResult, type LayerInUse } from './image-gc.ts';
import { importRootfs } from './image-import.ts';
import { ImageLayers } from './image-layers.ts';
import { ImageRecords } from './image-records.ts';
import { saveImages } from './image-save.ts';
import { snapshotsDirOf, type StagedLayer, type StagingPlaces } from './layer-staging.ts';
import type { StoreParts } from './store-parts.ts';
import type { CreateImageOptions, HistoryEntry, Image, ImageStore, ImageStoreDeps, ImportOptions, LoadResult, OciImageConfig, ProgressSink } from './types.ts';

export type { GcResult, LayerInUse } from './image-gc.ts';

export interface LocalImageStoreDeps extends ImageStoreDeps {
  readonly blobs: BlobStore;
  readonly meta: MetadataStore;
  readonly snapshotter: Snapshotter;
  /** Where archives are spooled during load; default `<data root>/tmp` (beside blobs/). */
  readonly tmpDir?: string;
}

/** ImageStore plus the extras of this implementation. */
export interface LocalImageStore extends ImageStore {
  /**
   * Like ImageStore.delete; layers for which `layerInUse` answers true stay
   * (rows, directories and blobs) until a later gc().
   */
  delete(id: Digest, options?: { layerInUse?: LayerInUse }): Promise<Digest[]>;
  /**
   * Removes layers, snapshot directories and blobs that no image references and
   * `layerInUse` does not claim, plus leftovers of crashed operations.
   */
  gc(options?: { layerInUse?: LayerInUse }): Promise<GcResult>;
  /**
   * Protects blobs that an operation is writing but no image references yet
   * (a pull's layers) from gc() until the returned function is called.
   */
  lease(blobs: readonly Digest[]): () => void;
  /**
   * Points a layer's row at another blob of the same content (a push's gzip
   * of an uncompressed layer); the blob it named before goes when nothing
   * else names or leases it. NotFound when the layer has no row.
   */
  setLayerBlob(chainId: Digest, blob: Digest, mediaType: string): Promise<void>;
  /** Where stageLayer() (layer-staging.ts) puts a pull's temp blobs and staging snapshots. */
  stagingPlaces(): StagingPlaces;
  /**
   * create() for a pull whose new layers were staged while they downloaded:
   * one sync makes all staged data durable, then each blob and snapshot is
   * renamed into place and its layer row written, and the image record last.
   * Staged layers that are present meanwhile are dropped.
   */
  createFromStaged(config: OciImageConfig, layers: readonly { blob: Digest; mediaType: string }[], staged: readonly StagedLayer[], options?: CreateImageOptions): Promise<Image>;
}

/** A one-at-a-time lock for mutations. */
class Mutex {
  #tail: Promise<void> = Promise.resolve();
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

class Store implements LocalImageStore {
  readonly #p: StoreParts;
  readonly #records: ImageRecords;
  readonly #layers: ImageLayers;
  readonly #mutex = new Mutex();

  constructor(deps: LocalImageStoreDeps) {
    this.#p = {
      blobs: deps.blobs,
      meta: deps.meta,
      snap: deps.snapshotter,
      log: deps.log,
      tmpDir: deps.tmpDir ?? join(dirname(dirname(dirname(deps.blobs.path(sha256(''))))), 'tmp'),
    };
    this.#records = new ImageRecords(this.#p);
    this.#layers = new ImageLayers(this.#p, this.#records);
  }

  get #deps() {
    return { ...this.#p, records: this.#records, layers: this.#layers };
  }

  async init(): Promise<void> {
    // Spools of loads interrupted by a crash.
    await rm(this.#p.tmpDir, { recursive: true, force: true });
    await mkdir(this.#p.tmpDir, { recursive: true, mode: 0o700 });
  }

  // ---- reading and tags --------------------------------------------------------

  list(): Promise<Image[]> {
    return this.#records.list();
  }

  get(id: Digest): Promise<Image> {
    return this.#records.get(id);
  }

  config(id: Digest): Promise<OciImageConfig> {
    return this.#records.imageConfig(id);
  }

  resolve(nameOrId: string): Promise<Image> {
    return this.#records.resolve(nameOrId);
  }

  history(id: Digest): Promise<HistoryEntry[]> {
    return this.#records.history(id);
  }

  tag(id: Digest, ref: string): Promise<void> {
    return this.#records.tag(id, ref);
  }

  untag(ref: string): Promise<boolean> {
    return this.#records.untag(ref);
  }

  // ---- layers and creating images ------------------------------------------------

  async ensureUnpacked(id: Digest): Promise<void> {
    const image = await this.get(id);
    if (await this.#layers.allPresent(image)) return;
    await this.#mutex.run(() => this.#layers.unpackMissing(image));
  }

  stagingPlaces(): StagingPlaces {
    return { tmpDir: this.#p.tmpDir, snapshotsDir: snapshotsDirOf((c) => this.#p.snap.layerDir(c)), log: this.#p.log };
  }

  createFromStaged(config: OciImageConfig, layers: readonly { blob: Digest; mediaType: string }[], staged: readonly StagedLayer[], options: CreateImageOptions = {}): Promise<Image> {
    return this.#mutex.run(async () => {
      const diffIds = config.rootfs.diff_ids;
      if (diffIds.length !== layers.length) throw invalidArgument(`invalid image config: ${diffIds.length} diff ids for ${layers.length} layers`);
      if (staged.length > 0) await this.#layers.installStaged(chainIds(diffIds), staged, this.stagingPlaces());
      crashPoint('image.layers-installed');
      return this.#createLocked(config, layers, options);
    });
  }

  importRootfs(input: Readable, options: ImportOptions = {}): Promise<Image> {
    return this.#mutex.run(() => importRootfs(this.#deps, input, options));
  }

  create(config: OciImageConfig, layers: readonly { blob: Digest; mediaType: string }[], options: CreateImageOptions = {}): Promise<Image> {
    return this.#mutex.run(() => this.#createLocked(config, layers, options));
  }

  /** create() under the store's lock: the layers' records and snapshots (from their blobs where missing), then the image. */
  async #createLocked(config: OciImageConfig, layers: readonly { blob: Digest; mediaType: string }[], options: CreateImageOptions): Promise<Image> {
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== layers.length) throw invalidArgument(`invalid image config: ${diffIds.length} diff ids for ${layers.length} layers`);
    const chain = chainIds(diffIds);
    for (let i = 0; i < layers.length; i++) {
      const l = layers[i] as (typeof layers)[number];
      await this.#layers.ensureLayer(chain[i] as Digest, i === 0 ? null : (chain[i - 1] as Digest), diffIds[i] as Digest, l.blob, l.mediaType);
    }
    const tags = [...(options.ref !== undefined ? [normalizeTagged(options.ref)] : []), ...(options.refs ?? [])];
    const { id } = await this.#records.commit(options.configBytes ?? Buffer.from(JSON.stringify(config)), tags, options.manifestDigest);
    return this.get(id);
  }

  // ---- archives --------------------------------------------------------------------

  load(archive: Readable, options: { signal?: AbortSignal; progress?: ProgressSink } = {}): Promise<LoadResult> {
    return this.#mutex.run(() => loadArchive(this.#deps, archive, options));
  }

  save(refs: readonly string[], out: Writable, options: { signal?: AbortSignal } = {}): Promise<void> {
    return saveImages(this.#deps, refs, out, options);
  }

  // ---- delete and gc ---------------------------------------------------------------

  delete(id: Digest, options: { layerInUse?: LayerInUse } = {}): Promise<Digest[]> {
    return this.#mutex.run(() => deleteImage(this.#deps, id, options));
  }

  lease(blobs: readonly Digest[]): () => void {
    const lease = this.#p.blobs.lease(blobs);
    return () => lease.release();
  }

  setLayerBlob(chainId: Digest, blob: Digest, mediaType: string): Promise<void> {
    return this.#mutex.run(() => replaceLayerBlob(this.#deps, chainId, blob, mediaType));
  }

  gc(options: { layerInUse?: LayerInUse } = {}): Promise<GcResult> {
    return this.#mutex.run(() => collectGarbage(this.#deps, options));
  }
}

/** Opens the image store over the given store parts; cleans leftovers of interrupted loads. */
export async function createImageStore(deps: LocalImageStoreDeps): Promise<LocalImageStore> {
  const store = new Store(deps);
  await store.init();
  return store;
}

// The image store: image records over the blob store, the metadata database and
// the overlay snapshotter. Layers become snapshots (one directory per chain id)
// and uncompressed layer blobs; an image record and its tags are written last,
// in one transaction, so a crash never leaves a half image visible. Mutations
// (import, load, create, delete, gc) run one at a time.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { chainIds, digestHex, isDigest, sha256, type Digest } from '../core/digest.ts';
import { errorMessage, failedPrecondition, invalidArgument, notFound } from '../core/errors.ts';
import { isIdPrefix } from '../core/ids.ts';
import { familiarName, formatReference, normalizeTagged, parseReference, repositoryName, withDefaultTag, type Reference } from '../core/reference.ts';
import type { Logger } from '../lib/logger.ts';
import { treeSize } from '../store/index.ts';
import type { BlobStore, ImageRow, MetadataStore, Snapshotter } from '../store/index.ts';
import { writeSaveArchive, type SaveItem } from './archive-save.ts';
import { SpooledArchive } from './archive-spool.ts';
import { decompress } from './decompress.ts';
import { goArch, parseImageConfig } from './image-config.ts';
import { isLegacyArchive, readLegacyArchive } from './legacy-archive.ts';
import { isIndexMediaType, mediaTypes } from './media-types.ts';
import type { CreateImageOptions, HistoryEntry, Image, ImageStore, ImageStoreDeps, ImportOptions, LoadResult, OciContainerConfig, OciImageConfig, ProgressSink } from './types.ts';
import { unpackLayer } from './unpack-layer.ts';
import { snapshotsDirOf, type StagedLayer, type StagingPlaces } from './layer-staging.ts';
import { fsyncDir } from '../lib/atomic-write.ts';
import { runTool } from '../lib/run-tool.ts';

export interface LocalImageStoreDeps extends ImageStoreDeps {
  readonly blobs: BlobStore;
  readonly meta: MetadataStore;
  readonly snapshotter: Snapshotter;
  /** Where archives are spooled during load; default `<data root>/tmp` (beside blobs/). */
  readonly tmpDir?: string;
}

/** Whether a layer (by chain id) is still needed by something outside the image store, e.g. a container. */
export type LayerInUse = (chainId: Digest) => boolean;

export interface GcResult {
  readonly layers: Digest[];
  readonly blobs: Digest[];
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

/** One image found in an archive, ready to ingest. */
interface ArchiveImage {
  readonly config: Buffer;
  readonly layerFiles: readonly string[];
  readonly tags: readonly string[];
}

const uncompressedLayerTypes: readonly string[] = [mediaTypes.ociLayer, mediaTypes.dockerLayer];

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

function tryParse(s: string): Reference | undefined {
  try {
    return parseReference(s);
  } catch {
    return undefined;
  }
}

class Store implements LocalImageStore {
  readonly #blobs: BlobStore;
  readonly #meta: MetadataStore;
  readonly #snap: Snapshotter;
  readonly #log: Logger;
  readonly #tmpDir: string;
  readonly #mutex = new Mutex();
  /** Blobs under a lease (count per digest): gc() leaves them alone. */
  readonly #leased = new Map<Digest, number>();
  /** Parsed configs by image id; configs are immutable. */
  readonly #configs = new Map<Digest, OciImageConfig>();

  constructor(deps: LocalImageStoreDeps) {
    this.#blobs = deps.blobs;
    this.#meta = deps.meta;
    this.#snap = deps.snapshotter;
    this.#log = deps.log;
    this.#tmpDir = deps.tmpDir ?? join(dirname(dirname(dirname(deps.blobs.path(sha256(''))))), 'tmp');
  }

  async init(): Promise<void> {
    // Spools of loads interrupted by a crash.
    await rm(this.#tmpDir, { recursive: true, force: true });
    await mkdir(this.#tmpDir, { recursive: true, mode: 0o700 });
  }

  // ---- reading ---------------------------------------------------------------

  async #config(id: Digest): Promise<OciImageConfig> {
    let c = this.#configs.get(id);
    if (c === undefined) {
      c = parseImageConfig(await this.#blobs.read(id));
      this.#configs.set(id, c);
    }
    return c;
  }

  async #toImage(row: ImageRow, tags: readonly string[]): Promise<Image> {
    const config = await this.#config(row.id);
    const diffIds = config.rootfs.diff_ids;
    const chain = chainIds(diffIds);
    const layers = diffIds.map((diffId, i) => {
      const chainId = chain[i] as Digest;
      return { diffId, chainId, size: this.#meta.getLayer(chainId)?.size ?? 0 };
    });
    return {
      id: row.id,
      repoTags: tags.filter((t) => !t.includes('@')),
      repoDigests: tags.filter((t) => t.includes('@')),
      created: row.created,
      size: layers.reduce((n, l) => n + l.size, 0),
      config,
      layers,
      chain,
      ...(row.manifestDigest !== undefined ? { manifestDigest: row.manifestDigest } : {}),
    };
  }

  async list(): Promise<Image[]> {
    const tags = new Map<Digest, string[]>();
    for (const t of this.#meta.listTags()) {
      const list = tags.get(t.imageId) ?? [];
      list.push(t.ref);
      tags.set(t.imageId, list);
    }
    const out: Image[] = [];
    for (const row of this.#meta.listImages()) out.push(await this.#toImage(row, tags.get(row.id) ?? []));
    return out;
  }

  async get(id: Digest): Promise<Image> {
    const row = this.#meta.getImage(id);
    if (row === undefined) throw notFound(`No such image: ${id}`);
    return this.#toImage(row, this.#meta.tagsOf(id));
  }

  async resolve(nameOrId: string): Promise<Image> {
    const id = this.#resolveId(nameOrId);
    if (id !== undefined) return this.get(id);
    const ref = tryParse(nameOrId);
    throw notFound(`No such image: ${ref ? familiarName(withDefaultTag(ref)) : nameOrId}`);
  }

  /** Docker's order: `sha256:<hex>` id, full hex id, a reference, then an unambiguous id prefix. */
  #resolveId(nameOrId: string): Digest | undefined {
    if (isDigest(nameOrId)) return this.#meta.getImage(nameOrId) ? nameOrId : undefined;
    if (/^[0-9a-f]{64}$/.test(nameOrId)) {
      const d: Digest = `sha256:${nameOrId}`;
      return this.#meta.getImage(d) ? d : undefined;
    }
    const ref = tryParse(nameOrId);
    if (ref !== undefined) {
      const tagged = this.#meta.resolveTag(formatReference(withDefaultTag(ref)));
      if (tagged !== undefined && this.#meta.getImage(tagged)) return tagged;
      // `repo@<image id>` is not a stored digest reference but names the image all the same.
      if (ref.digest !== undefined && ref.tag === undefined && this.#meta.getImage(ref.digest)) {
        const repo = repositoryName(ref);
        if (this.#meta.tagsOf(ref.digest).some((t) => t.startsWith(`${repo}:`) || t.startsWith(`${repo}@`))) return ref.digest;
      }
    }
    const prefix = nameOrId.startsWith('sha256:') ? nameOrId.slice('sha256:'.length) : nameOrId;
    if (isIdPrefix(prefix)) {
      const matches = this.#meta.listImages().filter((r) => digestHex(r.id).startsWith(prefix));
      if (matches.length === 1) return (matches[0] as ImageRow).id;
    }
    return undefined;
  }

  async history(id: Digest): Promise<HistoryEntry[]> {
    const image = await this.get(id);
    const entries: HistoryEntry[] = [];
    let layer = 0;
    for (const h of image.config.history ?? []) {
      let size = 0;
      if (h.empty_layer !== true) {
        const l = image.layers[layer++];
        if (l === undefined) throw failedPrecondition(`image ${id} has more non-empty history entries than layers`);
        size = l.size;
      }
      entries.push({ id: '<missing>', created: h.created ?? '', createdBy: h.created_by ?? '', size, comment: h.comment ?? '', tags: [] });
    }
    entries.reverse();
    const top = entries[0];
    if (top !== undefined) entries[0] = { ...top, id: image.id, tags: image.repoTags };
    return entries;
  }

  // ---- tags ------------------------------------------------------------------

  async tag(id: Digest, ref: string): Promise<void> {
    if (this.#meta.getImage(id) === undefined) throw notFound(`No such image: ${id}`);
    const r = parseReference(ref);
    this.#meta.setTag(formatReference(r.digest !== undefined ? r : withDefaultTag(r)), id);
  }

  async untag(ref: string): Promise<boolean> {
    const r = parseReference(ref);
    const key = formatReference(r.digest !== undefined ? r : withDefaultTag(r));
    return this.#meta.transaction(() => {
      if (this.#meta.resolveTag(key) === undefined) return false;
      this.#meta.removeTag(key);
      return true;
    });
  }

  // ---- layers ----------------------------------------------------------------

  /**
   * Makes `chainId` exist as a snapshot and a layer row, unpacking `blob`
   * (compressed per its content) and checking it against `diffId`.
   */
  async #ensureLayer(chainId: Digest, parent: Digest | null, diffId: Digest, blob: Digest, mediaType: string): Promise<void> {
    const row = this.#meta.getLayer(chainId);
    if (row !== undefined && (await this.#snap.hasLayer(chainId))) return;
    let size: number | undefined;
    await this.#snap.commitLayer(chainId, async (dir) => {
      const r = await unpackLayer(decompress(this.#blobs.stream(blob)), dir, { log: this.#log });
      if (r.diffId !== diffId) throw invalidArgument(`invalid diffID for layer ${blob}: expected "${diffId}", got "${r.diffId}"`);
      size = r.size;
    });
    size ??= row?.size ?? (await treeSize(this.#snap.layerDir(chainId)));
    this.#meta.putLayer({ chainId, diffId, parent, size, blobDigest: row?.blobDigest ?? blob, blobMediaType: row?.blobMediaType ?? mediaType });
  }

  async ensureUnpacked(id: Digest): Promise<void> {
    const image = await this.get(id);
    const present = async () => {
      for (const c of image.chain) if (this.#meta.getLayer(c) === undefined || !(await this.#snap.hasLayer(c))) return false;
      return true;
    };
    if (await present()) return;
    await this.#mutex.run(async () => {
      for (let i = 0; i < image.layers.length; i++) {
        const { chainId, diffId } = image.layers[i] as Image['layers'][number];
        const row = this.#meta.getLayer(chainId);
        const blob = row?.blobDigest ?? ((await this.#blobs.has(diffId)) ? diffId : undefined);
        if (blob === undefined || !(await this.#blobs.has(blob))) {
          if (await this.#snap.hasLayer(chainId)) continue;
          throw failedPrecondition(`Cannot unpack image ${id}: the content of layer ${diffId} is missing`);
        }
        await this.#ensureLayer(chainId, i === 0 ? null : (image.chain[i - 1] as Digest), diffId, blob, row?.blobMediaType ?? mediaTypes.ociLayer);
      }
    });
  }

  // ---- creating images ---------------------------------------------------------

  /** Stores the config and writes the image record and tags in one transaction; returns the ids whose tags moved away. */
  async #commitImage(configBytes: Buffer, tags: readonly string[], manifestDigest?: Digest): Promise<{ id: Digest; moved: { ref: string; from: Digest }[] }> {
    const config = parseImageConfig(configBytes);
    const { digest: id } = await this.#blobs.put(configBytes);
    const chain = chainIds(config.rootfs.diff_ids);
    const size = chain.reduce((n, c) => n + (this.#meta.getLayer(c)?.size ?? 0), 0);
    const moved: { ref: string; from: Digest }[] = [];
    this.#meta.transaction(() => {
      const existing = this.#meta.getImage(id);
      this.#meta.putImage({
        id,
        size,
        created: config.created ?? existing?.created ?? new Date().toISOString(),
        addedAt: existing?.addedAt ?? new Date().toISOString(),
        ...((manifestDigest ?? existing?.manifestDigest) !== undefined ? { manifestDigest: (manifestDigest ?? existing?.manifestDigest) as Digest } : {}),
      });
      for (const ref of tags) {
        const from = this.#meta.resolveTag(ref);
        if (from !== undefined && from !== id) moved.push({ ref, from });
        this.#meta.setTag(ref, id);
      }
    });
    this.#configs.set(id, config);
    return { id, moved };
  }

  stagingPlaces(): StagingPlaces {
    return { tmpDir: this.#tmpDir, snapshotsDir: snapshotsDirOf((c) => this.#snap.layerDir(c)), log: this.#log };
  }

  createFromStaged(config: OciImageConfig, layers: readonly { blob: Digest; mediaType: string }[], staged: readonly StagedLayer[], options: CreateImageOptions = {}): Promise<Image> {
    return this.#mutex.run(async () => {
      const diffIds = config.rootfs.diff_ids;
      if (diffIds.length !== layers.length) throw invalidArgument(`invalid image config: ${diffIds.length} diff ids for ${layers.length} layers`);
      const chain = chainIds(diffIds);
      if (staged.length > 0) {
        // One sync for everything staged: the data must be durable before a rename makes it visible.
        const places = this.stagingPlaces();
        await runTool('sync', ['-f', places.snapshotsDir, places.tmpDir]);
        let blobsRenamed = false;
        for (const s of staged) {
          if (await this.#blobs.has(s.digest)) await rm(s.blobFile, { force: true });
          else {
            await rename(s.blobFile, this.#blobs.path(s.digest));
            blobsRenamed = true;
          }
          const row = this.#meta.getLayer(s.chainId);
          const present = await this.#snap.hasLayer(s.chainId);
          if (!present) {
            await rename(s.snapshotDir, dirname(this.#snap.layerDir(s.chainId)));
            // The layer exists now: this only adds its short link.
            await this.#snap.commitLayer(s.chainId, async () => undefined);
          } else await rm(s.snapshotDir, { recursive: true, force: true });
          if (row === undefined || !present) {
            const i = chain.indexOf(s.chainId);
            this.#meta.putLayer({ chainId: s.chainId, diffId: s.diffId, parent: i <= 0 ? null : (chain[i - 1] as Digest), size: present && row ? row.size : s.size, blobDigest: s.digest, blobMediaType: s.mediaType });
          }
        }
        if (blobsRenamed) await fsyncDir(dirname(this.#blobs.path(sha256(''))));
        await fsyncDir(places.snapshotsDir);
      }
      return this.#createLocked(config, layers, options);
    });
  }

  importRootfs(input: Readable, options: ImportOptions = {}): Promise<Image> {
    return this.#mutex.run(async () => {
      const { digest: diffId } = await this.#blobs.ingest(decompress(input));
      const hadLayer = this.#meta.getLayer(diffId) !== undefined;
      try {
        options.signal?.throwIfAborted();
        await this.#ensureLayer(diffId, null, diffId, diffId, mediaTypes.ociLayer);
      } catch (err) {
        // The blob goes too unless an image or layer already refers to it.
        await this.#dropUnused(hadLayer ? [] : [diffId], [diffId]);
        throw err;
      }
      const created = new Date().toISOString();
      const comment = options.message ?? 'Imported from -';
      const config: OciImageConfig = {
        architecture: options.architecture ?? goArch(),
        ...(options.config !== undefined ? { config: options.config } : { config: {} as OciContainerConfig }),
        created,
        comment,
        history: [{ created, created_by: '', comment }],
        os: options.os ?? 'linux',
        rootfs: { type: 'layers', diff_ids: [diffId] },
      };
      const { id } = await this.#commitImage(Buffer.from(JSON.stringify(config)), options.ref !== undefined ? [normalizeTagged(options.ref)] : []);
      this.#log.info('image imported', { image: id });
      return this.get(id);
    });
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
      await this.#ensureLayer(chain[i] as Digest, i === 0 ? null : (chain[i - 1] as Digest), diffIds[i] as Digest, l.blob, l.mediaType);
    }
    const tags = [...(options.ref !== undefined ? [normalizeTagged(options.ref)] : []), ...(options.refs ?? [])];
    const { id } = await this.#commitImage(options.configBytes ?? Buffer.from(JSON.stringify(config)), tags, options.manifestDigest);
    return this.get(id);
  }

  // ---- load ----------------------------------------------------------------------

  load(archive: Readable, options: { signal?: AbortSignal; progress?: ProgressSink } = {}): Promise<LoadResult> {
    return this.#mutex.run(async () => {
      const spoolDir = await mkdtemp(join(this.#tmpDir, 'load-'));
      const addedLayers: Digest[] = [];
      const addedBlobs: Digest[] = [];
      try {
        const spool = new SpooledArchive(spoolDir);
        await spool.fill(decompress(archive), options.signal);
        const found = spool.has('manifest.json')
          ? await this.#readDockerArchive(spool)
          : spool.has('index.json')
            ? await this.#readOciArchive(spool)
            : isLegacyArchive(spool)
              ? await readLegacyArchive(spool)
              : undefined;
        if (found === undefined) throw invalidArgument('invalid archive: it contains neither manifest.json nor index.json');
        if (found.length === 0) throw invalidArgument('invalid archive: it contains no image');

        // Layers first (invisible until an image record names them), records last.
        const configs: { bytes: Buffer; tags: readonly string[]; legacy: boolean }[] = [];
        for (const img of found) {
          options.signal?.throwIfAborted();
          const config = parseImageConfig(img.config);
          const diffIds = config.rootfs.diff_ids;
          if (diffIds.length !== img.layerFiles.length) throw invalidArgument(`invalid manifest, layers length mismatch: expected ${diffIds.length}, got ${img.layerFiles.length}`);
          const chain = chainIds(diffIds);
          for (let i = 0; i < diffIds.length; i++) {
            const chainId = chain[i] as Digest;
            const diffId = diffIds[i] as Digest;
            if (this.#meta.getLayer(chainId) !== undefined && (await this.#snap.hasLayer(chainId))) continue;
            const short = digestHex(diffId).slice(0, 12);
            options.progress?.({ kind: 'layer', id: short, step: 'loading-layer' });
            const hadBlob = await this.#blobs.has(diffId);
            const { digest: actual } = await this.#blobs.ingest(decompress(createReadStream(spool.path(img.layerFiles[i] as string) as string)));
            if (actual !== diffId) {
              if (!(await this.#usedByImages()).blobs.has(actual) && !this.#meta.listLayers().some((l) => l.blobDigest === actual)) await this.#blobs.delete(actual);
              throw invalidArgument(`invalid diffID for layer ${i}: expected "${diffId}", got "${actual}"`);
            }
            if (!hadBlob) addedBlobs.push(diffId);
            const hadLayer = this.#meta.getLayer(chainId) !== undefined;
            await this.#ensureLayer(chainId, i === 0 ? null : (chain[i - 1] as Digest), diffId, diffId, mediaTypes.ociLayer);
            if (!hadLayer) addedLayers.push(chainId);
            options.progress?.({ kind: 'layer', id: short, step: 'loaded-layer' });
          }
          configs.push({ bytes: img.config, tags: img.tags, legacy: 'legacy' in img });
        }

        const messages: string[] = [];
        const images: Digest[] = [];
        for (const c of configs) {
          const { id, moved } = await this.#commitImage(c.bytes, c.tags);
          images.push(id);
          for (const m of moved) messages.push(`The image ${familiarName(parseReference(m.ref))} already exists, renaming the old one with ID ${m.from} to empty string`);
          // dockerd's legacy loader tags silently: no "Loaded image" lines.
          if (c.legacy) continue;
          if (c.tags.length === 0) messages.push(`Loaded image ID: ${id}`);
          for (const t of c.tags) messages.push(`Loaded image: ${familiarName(parseReference(t))}`);
        }
        this.#log.info('images loaded', { images });
        return { messages, images };
      } catch (err) {
        await this.#dropUnused(addedLayers, addedBlobs);
        throw err;
      } finally {
        await rm(spoolDir, { recursive: true, force: true });
      }
    });
  }

  /** After a failed load: removes what it added that no image references. */
  async #dropUnused(layers: readonly Digest[], blobs: readonly Digest[]): Promise<void> {
    const used = await this.#usedByImages();
    for (const c of layers) {
      if (used.chains.has(c)) continue;
      this.#meta.deleteLayer(c);
      await this.#snap.removeLayer(c).catch((err: unknown) => this.#log.warn('cannot remove layer', { layer: c, error: err }));
    }
    const blobsInUse = new Set(this.#meta.listLayers().map((l) => l.blobDigest));
    for (const b of blobs) if (!blobsInUse.has(b) && !used.blobs.has(b)) await this.#blobs.delete(b);
  }

  async #readDockerArchive(spool: SpooledArchive): Promise<ArchiveImage[]> {
    let doc: unknown;
    try {
      doc = JSON.parse((await spool.read('manifest.json')).toString('utf8'));
    } catch (err) {
      throw invalidArgument(`invalid archive: manifest.json: ${errorMessage(err)}`, err);
    }
    if (!Array.isArray(doc)) throw invalidArgument('invalid archive: manifest.json is not a list');
    const out: ArchiveImage[] = [];
    for (const m of doc as unknown[]) {
      const e = (m ?? {}) as Record<string, unknown>;
      const configName = e['Config'];
      const layers = e['Layers'] ?? [];
      const repoTags = e['RepoTags'] ?? [];
      if (typeof configName !== 'string') throw invalidArgument('invalid archive: manifest.json entry without Config');
      if (!Array.isArray(layers) || !layers.every((l): l is string => typeof l === 'string')) throw invalidArgument('invalid archive: manifest.json Layers must be a list of paths');
      if (!Array.isArray(repoTags) || !repoTags.every((l): l is string => typeof l === 'string')) throw invalidArgument('invalid archive: manifest.json RepoTags must be a list');
      for (const l of layers) if (!spool.has(l)) throw invalidArgument(`invalid archive: layer "${l}" is missing`);
      out.push({ config: await spool.read(configName), layerFiles: layers, tags: repoTags.map((t) => normalizeTagged(t)) });
    }
    return out;
  }

  async #readOciArchive(spool: SpooledArchive): Promise<ArchiveImage[]> {
    const readJson = async (name: string, digest?: Digest): Promise<Record<string, unknown>> => {
      const bytes = await spool.read(name);
      if (digest !== undefined && sha256(bytes) !== digest) throw invalidArgument(`invalid archive: ${name} does not match its digest ${digest}`);
      try {
        const v: unknown = JSON.parse(bytes.toString('utf8'));
        if (typeof v !== 'object' || v === null) throw new Error('not an object');
        return v as Record<string, unknown>;
      } catch (err) {
        throw invalidArgument(`invalid archive: ${name}: ${errorMessage(err)}`, err);
      }
    };
    const blobPath = (d: unknown): string => {
      if (typeof d !== 'string' || !isDigest(d)) throw invalidArgument(`invalid archive: bad digest "${String(d)}"`);
      return `blobs/sha256/${digestHex(d)}`;
    };
    const descriptors = (doc: Record<string, unknown>): Record<string, unknown>[] => {
      const m = doc['manifests'];
      return Array.isArray(m) ? (m.filter((x) => typeof x === 'object' && x !== null) as Record<string, unknown>[]) : [];
    };
    const arch = goArch();
    /** Picks the host's platform out of an index (docker 25 saves a manifest list when it has one). */
    const pickManifest = async (desc: Record<string, unknown>, depth = 0): Promise<Record<string, unknown>> => {
      if (depth > 4) throw invalidArgument('invalid archive: indexes nested too deeply');
      const doc = await readJson(blobPath(desc['digest']), desc['digest'] as Digest);
      if (!isIndexMediaType((desc['mediaType'] as string | undefined) ?? (doc['mediaType'] as string | undefined))) return doc;
      const all = descriptors(doc);
      const platformOf = (d: Record<string, unknown>) => (d['platform'] ?? {}) as Record<string, unknown>;
      const present = all.filter((d) => spool.has(blobPath(d['digest'])));
      const match = present.find((d) => platformOf(d)['os'] === 'linux' && platformOf(d)['architecture'] === arch) ?? present[0];
      if (match === undefined) throw invalidArgument(`invalid archive: no manifest for linux/${arch}`);
      return pickManifest(match, depth + 1);
    };

    const out: ArchiveImage[] = [];
    for (const desc of descriptors(await readJson('index.json'))) {
      const manifest = await pickManifest(desc);
      const configDesc = (manifest['config'] ?? {}) as Record<string, unknown>;
      const config = await spool.read(blobPath(configDesc['digest']));
      if (sha256(config) !== configDesc['digest']) throw invalidArgument(`invalid archive: config does not match its digest ${String(configDesc['digest'])}`);
      const layers = Array.isArray(manifest['layers']) ? (manifest['layers'] as Record<string, unknown>[]) : [];
      const layerFiles = layers.map((l) => {
        const p = blobPath(l['digest']);
        if (!spool.has(p)) throw invalidArgument(`invalid archive: layer ${String(l['digest'])} is missing`);
        return p;
      });
      const annotations = (desc['annotations'] ?? {}) as Record<string, unknown>;
      const tags: string[] = [];
      const full = annotations['io.containerd.image.name'];
      const refName = annotations['org.opencontainers.image.ref.name'];
      // A bare tag in ref.name (`latest`) names no repository; only a full reference does.
      const name = typeof full === 'string' ? full : typeof refName === 'string' && /[:/]/.test(refName) ? refName : undefined;
      if (name !== undefined) {
        const r = tryParse(name);
        if (r !== undefined && r.digest === undefined) tags.push(formatReference(withDefaultTag(r)));
      }
      const existing = out.find((o) => sha256(o.config) === sha256(config));
      if (existing !== undefined) (existing.tags as string[]).push(...tags);
      else out.push({ config, layerFiles, tags });
    }
    return out;
  }

  // ---- save ----------------------------------------------------------------------

  async save(refs: readonly string[], out: Writable, options: { signal?: AbortSignal } = {}): Promise<void> {
    const wanted = new Map<Digest, Set<string>>();
    const want = (id: Digest, tag?: string) => {
      const tags = wanted.get(id) ?? new Set<string>();
      if (tag !== undefined) tags.add(tag);
      wanted.set(id, tags);
    };
    for (const name of refs) {
      const ref = tryParse(name);
      const isIdLike = isDigest(name) || /^[0-9a-f]{64}$/.test(name);
      if (ref !== undefined && !isIdLike) {
        if (ref.tag === undefined && ref.digest === undefined) {
          // A bare repository name saves every tag of it, as docker does.
          const repo = repositoryName(ref);
          const tags = this.#meta.listTags().filter((t) => !t.ref.includes('@') && t.ref.slice(0, t.ref.lastIndexOf(':')) === repo);
          if (tags.length > 0) {
            for (const t of tags) want(t.imageId, t.ref);
            continue;
          }
        } else if (ref.digest === undefined) {
          const key = formatReference(ref);
          const id = this.#meta.resolveTag(key);
          if (id !== undefined) {
            want(id, key);
            continue;
          }
        }
      }
      want((await this.resolve(name)).id);
    }

    const tmp = await mkdtemp(join(this.#tmpDir, 'save-'));
    try {
      const items: SaveItem[] = [];
      for (const [id, tags] of wanted) {
        const image = await this.get(id);
        const layers = [];
        for (const l of image.layers) layers.push(await this.#uncompressedLayer(l.chainId, l.diffId, tmp));
        items.push({ id, config: await this.#blobs.read(id), tags: [...tags], layers });
      }
      await writeSaveArchive(items, out, options.signal);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /** A reader of a layer's uncompressed tar: the stored blob, or a decompressed copy in `tmp`. */
  async #uncompressedLayer(chainId: Digest, diffId: Digest, tmp: string): Promise<SaveItem['layers'][number]> {
    if (await this.#blobs.has(diffId)) {
      return { diffId, tarSize: await this.#blobs.size(diffId), open: () => this.#blobs.stream(diffId) };
    }
    const row = this.#meta.getLayer(chainId);
    if (row?.blobDigest === undefined || !(await this.#blobs.has(row.blobDigest)) || uncompressedLayerTypes.includes(row.blobMediaType ?? '')) {
      throw failedPrecondition(`Cannot save layer ${diffId}: its content is not stored`);
    }
    const file = join(tmp, digestHex(diffId));
    await pipeline(decompress(this.#blobs.stream(row.blobDigest)), createWriteStream(file, { mode: 0o600 }));
    return { diffId, tarSize: (await stat(file)).size, open: () => createReadStream(file) };
  }

  // ---- delete and gc ---------------------------------------------------------------

  async #usedByImages(exceptId?: Digest): Promise<{ chains: Set<Digest>; blobs: Set<Digest> }> {
    const chains = new Set<Digest>();
    const blobs = new Set<Digest>();
    for (const row of this.#meta.listImages()) {
      if (row.id === exceptId) continue;
      blobs.add(row.id);
      if (row.manifestDigest !== undefined) blobs.add(row.manifestDigest);
      try {
        for (const c of chainIds((await this.#config(row.id)).rootfs.diff_ids)) chains.add(c);
      } catch (err) {
        this.#log.warn('image config unreadable while counting layer users', { image: row.id, error: err });
      }
    }
    return { chains, blobs };
  }

  delete(id: Digest, options: { layerInUse?: LayerInUse } = {}): Promise<Digest[]> {
    return this.#mutex.run(async () => {
      const image = await this.get(id);
      const used = await this.#usedByImages(id);
      const removed = [...image.chain].reverse().filter((c) => !used.chains.has(c) && !(options.layerInUse?.(c) ?? false));
      const layerBlobs: Digest[] = [];
      this.#meta.transaction(() => {
        for (const t of this.#meta.tagsOf(id)) this.#meta.removeTag(t);
        this.#meta.deleteImage(id);
        for (const c of removed) {
          const row = this.#meta.getLayer(c);
          if (row?.blobDigest !== undefined) layerBlobs.push(row.blobDigest);
          this.#meta.deleteLayer(c);
        }
      });
      this.#configs.delete(id);
      // Past the point of no return: the record is gone, so leftovers are only wasted space (gc() finds them).
      const stillUsedBlobs = new Set(this.#meta.listLayers().map((l) => l.blobDigest));
      const doomedBlobs = [id, ...(image.manifestDigest !== undefined && !used.blobs.has(image.manifestDigest) ? [image.manifestDigest] : []), ...layerBlobs.filter((b) => !stillUsedBlobs.has(b))];
      for (const c of removed) await this.#snap.removeLayer(c).catch((err: unknown) => this.#log.warn('cannot remove layer directory', { layer: c, error: err }));
      for (const b of doomedBlobs) await this.#blobs.delete(b).catch((err: unknown) => this.#log.warn('cannot remove blob', { blob: b, error: err }));
      this.#log.info('image record deleted', { image: id, layers: removed.length });
      return removed;
    });
  }

  lease(blobs: readonly Digest[]): () => void {
    for (const b of blobs) this.#leased.set(b, (this.#leased.get(b) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const b of blobs) {
        const n = (this.#leased.get(b) ?? 1) - 1;
        if (n <= 0) this.#leased.delete(b);
        else this.#leased.set(b, n);
      }
    };
  }

  gc(options: { layerInUse?: LayerInUse } = {}): Promise<GcResult> {
    return this.#mutex.run(async () => {
      const used = await this.#usedByImages();
      const keep = (c: Digest) => used.chains.has(c) || (options.layerInUse?.(c) ?? false);
      const layers: Digest[] = [];
      for (const row of this.#meta.listLayers()) {
        if (keep(row.chainId)) continue;
        this.#meta.deleteLayer(row.chainId);
        layers.push(row.chainId);
      }
      for (const c of await this.#snap.listLayers()) {
        if (keep(c)) continue;
        await this.#snap.removeLayer(c);
        if (!layers.includes(c)) layers.push(c);
      }
      const blobsInUse = new Set<Digest | undefined>([...used.blobs, ...this.#meta.listLayers().map((l) => l.blobDigest)]);
      const blobs: Digest[] = [];
      for (const b of await this.#blobs.list()) {
        if (blobsInUse.has(b) || this.#leased.has(b)) continue;
        await this.#blobs.delete(b);
        blobs.push(b);
      }
      return { layers, blobs };
    });
  }
}

/** Opens the image store over the given store parts; cleans leftovers of interrupted loads. */
export async function createImageStore(deps: LocalImageStoreDeps): Promise<LocalImageStore> {
  const store = new Store(deps);
  await store.init();
  return store;
}

// The layers of the image store: a layer is a snapshot (one directory per
// chain id) unpacked from its blob plus a row in the metadata database. Making
// them exist (from blobs, or by moving in what a pull staged), and removing
// what a failed operation added.
import { rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { sha256, type Digest } from '../core/digest.ts';
import { failedPrecondition, invalidArgument } from '../core/errors.ts';
import { treeSize } from '../store/index.ts';
import { fsyncDir } from '../lib/atomic-write.ts';
import { runTool } from '../lib/run-tool.ts';
import { span } from '../lib/trace.ts';
import { decompress } from './decompress.ts';
import type { ImageRecords } from './image-records.ts';
import type { StagedLayer, StagingPlaces } from './layer-staging.ts';
import { mediaTypes } from './media-types.ts';
import type { StoreParts } from './store-parts.ts';
import type { Image } from './types.ts';
import { unpackLayer } from './unpack-layer.ts';

export class ImageLayers {
  readonly #p: StoreParts;
  readonly #records: ImageRecords;

  constructor(parts: StoreParts, records: ImageRecords) {
    this.#p = parts;
    this.#records = records;
  }

  /**
   * Makes `chainId` exist as a snapshot and a layer row, unpacking `blob`
   * (compressed per its content) and checking it against `diffId`.
   */
  async ensureLayer(chainId: Digest, parent: Digest | null, diffId: Digest, blob: Digest, mediaType: string): Promise<void> {
    const row = this.#p.meta.getLayer(chainId);
    if (row !== undefined && (await this.#p.snap.hasLayer(chainId))) return;
    let size: number | undefined;
    await this.#p.snap.commitLayer(chainId, async (dir) => {
      const r = await unpackLayer(decompress(this.#p.blobs.stream(blob), { gzipTool: true }), dir, { log: this.#p.log });
      if (r.diffId !== diffId) throw invalidArgument(`invalid diffID for layer ${blob}: expected "${diffId}", got "${r.diffId}"`);
      size = r.size;
    });
    size ??= row?.size ?? (await treeSize(this.#p.snap.layerDir(chainId)));
    this.#p.meta.putLayer({ chainId, diffId, parent, size, blobDigest: row?.blobDigest ?? blob, blobMediaType: row?.blobMediaType ?? mediaType });
  }

  /** Whether every layer of the image has its row and its snapshot. */
  async allPresent(image: Image): Promise<boolean> {
    for (const c of image.chain) if (this.#p.meta.getLayer(c) === undefined || !(await this.#p.snap.hasLayer(c))) return false;
    return true;
  }

  /** Unpacks the image's missing layers from their blobs (under the store's lock). FailedPrecondition when a blob is gone. */
  async unpackMissing(image: Image): Promise<void> {
    const id = image.id;
    for (let i = 0; i < image.layers.length; i++) {
      const { chainId, diffId } = image.layers[i] as Image['layers'][number];
      const row = this.#p.meta.getLayer(chainId);
      const blob = row?.blobDigest ?? ((await this.#p.blobs.has(diffId)) ? diffId : undefined);
      if (blob === undefined || !(await this.#p.blobs.has(blob))) {
        if (await this.#p.snap.hasLayer(chainId)) continue;
        throw failedPrecondition(`Cannot unpack image ${id}: the content of layer ${diffId} is missing`);
      }
      await this.ensureLayer(chainId, i === 0 ? null : (image.chain[i - 1] as Digest), diffId, blob, row?.blobMediaType ?? mediaTypes.ociLayer);
    }
  }

  /**
   * Moves the layers a pull staged into place: one sync makes all staged data
   * durable, then each blob and snapshot is renamed in and its layer row
   * written. Staged layers that are present meanwhile are dropped.
   */
  async installStaged(chain: readonly Digest[], staged: readonly StagedLayer[], places: StagingPlaces): Promise<void> {
    // One sync for everything staged: the data must be durable before a rename makes it visible.
    await span('pull: sync staged layers', undefined, () => runTool('sync', ['-f', places.snapshotsDir, places.tmpDir]));
    let blobsRenamed = false;
    for (const s of staged) {
      if (await this.#p.blobs.has(s.digest)) await rm(s.blobFile, { force: true });
      else {
        await rename(s.blobFile, this.#p.blobs.path(s.digest));
        blobsRenamed = true;
      }
      const row = this.#p.meta.getLayer(s.chainId);
      const present = await this.#p.snap.hasLayer(s.chainId);
      if (!present) {
        await rename(s.snapshotDir, dirname(this.#p.snap.layerDir(s.chainId)));
        // The layer exists now: this only adds its short link.
        await this.#p.snap.commitLayer(s.chainId, async () => undefined);
      } else await rm(s.snapshotDir, { recursive: true, force: true });
      if (row === undefined || !present) {
        const i = chain.indexOf(s.chainId);
        this.#p.meta.putLayer({ chainId: s.chainId, diffId: s.diffId, parent: i <= 0 ? null : (chain[i - 1] as Digest), size: present && row ? row.size : s.size, blobDigest: s.digest, blobMediaType: s.mediaType });
      }
    }
    if (blobsRenamed) await fsyncDir(dirname(this.#p.blobs.path(sha256(''))));
    await fsyncDir(places.snapshotsDir);
  }

  /** After a failed load: removes what it added that no image references. */
  async dropUnused(layers: readonly Digest[], blobs: readonly Digest[]): Promise<void> {
    const used = await this.#records.usedByImages();
    for (const c of layers) {
      if (used.chains.has(c)) continue;
      this.#p.meta.deleteLayer(c);
      await this.#p.snap.removeLayer(c).catch((err: unknown) => this.#p.log.warn('cannot remove layer', { layer: c, error: err }));
    }
    const blobsInUse = new Set(this.#p.meta.listLayers().map((l) => l.blobDigest));
    for (const b of blobs) if (!blobsInUse.has(b) && !used.blobs.has(b)) await this.#p.blobs.delete(b);
  }
}

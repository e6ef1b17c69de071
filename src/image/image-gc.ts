// Deleting an image and collecting garbage: an image's record and tags go in
// one transaction, then the layers, snapshots and blobs nothing else uses;
// gc() also removes leftovers of crashed operations.
import type { Digest } from '../core/digest.ts';
import type { ImageRecords } from './image-records.ts';
import type { StoreParts } from './store-parts.ts';

/** Whether a layer (by chain id) is still needed by something outside the image store, e.g. a container. */
export type LayerInUse = (chainId: Digest) => boolean;

export interface GcResult {
  readonly layers: Digest[];
  readonly blobs: Digest[];
}

export interface GcDeps extends StoreParts {
  readonly records: ImageRecords;
}

/** Deletes image `id` (the caller holds the store's lock); returns the chain ids removed, top first. */
export async function deleteImage(p: GcDeps, id: Digest, options: { layerInUse?: LayerInUse } = {}): Promise<Digest[]> {
  const { records } = p;
  const image = await records.get(id);
  const used = await records.usedByImages(id);
  const removed = [...image.chain].reverse().filter((c) => !used.chains.has(c) && !(options.layerInUse?.(c) ?? false));
  const layerBlobs: Digest[] = [];
  p.meta.transaction(() => {
    for (const t of p.meta.tagsOf(id)) p.meta.removeTag(t);
    p.meta.deleteImage(id);
    for (const c of removed) {
      const row = p.meta.getLayer(c);
      if (row?.blobDigest !== undefined) layerBlobs.push(row.blobDigest);
      p.meta.deleteLayer(c);
    }
  });
  records.forget(id);
  // Past the point of no return: the record is gone, so leftovers are only wasted space (gc() finds them).
  const stillUsedBlobs = new Set(p.meta.listLayers().map((l) => l.blobDigest));
  const doomedBlobs = [id, ...(image.manifestDigest !== undefined && !used.blobs.has(image.manifestDigest) ? [image.manifestDigest] : []), ...layerBlobs.filter((b) => !stillUsedBlobs.has(b))];
  for (const c of removed) await p.snap.removeLayer(c).catch((err: unknown) => p.log.warn('cannot remove layer directory', { layer: c, error: err }));
  for (const b of doomedBlobs) await p.blobs.delete(b).catch((err: unknown) => p.log.warn('cannot remove blob', { blob: b, error: err }));
  p.log.info('image record deleted', { image: id, layers: removed.length });
  return removed;
}

/** Removes what no image uses, `layerInUse` does not claim and no lease holds (the caller holds the store's lock). */
export async function collectGarbage(p: GcDeps, isLeased: (blob: Digest) => boolean, options: { layerInUse?: LayerInUse } = {}): Promise<GcResult> {
  const { records } = p;
  const used = await records.usedByImages();
  const keep = (c: Digest) => used.chains.has(c) || (options.layerInUse?.(c) ?? false);
  const layers: Digest[] = [];
  for (const row of p.meta.listLayers()) {
    if (keep(row.chainId)) continue;
    p.meta.deleteLayer(row.chainId);
    layers.push(row.chainId);
  }
  for (const c of await p.snap.listLayers()) {
    if (keep(c)) continue;
    await p.snap.removeLayer(c);
    if (!layers.includes(c)) layers.push(c);
  }
  const blobsInUse = new Set<Digest | undefined>([...used.blobs, ...p.meta.listLayers().map((l) => l.blobDigest)]);
  const blobs: Digest[] = [];
  for (const b of await p.blobs.list()) {
    if (blobsInUse.has(b) || isLeased(b)) continue;
    await p.blobs.delete(b);
    blobs.push(b);
  }
  return { layers, blobs };
}

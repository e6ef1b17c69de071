// Deleting an image and collecting garbage: an image's record and tags go in
// one transaction, then the layers, snapshots and blobs nothing else uses;
// gc() also removes leftovers of crashed operations. Both ask one question —
// referencedBlobs() — and an image removal ends with the same sweep as gc(),
// so that after `rmi` the store holds exactly what a start-up gc would keep.
import { isDigest, type Digest } from '../core/digest.ts';
import { notFound } from '../core/errors.ts';
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

/**
 * The blobs the records name: image configs and manifests, the manifests the
 * RepoDigests name (a push keeps the one it sent), and the layers' blobs.
 */
export function referencedBlobs(p: GcDeps, used: { blobs: ReadonlySet<Digest> }): Set<Digest> {
  const out = new Set<Digest>(used.blobs);
  for (const t of p.meta.listTags()) {
    const at = t.ref.lastIndexOf('@');
    const d = at < 0 ? '' : t.ref.slice(at + 1);
    if (isDigest(d)) out.add(d);
  }
  for (const l of p.meta.listLayers()) if (l.blobDigest !== undefined) out.add(l.blobDigest);
  return out;
}

/** Deletes image `id` (the caller holds the store's lock); returns the chain ids removed, top first. */
export async function deleteImage(p: GcDeps, id: Digest, options: { layerInUse?: LayerInUse } = {}): Promise<Digest[]> {
  const { records } = p;
  const image = await records.get(id);
  const used = await records.usedByImages(id);
  const removed = [...image.chain].reverse().filter((c) => !used.chains.has(c) && !(options.layerInUse?.(c) ?? false));
  p.meta.transaction(() => {
    for (const t of p.meta.tagsOf(id)) p.meta.removeTag(t);
    p.meta.deleteImage(id);
    for (const c of removed) p.meta.deleteLayer(c);
  });
  records.forget(id);
  // Past the point of no return: the record is gone, so leftovers are only wasted space (a later gc() finds them).
  for (const c of removed) await p.snap.removeLayer(c).catch((err: unknown) => p.log.warn('cannot remove layer directory', { layer: c, error: err }));
  await collectGarbage(p, options).catch((err: unknown) => p.log.warn('gc after image removal failed', { image: id, error: err }));
  p.log.info('image record deleted', { image: id, layers: removed.length });
  return removed;
}

/** Removes what no image uses, `layerInUse` does not claim and no lease holds (the caller holds the store's lock). */
export async function collectGarbage(p: GcDeps, options: { layerInUse?: LayerInUse } = {}): Promise<GcResult> {
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
  const inUse = referencedBlobs(p, used);
  const blobs: Digest[] = [];
  for (const b of await p.blobs.list()) {
    if (inUse.has(b) || p.blobs.isLeased(b)) continue;
    await p.blobs.delete(b);
    blobs.push(b);
  }
  if (layers.length > 0 || blobs.length > 0) p.log.info('garbage collected', { layers: layers.length, blobs: blobs.length });
  return { layers, blobs };
}

/** setLayerBlob() under the store's lock: the row names `blob`; the blob it named goes when nothing else needs it. */
export async function replaceLayerBlob(p: GcDeps, chainId: Digest, blob: Digest, mediaType: string): Promise<void> {
  const row = p.meta.getLayer(chainId);
  if (row === undefined) throw notFound(`No such layer: ${chainId}`);
  p.meta.putLayer({ ...row, blobDigest: blob, blobMediaType: mediaType });
  const old = row.blobDigest;
  if (old === undefined || old === blob || p.blobs.isLeased(old)) return;
  if (referencedBlobs(p, await p.records.usedByImages()).has(old)) return;
  await p.blobs.delete(old).catch((err: unknown) => p.log.warn('cannot remove blob', { blob: old, error: err }));
}

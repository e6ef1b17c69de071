// `docker import`: a tar of a root filesystem (plain or compressed) becomes a
// one-layer image with a config made from the import options.
import type { Readable } from 'node:stream';
import { decompress } from './decompress.ts';
import { goArch } from './image-config.ts';
import type { ImageLayers } from './image-layers.ts';
import type { ImageRecords } from './image-records.ts';
import { mediaTypes } from './media-types.ts';
import { normalizeTagged } from '../core/reference.ts';
import type { StoreParts } from './store-parts.ts';
import type { Image, ImportOptions, OciContainerConfig, OciImageConfig } from './types.ts';

export interface ImportDeps extends StoreParts {
  readonly records: ImageRecords;
  readonly layers: ImageLayers;
}

/** Imports a root filesystem tar; the caller holds the store's lock. The layer (and its blob) go again on failure. */
export async function importRootfs(p: ImportDeps, input: Readable, options: ImportOptions = {}): Promise<Image> {
  const { records, layers } = p;
  const { digest: diffId } = await p.blobs.ingest(decompress(input));
  const hadLayer = p.meta.getLayer(diffId) !== undefined;
  try {
    options.signal?.throwIfAborted();
    await layers.ensureLayer(diffId, null, diffId, diffId, mediaTypes.ociLayer);
  } catch (err) {
    // The blob goes too unless an image or layer already refers to it.
    await layers.dropUnused(hadLayer ? [] : [diffId], [diffId]);
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
  const { id } = await records.commit(Buffer.from(JSON.stringify(config)), options.ref !== undefined ? [normalizeTagged(options.ref)] : []);
  p.log.info('image imported', { image: id });
  return records.get(id);
}

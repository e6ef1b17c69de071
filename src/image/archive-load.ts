// `docker load`: spools the archive, reads its images (docker-save, OCI
// layout or legacy), unpacks their layers (invisible until an image record
// names them) and writes the records last. A failure removes what it added.
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { chainIds, digestHex, type Digest } from '../core/digest.ts';
import { invalidArgument } from '../core/errors.ts';
import { familiarName, parseReference } from '../core/reference.ts';
import { readDockerArchive, readOciArchive } from './archive-read.ts';
import { SpooledArchive } from './archive-spool.ts';
import { decompress } from './decompress.ts';
import { parseImageConfig } from './image-config.ts';
import type { ImageLayers } from './image-layers.ts';
import type { ImageRecords } from './image-records.ts';
import { isLegacyArchive, readLegacyArchive } from './legacy-archive.ts';
import { mediaTypes } from './media-types.ts';
import type { StoreParts } from './store-parts.ts';
import type { LoadResult, ProgressSink } from './types.ts';

export interface LoadDeps extends StoreParts {
  readonly records: ImageRecords;
  readonly layers: ImageLayers;
}

/** Loads an archive; the caller holds the store's lock. InvalidArgument for an archive that is not one. */
export async function loadArchive(p: LoadDeps, archive: Readable, options: { signal?: AbortSignal; progress?: ProgressSink } = {}): Promise<LoadResult> {
  const { records, layers } = p;
  const spoolDir = await mkdtemp(join(p.tmpDir, 'load-'));
  const addedLayers: Digest[] = [];
  const addedBlobs: Digest[] = [];
  try {
    const spool = new SpooledArchive(spoolDir);
    await spool.fill(decompress(archive), options.signal);
    const found = spool.has('manifest.json')
      ? await readDockerArchive(spool)
      : spool.has('index.json')
        ? await readOciArchive(spool)
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
        if (p.meta.getLayer(chainId) !== undefined && (await p.snap.hasLayer(chainId))) continue;
        const short = digestHex(diffId).slice(0, 12);
        options.progress?.({ kind: 'layer', id: short, step: 'loading-layer' });
        const hadBlob = await p.blobs.has(diffId);
        const { digest: actual } = await p.blobs.ingest(decompress(createReadStream(spool.path(img.layerFiles[i] as string) as string)));
        if (actual !== diffId) {
          if (!(await records.usedByImages()).blobs.has(actual) && !p.meta.listLayers().some((l) => l.blobDigest === actual)) await p.blobs.delete(actual);
          throw invalidArgument(`invalid diffID for layer ${i}: expected "${diffId}", got "${actual}"`);
        }
        if (!hadBlob) addedBlobs.push(diffId);
        const hadLayer = p.meta.getLayer(chainId) !== undefined;
        await layers.ensureLayer(chainId, i === 0 ? null : (chain[i - 1] as Digest), diffId, diffId, mediaTypes.ociLayer);
        if (!hadLayer) addedLayers.push(chainId);
        options.progress?.({ kind: 'layer', id: short, step: 'loaded-layer' });
      }
      configs.push({ bytes: img.config, tags: img.tags, legacy: 'legacy' in img });
    }

    const messages: string[] = [];
    const images: Digest[] = [];
    for (const c of configs) {
      const { id, moved } = await records.commit(c.bytes, c.tags);
      images.push(id);
      for (const m of moved) messages.push(`The image ${familiarName(parseReference(m.ref))} already exists, renaming the old one with ID ${m.from} to empty string`);
      // dockerd's legacy loader tags silently: no "Loaded image" lines.
      if (c.legacy) continue;
      if (c.tags.length === 0) messages.push(`Loaded image ID: ${id}`);
      for (const t of c.tags) messages.push(`Loaded image: ${familiarName(parseReference(t))}`);
    }
    p.log.info('images loaded', { images });
    return { messages, images };
  } catch (err) {
    await layers.dropUnused(addedLayers, addedBlobs);
    throw err;
  } finally {
    await rm(spoolDir, { recursive: true, force: true });
  }
}

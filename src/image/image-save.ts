// `docker save`: which images and tags the names given select (a bare
// repository saves all its tags), and each layer's uncompressed tar (the
// stored blob, or a decompressed copy); archive-save.ts writes the archive.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { digestHex, isDigest, type Digest } from '../core/digest.ts';
import { failedPrecondition } from '../core/errors.ts';
import { formatReference, repositoryName } from '../core/reference.ts';
import { writeSaveArchive, type SaveItem } from './archive-save.ts';
import { decompress } from './decompress.ts';
import { tryParse, type ImageRecords } from './image-records.ts';
import { mediaTypes } from './media-types.ts';
import type { StoreParts } from './store-parts.ts';

const uncompressedLayerTypes: readonly string[] = [mediaTypes.ociLayer, mediaTypes.dockerLayer];

export interface SaveDeps extends StoreParts {
  readonly records: ImageRecords;
}

/** Writes a docker-save archive of the images `refs` name. NotFound for a name that is no image. */
export async function saveImages(p: SaveDeps, refs: readonly string[], out: Writable, options: { signal?: AbortSignal } = {}): Promise<void> {
  const { records } = p;
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
        const tags = p.meta.listTags().filter((t) => !t.ref.includes('@') && t.ref.slice(0, t.ref.lastIndexOf(':')) === repo);
        if (tags.length > 0) {
          for (const t of tags) want(t.imageId, t.ref);
          continue;
        }
      } else if (ref.digest === undefined) {
        const key = formatReference(ref);
        const id = p.meta.resolveTag(key);
        if (id !== undefined) {
          want(id, key);
          continue;
        }
      }
    }
    want((await records.resolve(name)).id);
  }

  const tmp = await mkdtemp(join(p.tmpDir, 'save-'));
  try {
    const items: SaveItem[] = [];
    for (const [id, tags] of wanted) {
      const image = await records.get(id);
      const layers = [];
      for (const l of image.layers) layers.push(await uncompressedLayer(p, l.chainId, l.diffId, tmp));
      items.push({ id, config: await p.blobs.read(id), tags: [...tags], layers });
    }
    await writeSaveArchive(items, out, options.signal);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** A reader of a layer's uncompressed tar: the stored blob, or a decompressed copy in `tmp`. */
async function uncompressedLayer(p: StoreParts, chainId: Digest, diffId: Digest, tmp: string): Promise<SaveItem['layers'][number]> {
  if (await p.blobs.has(diffId)) {
    return { diffId, tarSize: await p.blobs.size(diffId), open: () => p.blobs.stream(diffId) };
  }
  const row = p.meta.getLayer(chainId);
  if (row?.blobDigest === undefined || !(await p.blobs.has(row.blobDigest)) || uncompressedLayerTypes.includes(row.blobMediaType ?? '')) {
    throw failedPrecondition(`Cannot save layer ${diffId}: its content is not stored`);
  }
  const file = join(tmp, digestHex(diffId));
  await pipeline(decompress(p.blobs.stream(row.blobDigest)), createWriteStream(file, { mode: 0o600 }));
  return { diffId, tarSize: (await stat(file)).size, open: () => createReadStream(file) };
}

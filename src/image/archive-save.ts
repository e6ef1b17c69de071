// Writes a `docker save` archive that both old and new Docker load: the legacy
// manifest.json + repositories (docker ≤ 24 reads these) pointing into an OCI
// image layout (oci-layout, index.json, blobs/sha256/… with the config, one OCI
// manifest per image and the uncompressed layer tars), as docker 25+ writes it.
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { digestHex, sha256, type Digest } from '../core/digest.ts';
import { familiarName, parseReference } from '../core/reference.ts';
import { mediaTypes } from './media-types.ts';

export interface SaveLayer {
  readonly diffId: Digest;
  /** Length of the uncompressed tar. */
  readonly tarSize: number;
  open(): Readable;
}

export interface SaveItem {
  readonly id: Digest;
  readonly config: Buffer;
  /** Normalised tagged references (`docker.io/library/busybox:latest`) to record. */
  readonly tags: readonly string[];
  readonly layers: readonly SaveLayer[];
}

const mtime = new Date(0);

function blobName(d: Digest): string {
  return `blobs/sha256/${digestHex(d)}`;
}

/** Writes the archive for `items` to `out`. */
export async function writeSaveArchive(items: readonly SaveItem[], out: Writable, signal?: AbortSignal): Promise<void> {
  const pack = tar.pack();
  const piping = pipeline(pack as unknown as Readable, out, ...(signal ? [{ signal }] : []));
  piping.catch(() => {});
  const written = new Set<string>();

  const addBuffer = (name: string, data: Buffer | string) =>
    new Promise<void>((resolve, reject) => {
      pack.entry({ name, mode: 0o644, mtime, type: 'file' }, typeof data === 'string' ? Buffer.from(data) : data, (err) => (err ? reject(err) : resolve()));
    });
  const addDir = (name: string) =>
    new Promise<void>((resolve, reject) => {
      pack.entry({ name, mode: 0o755, mtime, type: 'directory' }, (err) => (err ? reject(err) : resolve()));
    });
  const addStream = async (name: string, size: number, open: () => Readable) => {
    const sink = pack.entry({ name, size, mode: 0o644, mtime, type: 'file' });
    await pipeline(open(), sink as unknown as NodeJS.WritableStream);
  };

  try {
    await addDir('blobs/');
    await addDir('blobs/sha256/');
    const legacy: { Config: string; RepoTags: string[] | null; Layers: string[] }[] = [];
    const index: { mediaType: string; digest: Digest; size: number; annotations?: Record<string, string> }[] = [];
    const repositories: Record<string, Record<string, string>> = {};

    for (const item of items) {
      signal?.throwIfAborted();
      if (!written.has(item.id)) {
        await addBuffer(blobName(item.id), item.config);
        written.add(item.id);
      }
      for (const layer of item.layers) {
        if (written.has(layer.diffId)) continue;
        await addStream(blobName(layer.diffId), layer.tarSize, layer.open);
        written.add(layer.diffId);
      }
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: mediaTypes.ociManifest,
        config: { mediaType: mediaTypes.ociConfig, digest: item.id, size: item.config.length },
        layers: item.layers.map((l) => ({ mediaType: mediaTypes.ociLayer, digest: l.diffId, size: l.tarSize })),
      });
      const manifestDigest = sha256(manifest);
      if (!written.has(manifestDigest)) {
        await addBuffer(blobName(manifestDigest), manifest);
        written.add(manifestDigest);
      }
      const familiar = item.tags.map((t) => familiarName(parseReference(t)));
      legacy.push({ Config: blobName(item.id), RepoTags: familiar.length > 0 ? familiar : null, Layers: item.layers.map((l) => blobName(l.diffId)) });
      const descriptor = { mediaType: mediaTypes.ociManifest, digest: manifestDigest, size: Buffer.byteLength(manifest) };
      if (item.tags.length === 0) index.push(descriptor);
      for (const t of item.tags) {
        const ref = parseReference(t);
        index.push({ ...descriptor, annotations: { 'io.containerd.image.name': t, 'org.opencontainers.image.ref.name': ref.tag ?? 'latest' } });
        const top = item.layers[item.layers.length - 1];
        if (top !== undefined && ref.tag !== undefined) {
          const repo = familiarName({ domain: ref.domain, path: ref.path });
          (repositories[repo] ??= {})[ref.tag] = digestHex(top.diffId);
        }
      }
    }

    await addBuffer('index.json', JSON.stringify({ schemaVersion: 2, mediaType: mediaTypes.ociIndex, manifests: index }));
    await addBuffer('manifest.json', JSON.stringify(legacy));
    await addBuffer('oci-layout', JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    if (Object.keys(repositories).length > 0) await addBuffer('repositories', JSON.stringify(repositories));
    pack.finalize();
    await piping;
  } catch (err) {
    pack.destroy(err as Error);
    await piping.catch(() => {});
    throw err;
  }
}

// engine: pushing a local image to a registry. Each layer goes up as a gzip
// blob (an uncompressed layer is compressed once and the compressed blob kept
// for the layer, so the next push has the same digest); blobs the registry has
// are skipped after a HEAD, blobs in another repository of the same registry
// that this image came from are mounted, the rest uploaded. The manifest is the
// one the image was pulled with when all its blobs are at hand (same digest as
// the source), else a Docker schema 2 manifest made here. The pushed digest is
// recorded as a RepoDigest, as docker does.
import { createGzip } from 'node:zlib';
import type { Digest } from '../../core/digest.ts';
import { digestHex, sha256 } from '../../core/digest.ts';
import { isNotFound, notFound } from '../../core/errors.ts';
import { familiarName, formatReference, parseReference, repositoryName, withDefaultTag, type Reference } from '../../core/reference.ts';
import type { Image, LocalImageStore, ProgressSink } from '../../image/index.ts';
import type { Logger } from '../../lib/logger.ts';
import { parseManifest, type Credentials, type Descriptor, type RegistryClient } from '../../registry/index.ts';
import type { BlobLease, BlobStore, MetadataStore } from '../../store/index.ts';

export interface PushDeps {
  readonly registry: RegistryClient;
  readonly blobs: BlobStore;
  readonly meta: MetadataStore;
  readonly images: LocalImageStore;
  readonly log: Logger;
}

export interface PushOptions {
  readonly credentials?: Credentials;
  readonly progress?: ProgressSink;
  readonly signal?: AbortSignal;
  /** Upload in PATCH chunks of this many bytes when a blob is larger (0: monolithic). */
  readonly chunkSize?: number;
}

export interface PushResult {
  readonly tag: string;
  readonly digest: Digest;
  readonly size: number;
}

const dockerTypes = {
  manifest: 'application/vnd.docker.distribution.manifest.v2+json',
  config: 'application/vnd.docker.container.image.v1+json',
  layerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

const compressedTypes = /(\+gzip|\.gzip|\+zstd)$/;

/** The layer's blob as it goes to the registry: compressed, compressing it now if needed. */
async function layerBlob(deps: PushDeps, image: Image, index: number, lease: BlobLease): Promise<Descriptor> {
  const layer = image.layers[index] as Image['layers'][number];
  const row = deps.meta.getLayer(layer.chainId);
  if (row?.blobDigest !== undefined && compressedTypes.test(row.blobMediaType ?? '') && (await deps.blobs.has(row.blobDigest))) {
    return { mediaType: row.blobMediaType ?? dockerTypes.layerGzip, digest: row.blobDigest, size: await deps.blobs.size(row.blobDigest) };
  }
  const source = row?.blobDigest !== undefined && (await deps.blobs.has(row.blobDigest)) ? row.blobDigest : layer.diffId;
  if (!(await deps.blobs.has(source))) throw notFound(`Cannot push layer ${layer.diffId}: its content is missing`);
  const gz = deps.blobs.stream(source).pipe(createGzip({ level: 6 }));
  // Leased until the layer's row names it (a gc may run at any time). The source may go once the row names
  // the gzip: a reader that has it open (a concurrent push or save) keeps reading it.
  const { digest, size } = await deps.blobs.ingest(gz, { lease });
  if (row !== undefined) await deps.images.setLayerBlob(layer.chainId, digest, dockerTypes.layerGzip);
  return { mediaType: dockerTypes.layerGzip, digest, size };
}

/** The manifest the image was pulled with, if every blob it names is here and it matches the image. */
async function originalManifest(deps: PushDeps, image: Image, layers: readonly Descriptor[]): Promise<{ bytes: Buffer; mediaType: string } | undefined> {
  if (image.manifestDigest === undefined || !(await deps.blobs.has(image.manifestDigest))) return undefined;
  const bytes = await deps.blobs.read(image.manifestDigest);
  try {
    const parsed = parseManifest(bytes);
    if (parsed.kind !== 'manifest') return undefined;
    const m = parsed.manifest;
    if (m.config.digest !== image.id || m.layers.length !== layers.length) return undefined;
    if (!m.layers.every((l, i) => l.digest === layers[i]?.digest)) return undefined;
    return { bytes, mediaType: m.mediaType };
  } catch {
    return undefined;
  }
}

export async function pushImage(deps: PushDeps, name: string, options: PushOptions = {}): Promise<PushResult> {
  // What the push writes (compressed layers, the manifest) is leased until a record names it.
  const lease = deps.blobs.lease();
  try {
    return await pushLeased(deps, name, options, lease);
  } finally {
    lease.release();
  }
}

async function pushLeased(deps: PushDeps, name: string, options: PushOptions, lease: BlobLease): Promise<PushResult> {
  const ref: Reference = withDefaultTag(parseReference(name));
  const progress = options.progress ?? (() => undefined);
  // dockerd names the repository before it looks the image up, so even a
  // missing image is reported inside the push's progress stream.
  progress({ kind: 'push-start', repository: repositoryName(ref) });
  let image: Image;
  try {
    image = await deps.images.resolve(formatReference(ref));
  } catch (err) {
    if (isNotFound(err)) throw notFound(`An image does not exist locally with the tag: ${familiarName({ domain: ref.domain, path: ref.path })}`, err);
    throw err;
  }
  const common = { ...(options.credentials ? { credentials: options.credentials } : {}), ...(options.signal ? { signal: options.signal } : {}) };

  // Repositories of the same registry this image is known in: candidates for a cross-repository mount.
  const mountSources = [...image.repoDigests, ...image.repoTags]
    .map((r) => parseReference(r))
    .filter((r) => r.domain === ref.domain && r.path !== ref.path)
    .map((r) => r.path);

  const layers: Descriptor[] = [];
  for (let i = 0; i < image.layers.length; i++) layers.push(await layerBlob(deps, image, i, lease));
  // docker lists layers top first.
  const order = [...layers].reverse();
  for (const l of order) progress({ kind: 'layer', id: digestHex(l.digest).slice(0, 12), step: 'preparing' });

  const pushOne = async (desc: Descriptor, show: boolean) => {
    const id = digestHex(desc.digest).slice(0, 12);
    if (await deps.registry.hasBlob(ref, desc.digest, common)) {
      if (show) progress({ kind: 'layer', id, step: 'layer-already-exists' });
      return;
    }
    for (const from of mountSources) {
      const r = await deps.registry.pushBlob(ref, desc, () => deps.blobs.stream(desc.digest), { ...common, mountFrom: from }).catch(() => undefined);
      if (r === 'mounted') {
        if (show) progress({ kind: 'layer-mounted', id, from });
        return;
      }
      if (r === 'uploaded') {
        if (show) progress({ kind: 'layer', id, step: 'pushed' });
        return;
      }
    }
    let current = 0;
    let last = 0;
    await deps.registry.pushBlob(ref, desc, () => deps.blobs.stream(desc.digest), {
      ...common,
      ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}),
      onBytes: (n) => {
        current += n;
        const now = Date.now();
        if (show && (now - last >= 100 || current === desc.size)) {
          last = now;
          progress({ kind: 'layer-bytes', id, transfer: 'pushing', current, total: desc.size });
        }
      },
    });
    if (show) progress({ kind: 'layer', id, step: 'pushed' });
  };

  for (const l of order) await pushOne(l, true);
  const configBytes = await deps.blobs.read(image.id);
  const original = await originalManifest(deps, image, layers);
  const configType = original ? (parseManifest(original.bytes) as { kind: 'manifest'; manifest: { config: Descriptor } }).manifest.config.mediaType : dockerTypes.config;
  await pushOne({ mediaType: configType, digest: image.id, size: configBytes.length }, false);

  const manifest =
    original ??
    {
      mediaType: dockerTypes.manifest,
      bytes: Buffer.from(
        JSON.stringify(
          {
            schemaVersion: 2,
            mediaType: dockerTypes.manifest,
            config: { mediaType: dockerTypes.config, size: configBytes.length, digest: image.id },
            layers: layers.map((l) => ({ mediaType: l.mediaType, size: l.size, digest: l.digest })),
          },
          null,
          3,
        ),
      ),
    };
  const digest = await deps.registry.putManifest(ref, manifest.bytes, manifest.mediaType, common);
  if (digest !== sha256(manifest.bytes)) deps.log.warn('registry reports another manifest digest', { expected: sha256(manifest.bytes), got: digest });
  // Keep the manifest (the RepoDigest names it, so it lives as long as that) and record the RepoDigest, as docker does.
  await deps.blobs.put(manifest.bytes, { lease });
  await deps.images.tag(image.id, formatReference({ domain: ref.domain, path: ref.path, digest }));
  deps.log.info('image pushed', { ref: formatReference(ref), image: image.id, digest });
  return { tag: ref.tag ?? 'latest', digest, size: manifest.bytes.length };
}

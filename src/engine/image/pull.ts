// engine: pulling an image from a registry. The registry client resolves the
// reference for the platform and streams blobs; each missing layer is
// downloaded (in parallel), verified, decompressed and unpacked into a staging
// snapshot as its bytes arrive (image/layer-staging.ts), and layers already
// present are skipped. Nothing is visible until every staged layer matched its
// digest, size and diff id: the image store then makes them durable with one
// sync, renames them into place and writes the image record last, so a failed
// or interrupted pull never leaves a half image visible. Progress goes out as
// docker's JSON-message events.
import type { Digest } from '../../core/digest.ts';
import { chainIds, digestHex } from '../../core/digest.ts';
import { errorMessage, invalidArgument } from '../../core/errors.ts';
import { familiarName, formatReference, parseReference, withDefaultTag, type Reference } from '../../core/reference.ts';
import { parseImageConfig } from '../../image/index.ts';
import { stageLayer, type Image, type LocalImageStore, type ProgressSink, type StagedLayer } from '../../image/index.ts';
import { crashPoint } from '../../lib/crash-point.ts';
import type { Logger } from '../../lib/logger.ts';
import { span } from '../../lib/trace.ts';
import type { Credentials, Descriptor, Platform, RegistryClient } from '../../registry/index.ts';
import type { BlobStore } from '../../store/index.ts';

export interface PullDeps {
  readonly registry: RegistryClient;
  readonly blobs: BlobStore;
  readonly images: LocalImageStore;
  /** Whether a layer (by chain id) is already unpacked and recorded. */
  readonly hasLayer: (chainId: Digest) => Promise<boolean>;
  readonly log: Logger;
}

export interface PullOptions {
  readonly platform?: Platform;
  readonly credentials?: Credentials;
  readonly progress?: ProgressSink;
  readonly signal?: AbortSignal;
  /** Layers downloaded at once (docker's max-concurrent-downloads, default 3). */
  readonly concurrency?: number;
}

export interface PullResult {
  readonly image: Image;
  /** The reference's digest (index or manifest): what `Digest:` prints. */
  readonly digest: Digest;
  /** false when the image was already present and the tag already pointed at it. */
  readonly downloaded: boolean;
}

/** Runs `fn` over `items` with at most `limit` at a time; the first failure aborts the rest. */
async function parallel<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const i = next++;
      try {
        await fn(items[i] as T, i);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
}

/** The deepest layer chain dockerd accepts (its layer store's maxLayerDepth). */
const maxLayerDepth = 125;

const shortId = (d: Digest) => digestHex(d).slice(0, 12);

export async function pullImage(deps: PullDeps, name: string, options: PullOptions = {}): Promise<PullResult> {
  const ref: Reference = withDefaultTag(parseReference(name));
  const progress = options.progress ?? (() => undefined);
  const signal = options.signal;

  const resolved = await span('pull: resolve', undefined, () => deps.registry.resolve(ref, {
    ...(options.platform ? { platform: options.platform } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(signal ? { signal } : {}),
  }));
  const manifest = resolved.manifest;
  // docker's first line, once the manifest is known (so that a missing image is a plain API error):
  // `latest: Pulling from library/busybox` (id = the tag or digest; the path without the registry).
  progress({ kind: 'pull-start', tag: ref.tag ?? ref.digest ?? 'latest', repository: ref.path });
  const common = { ...(options.credentials ? { credentials: options.credentials } : {}), ...(signal ? { signal } : {}) };

  const tagRef = ref.tag !== undefined ? formatReference({ domain: ref.domain, path: ref.path, tag: ref.tag }) : undefined;
  const digestRef = formatReference({ domain: ref.domain, path: ref.path, digest: resolved.digest });
  const display = familiarName(ref);

  // Quick path: the config (the image id) is known, all its layers present, and the tag already points at it.
  const imageId = manifest.config.digest;
  const existing = await deps.images.get(imageId).catch(() => undefined);
  if (existing !== undefined && (tagRef === undefined || existing.repoTags.includes(tagRef)) && existing.repoDigests.includes(digestRef)) {
    progress({ kind: 'digest', digest: resolved.digest });
    progress({ kind: 'pull-done', name: display, upToDate: true });
    return { image: existing, digest: resolved.digest, downloaded: false };
  }

  // Until the image record names them, the blobs of this pull are only protected by a lease (gc() runs after container removals).
  const release = deps.images.lease([imageId, resolved.manifestDigest, ...manifest.layers.map((l) => l.digest)]);
  try {
    return await fetchAndCommit();
  } finally {
    release();
  }

  async function fetchAndCommit(): Promise<PullResult> {
    const configBytes = (await deps.blobs.has(imageId)) ? await deps.blobs.read(imageId) : await deps.registry.fetchBlobBytes(ref, manifest.config, common);
    const config = parseImageConfig(configBytes);
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== manifest.layers.length) throw invalidArgument(`invalid image ${display}: the manifest has ${manifest.layers.length} layers, the config ${diffIds.length}`);
    // dockerd's layer store stops at 125 layers (it fails at the 126th, after downloading them); refused before any download.
    if (manifest.layers.length > maxLayerDepth) throw invalidArgument('failed to register layer: max depth exceeded');
    const chain = chainIds(diffIds);

    // Which layers need downloading.
    const needed: boolean[] = [];
    for (let i = 0; i < manifest.layers.length; i++) {
      const layer = manifest.layers[i] as Descriptor;
      const present = (await deps.hasLayer(chain[i] as Digest)) || (await deps.blobs.has(layer.digest));
      needed.push(!present);
      if (!present) progress({ kind: 'layer', id: shortId(layer.digest), step: 'pulling-fs-layer' });
      else progress({ kind: 'layer', id: shortId(layer.digest), step: 'already-exists' });
    }
    const started = Date.now();
    const limit = options.concurrency ?? 3;
    const toFetch = manifest.layers.filter((_, i) => needed[i]);
    toFetch.slice(limit).forEach((l) => progress({ kind: 'layer', id: shortId(l.digest), step: 'waiting' }));

    // Each layer is verified, decompressed and unpacked into staging while it downloads;
    // the first failure stops the others, and everything staged goes again.
    const staged: StagedLayer[] = [];
    const stop = new AbortController();
    const onAbort = () => stop.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort);
    const places = deps.images.stagingPlaces();
    try {
      await parallel(toFetch, limit, async (layer) => {
        const i = manifest.layers.indexOf(layer);
        const id = shortId(layer.digest);
        let current = 0;
        let last = 0;
        const stream = deps.registry.fetchBlob(ref, layer, {
          ...common,
          signal: stop.signal,
          onBytes: (n) => {
            current += n;
            const now = Date.now();
            if (now - last >= 100 || current === layer.size) {
              last = now;
              progress({ kind: 'layer-bytes', id, transfer: 'downloading', current, total: layer.size });
            }
          },
        });
        try {
          staged.push(await stageLayer(places, { data: stream, digest: layer.digest, size: layer.size, mediaType: layer.mediaType, diffId: diffIds[i] as Digest, chainId: chain[i] as Digest, signal: stop.signal }));
        } catch (err) {
          stream.destroy();
          stop.abort(err);
          throw invalidArgument(`failed to pull layer ${layer.digest} of ${display}: ${errorMessage(err)}`, err);
        }
        progress({ kind: 'layer', id, step: 'verifying-checksum' });
        progress({ kind: 'layer', id, step: 'download-complete' });
      });
      signal?.throwIfAborted();

      const downloaded = Date.now();
      crashPoint('pull.layers-staged');
      // The manifest is kept so that push and save can reuse it; then the staged layers are committed and the record is written last.
      await deps.blobs.put(resolved.manifestBytes, { digest: resolved.manifestDigest });
      const image = await span('pull: commit (sync, install, record)', undefined, () =>
        deps.images.createFromStaged(
          config,
          manifest.layers.map((l) => ({ blob: l.digest, mediaType: l.mediaType })),
          staged,
          { ...(tagRef !== undefined ? { ref: tagRef } : {}), configBytes, refs: [digestRef], manifestDigest: resolved.manifestDigest },
        ),
      );
      staged.length = 0;
      for (const l of toFetch) progress({ kind: 'layer', id: shortId(l.digest), step: 'pull-complete' });
      progress({ kind: 'digest', digest: resolved.digest });
      // docker: "up to date" when the name already pointed at this image, "newer" when the name moved.
      const upToDate = existing !== undefined && (tagRef !== undefined ? existing.repoTags.includes(tagRef) : existing.repoDigests.includes(digestRef));
      progress({ kind: 'pull-done', name: display, upToDate });
      deps.log.info('image pulled', { ref: formatReference(ref), image: image.id, digest: resolved.digest, downloadMs: downloaded - started, commitMs: Date.now() - downloaded });
      return { image, digest: resolved.digest, downloaded: !upToDate };
    } finally {
      signal?.removeEventListener('abort', onAbort);
      for (const s of staged) await s.discard();
    }
  }
}

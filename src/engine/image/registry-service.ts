// engine: the registry service — pull, push and login — over the registry
// client, the blob store and the image store. One pull per reference runs at a
// time (a second caller waits for it and then finds the image present).
import type { Digest } from '../../core/digest.ts';
import { invalidArgument } from '../../core/errors.ts';
import { familiarName, formatReference, parseReference, withDefaultTag } from '../../core/reference.ts';
import type { Image, LocalImageStore, ProgressSink } from '../../image/index.ts';
import type { Logger } from '../../lib/logger.ts';
import { parsePlatform, type Credentials, type DistributionInfo, type RegistryClient } from '../../registry/index.ts';
import type { BlobStore, MetadataStore, Snapshotter } from '../../store/index.ts';
import { pullImage } from './pull.ts';
import { pushImage } from './push.ts';
import type { RegistryService } from '../types.ts';

export interface RegistryServiceDeps {
  readonly registry: RegistryClient;
  readonly blobs: BlobStore;
  readonly meta: MetadataStore;
  readonly snapshotter: Snapshotter;
  readonly images: LocalImageStore;
  readonly log: Logger;
}

export class LocalRegistryService implements RegistryService {
  readonly #d: RegistryServiceDeps;
  readonly #pulls = new Map<string, Promise<unknown>>();

  constructor(deps: RegistryServiceDeps) {
    this.#d = deps;
  }

  async #hasLayer(chainId: Digest): Promise<boolean> {
    return this.#d.meta.getLayer(chainId) !== undefined && (await this.#d.snapshotter.hasLayer(chainId));
  }

  async pull(ref: string, options: { platform?: string; credentials?: Credentials; progress?: ProgressSink; signal?: AbortSignal } = {}): Promise<{ image: Image; digest: string }> {
    const key = formatReference(withDefaultTag(parseReference(ref)));
    // Same reference pulled twice at once: the second waits, then runs (and finds everything present).
    const before = this.#pulls.get(key) ?? Promise.resolve();
    const run = before.catch(() => undefined).then(() =>
      pullImage(
        { registry: this.#d.registry, blobs: this.#d.blobs, images: this.#d.images, hasLayer: (c) => this.#hasLayer(c), log: this.#d.log },
        ref,
        {
          ...(options.platform ? { platform: parsePlatform(options.platform) } : {}),
          ...(options.credentials ? { credentials: options.credentials } : {}),
          ...(options.progress ? { progress: options.progress } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        },
      ),
    );
    this.#pulls.set(key, run);
    try {
      const r = await run;
      return { image: r.image, digest: r.digest };
    } finally {
      if (this.#pulls.get(key) === run) this.#pulls.delete(key);
    }
  }

  async pullAllTags(repository: string, options: { platform?: string; credentials?: Credentials; progress?: ProgressSink; signal?: AbortSignal } = {}): Promise<void> {
    const ref = parseReference(repository);
    if (ref.tag !== undefined || ref.digest !== undefined) throw invalidArgument('tag can\'t be used with --all-tags/-a');
    const tags = await this.#d.registry.listTags(ref, { ...(options.credentials ? { credentials: options.credentials } : {}), ...(options.signal ? { signal: options.signal } : {}) });
    let newer = false;
    // docker prints one summary line for the repository instead of one per tag.
    const progress = options.progress ?? (() => undefined);
    const perTag: ProgressSink = (e) => {
      if (e.kind === 'pull-done') {
        if (!e.upToDate) newer = true;
        return;
      }
      progress(e);
    };
    for (const tag of tags) await this.pull(formatReference({ ...ref, tag }), { ...options, progress: perTag });
    const name = familiarName({ domain: ref.domain, path: ref.path });
    progress({ kind: 'pull-done', name, upToDate: !newer });
  }

  inspectDistribution(ref: string, options: { credentials?: Credentials; signal?: AbortSignal } = {}): Promise<DistributionInfo> {
    return this.#d.registry.inspectDistribution(withDefaultTag(parseReference(ref)), options);
  }

  push(ref: string, options: { credentials?: Credentials; progress?: ProgressSink; signal?: AbortSignal } = {}): Promise<{ tag: string; digest: string; size: number }> {
    return pushImage({ registry: this.#d.registry, blobs: this.#d.blobs, meta: this.#d.meta, images: this.#d.images, log: this.#d.log }, ref, options);
  }

  login(serverAddress: string, credentials: Credentials, options: { signal?: AbortSignal } = {}): Promise<{ identityToken?: string }> {
    return this.#d.registry.login(serverAddress, credentials, options);
  }
}

// The image half of the engine: list/inspect/tag/remove with docker's untag and
// delete rules and conflict texts, history, import (with --change), load, save.
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { conflict, invalidArgument } from '../../core/errors.ts';
import { isIdPrefix, shortId } from '../../core/ids.ts';
import { familiarName, normalizeTagged, parseReference, referencePatternMatch } from '../../core/reference.ts';
import type { Container } from '../../core/types.ts';
import type { HistoryEntry, Image, LayerInUse, LoadResult, LocalImageStore, ProgressSink } from '../../image/index.ts';
import type { Logger } from '../../lib/logger.ts';
import { labelMatches } from '../container/filters.ts';
import { applyChanges } from './image-changes.ts';
import type { Filters, ImageDeleteResult, ImageService } from '../types.ts';
import type { Digest } from '../../core/digest.ts';

export interface ImageServiceDeps {
  readonly store: LocalImageStore;
  /** Containers created from an image (any state). */
  readonly usersOf: (imageId: string) => Container[];
  /** Layers that containers' root filesystems sit on. */
  readonly layerInUse: LayerInUse;
  /**
   * Resolves once the removals of containers under way have deleted their root
   * filesystems (until then their layers are in use, and an rmi would keep them).
   */
  readonly removalsSettled?: () => Promise<void>;
  readonly log: Logger;
  /** Parent links of built images (build/image-parents.ts): hides intermediate images, prunes them on rmi. */
  readonly parents?: {
    parents(existing?: ReadonlySet<string>): Set<string>;
    parentOf(id: Digest): Digest | undefined;
    childrenOf(id: Digest, existing?: ReadonlySet<string>): Digest[];
    forget(id: Digest): void;
  };
  /** The directory holding one layer's own files (the snapshotter's). */
  readonly layerDir?: (chainId: Digest) => string;
}

const knownFilters = new Set(['dangling', 'label', 'reference', 'before', 'since', 'until']);

export class LocalImageService implements ImageService {
  readonly #d: ImageServiceDeps;

  constructor(deps: ImageServiceDeps) {
    this.#d = deps;
  }

  graphDriverOf(image: Image): Record<string, string> {
    const layerDir = this.#d.layerDir;
    const [top, ...lower] = [...image.chain].reverse();
    if (!layerDir || top === undefined) return {};
    // The top layer is the upper dir; merged and work beside it are where an overlay of the image would go, as dockerd names them.
    const root = dirname(layerDir(top));
    return {
      ...(lower.length > 0 ? { LowerDir: lower.map(layerDir).join(':') } : {}),
      MergedDir: join(root, 'merged'),
      UpperDir: layerDir(top),
      WorkDir: join(root, 'work'),
    };
  }

  parentOf(id: string): string {
    return this.#d.parents?.parentOf(id as Digest) ?? '';
  }

  async list(options: { all?: boolean; filters?: Filters } = {}): Promise<Image[]> {
    const filters = options.filters ?? {};
    for (const key of Object.keys(filters)) if (!knownFilters.has(key)) throw invalidArgument(`Invalid filter '${key}'`);
    const images = await this.#d.store.list();
    const createdOf = async (ref: string) => (await this.#d.store.resolve(ref)).created;
    const before = filters['before']?.[0] !== undefined ? await createdOf(filters['before'][0]) : undefined;
    const since = filters['since']?.[0] !== undefined ? await createdOf(filters['since'][0]) : undefined;
    const dangling = filters['dangling']?.[0];
    if (dangling !== undefined && !['true', 'false', '1', '0'].includes(dangling)) throw invalidArgument(`Invalid filter 'dangling=${dangling}'`);
    // docker hides intermediate images (untagged parents of other images) unless -a.
    const intermediate = options.all || !this.#d.parents ? new Set<string>() : this.#d.parents.parents(new Set(images.map((i) => i.id)));
    return images
      .filter((img) => {
        if (img.repoTags.length === 0 && img.repoDigests.length === 0 && intermediate.has(img.id)) return false;
        if (dangling !== undefined && (img.repoTags.length === 0) !== (dangling === 'true' || dangling === '1')) return false;
        const labels = img.config.config?.Labels ?? {};
        if (!(filters['label'] ?? []).every((l) => labelMatches(labels, l))) return false;
        const refs = filters['reference'] ?? [];
        if (refs.length > 0) {
          const names = img.repoTags.flatMap((t) => {
            const f = familiarName(parseReference(t));
            return [f, f.slice(0, f.lastIndexOf(':'))];
          });
          if (!refs.some((r) => names.some((n) => referencePatternMatch(r, n)))) return false;
        }
        if (before !== undefined && !(img.created < before)) return false;
        if (since !== undefined && !(img.created > since)) return false;
        return true;
      })
      .sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
  }

  inspect(nameOrId: string): Promise<Image> {
    return this.#d.store.resolve(nameOrId);
  }

  async tag(source: string, repo: string, tag?: string): Promise<void> {
    const image = await this.#d.store.resolve(source);
    const ref = parseReference(tag ? `${repo}:${tag}` : repo);
    if (ref.digest !== undefined) throw invalidArgument('refusing to create a tag with a digest reference');
    await this.#d.store.tag(image.id, normalizeTagged(tag ? `${repo}:${tag}` : repo));
  }

  /** Whether the user named the image by (a prefix of) its id rather than by a reference. */
  #isIdReference(image: Image, nameOrId: string): boolean {
    const s = nameOrId.replace(/^sha256:/, '');
    return isIdPrefix(s) && image.id.slice('sha256:'.length).startsWith(s);
  }

  async remove(nameOrId: string, options: { force?: boolean; noprune?: boolean } = {}): Promise<ImageDeleteResult[]> {
    const store = this.#d.store;
    // A container removed just before (docker run --rm) frees its layers as dockerd's would have.
    await this.#d.removalsSettled?.();
    const image = await store.resolve(nameOrId);
    const force = options.force ?? false;
    const records: ImageDeleteResult[] = [];
    const users = this.#d.usersOf(image.id);
    const running = users.find((c) => c.state.status === 'running' || c.state.status === 'paused');
    const stopped = users.find((c) => c.state.status !== 'running' && c.state.status !== 'paused');
    const refs = () => [...image.repoTags, ...image.repoDigests].filter((r) => current.has(r));
    const current = new Set([...image.repoTags, ...image.repoDigests]);
    const untag = async (ref: string) => {
      await store.untag(ref);
      current.delete(ref);
      records.push({ untagged: familiarName(parseReference(ref)) });
    };

    let byReference = false;
    if (!this.#isIdReference(image, nameOrId)) {
      const ref = normalizeTagged(nameOrId);
      if (refs().length === 1 && !force && users.length > 0) {
        const user = users[0]!;
        throw conflict(`conflict: unable to remove repository reference "${nameOrId}" (must force) - container ${shortId(user.id)} is using its referenced image ${shortId(image.id)}`);
      }
      await untag(ref);
      // A removed tag whose repository is left only with digest references takes those along.
      const repo = ref.replace(/:[^:/@]+$/, '');
      if (!refs().some((r) => r.startsWith(`${repo}:`))) {
        for (const r of refs().filter((x) => x.startsWith(`${repo}@`))) await untag(r);
      }
      if (refs().length > 0) return records;
      byReference = true;
    } else {
      const tags = refs().filter((r) => !r.includes('@'));
      const digestRepos = new Set(refs().filter((r) => r.includes('@')).map((r) => r.slice(0, r.indexOf('@'))));
      const single = tags.length <= 1 && (tags.length === 0 ? digestRepos.size <= 1 : [...digestRepos].every((r) => tags[0]!.startsWith(`${r}:`)));
      if (refs().length > 0 && single) {
        if (running) throw conflict(`conflict: unable to delete ${shortId(image.id)} (cannot be forced) - image is being used by running container ${shortId(running.id)}`);
        if (stopped && !force) throw conflict(`conflict: unable to delete ${shortId(image.id)} (must be forced) - image is being used by stopped container ${shortId(stopped.id)}`);
        for (const r of refs()) await untag(r);
      }
    }

    // imageDeleteHelper: after an untag by name, conflicts are quiet (the image just stays).
    const hard = running ? `image is being used by running container ${shortId(running.id)}` : undefined;
    if (hard) {
      if (byReference) return records;
      throw conflict(`conflict: unable to delete ${shortId(image.id)} (cannot be forced) - ${hard}`);
    }
    if (!force) {
      const soft = refs().length > 0 ? 'image is referenced in multiple repositories' : stopped ? `image is being used by stopped container ${shortId(stopped.id)}` : undefined;
      if (soft) {
        if (byReference) return records;
        throw conflict(`conflict: unable to delete ${shortId(image.id)} (must be forced) - ${soft}`);
      }
    }
    for (const r of refs()) await untag(r);
    const removedLayers = await store.delete(image.id, { layerInUse: this.#d.layerInUse });
    records.push({ deleted: image.id });
    for (const layer of removedLayers) records.push({ deleted: layer });
    this.#d.log.info('image deleted', { image: image.id });
    if (!options.noprune) records.push(...(await this.#pruneParents(image.id)));
    return records;
  }

  /** docker rmi's pruning: untagged, unused parents left without children go too. */
  async #pruneParents(id: Digest): Promise<ImageDeleteResult[]> {
    const parents = this.#d.parents;
    if (!parents) return [];
    const records: ImageDeleteResult[] = [];
    let parent = parents.parentOf(id);
    parents.forget(id);
    while (parent !== undefined) {
      const image = await this.#d.store.get(parent).catch(() => undefined);
      if (!image || image.repoTags.length > 0 || image.repoDigests.length > 0 || this.#d.usersOf(image.id).length > 0) break;
      const existing = new Set((await this.#d.store.list()).map((i) => i.id as string));
      if (parents.childrenOf(image.id, existing).length > 0) break;
      const removed = await this.#d.store.delete(image.id, { layerInUse: this.#d.layerInUse });
      records.push({ deleted: image.id });
      for (const layer of removed) records.push({ deleted: layer });
      const next = parents.parentOf(image.id);
      parents.forget(image.id);
      parent = next;
    }
    return records;
  }

  /**
   * As dockerd: the newest entries belong to the image and then to each parent
   * berth built it on, in turn — each with that image's id and tags — until the
   * chain of parents ends; older entries stay `<missing>`.
   */
  async history(nameOrId: string): Promise<HistoryEntry[]> {
    const image = await this.#d.store.resolve(nameOrId);
    const entries = await this.#d.store.history(image.id);
    const out: HistoryEntry[] = [];
    let current: Image | undefined = image;
    for (const e of entries) {
      if (!current) {
        out.push(e);
        continue;
      }
      out.push({ ...e, id: current.id, tags: [...current.repoTags] });
      const parent: Digest | undefined = this.#d.parents?.parentOf(current.id as Digest);
      current = parent ? await this.#d.store.resolve(parent).catch(() => undefined) : undefined;
    }
    return out;
  }

  async import(tar: Readable, options: { repo?: string; tag?: string; changes?: readonly string[]; message?: string; platform?: string } = {}): Promise<Image> {
    const config = applyChanges({}, options.changes ?? []);
    let ref: string | undefined;
    if (options.repo) {
      const r = parseReference(options.tag ? `${options.repo}:${options.tag}` : options.repo);
      if (r.digest !== undefined) throw invalidArgument('cannot import digest reference');
      ref = normalizeTagged(options.tag ? `${options.repo}:${options.tag}` : options.repo);
    }
    const [os, architecture] = (options.platform ?? '').split('/');
    return this.#d.store.importRootfs(tar, {
      config,
      ...(ref !== undefined ? { ref } : {}),
      ...(options.message ? { message: options.message } : {}),
      ...(os ? { os } : {}),
      ...(architecture ? { architecture } : {}),
    });
  }

  load(archive: Readable, options: { progress?: ProgressSink; signal?: AbortSignal } = {}): Promise<LoadResult> {
    return this.#d.store.load(archive, options);
  }

  save(names: readonly string[], out: Writable, options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.#d.store.save(names, out, options);
  }
}

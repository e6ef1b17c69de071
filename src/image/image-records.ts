// The image records: images and their tags in the metadata database, their
// configs (immutable, cached), lookup as docker resolves names and ids,
// history, and the one transaction that writes a new image with its tags.
import { chainIds, digestHex, isDigest, type Digest } from '../core/digest.ts';
import { failedPrecondition, notFound } from '../core/errors.ts';
import { isIdPrefix } from '../core/ids.ts';
import { familiarName, formatReference, parseReference, repositoryName, withDefaultTag, type Reference } from '../core/reference.ts';
import type { ImageRow } from '../store/index.ts';
import { parseImageConfig } from './image-config.ts';
import type { StoreParts } from './store-parts.ts';
import type { HistoryEntry, Image, OciImageConfig } from './types.ts';

/** A reference, or undefined when `s` does not parse as one. */
export function tryParse(s: string): Reference | undefined {
  try {
    return parseReference(s);
  } catch {
    return undefined;
  }
}

export class ImageRecords {
  readonly #p: StoreParts;
  /** Parsed configs by image id; configs are immutable. */
  readonly #configs = new Map<Digest, OciImageConfig>();

  constructor(parts: StoreParts) {
    this.#p = parts;
  }

  /** An image's config, parsed once (configs are immutable). */
  async config(id: Digest): Promise<OciImageConfig> {
    let c = this.#configs.get(id);
    if (c === undefined) {
      c = parseImageConfig(await this.#p.blobs.read(id));
      this.#configs.set(id, c);
    }
    return c;
  }

  async #toImage(row: ImageRow, tags: readonly string[]): Promise<Image> {
    const config = await this.config(row.id);
    const diffIds = config.rootfs.diff_ids;
    const chain = chainIds(diffIds);
    const layers = diffIds.map((diffId, i) => {
      const chainId = chain[i] as Digest;
      return { diffId, chainId, size: this.#p.meta.getLayer(chainId)?.size ?? 0 };
    });
    return {
      id: row.id,
      repoTags: tags.filter((t) => !t.includes('@')),
      repoDigests: tags.filter((t) => t.includes('@')),
      created: row.created,
      size: layers.reduce((n, l) => n + l.size, 0),
      config,
      layers,
      chain,
      ...(row.manifestDigest !== undefined ? { manifestDigest: row.manifestDigest } : {}),
    };
  }

  async list(): Promise<Image[]> {
    const tags = new Map<Digest, string[]>();
    for (const t of this.#p.meta.listTags()) {
      const list = tags.get(t.imageId) ?? [];
      list.push(t.ref);
      tags.set(t.imageId, list);
    }
    const out: Image[] = [];
    for (const row of this.#p.meta.listImages()) out.push(await this.#toImage(row, tags.get(row.id) ?? []));
    return out;
  }

  /** The config of an image that exists (NotFound otherwise). */
  async imageConfig(id: Digest): Promise<OciImageConfig> {
    if (this.#p.meta.getImage(id) === undefined) throw notFound(`No such image: ${id}`);
    return this.config(id);
  }

  async get(id: Digest): Promise<Image> {
    const row = this.#p.meta.getImage(id);
    if (row === undefined) throw notFound(`No such image: ${id}`);
    return this.#toImage(row, this.#p.meta.tagsOf(id));
  }

  async resolve(nameOrId: string): Promise<Image> {
    const id = this.#resolveId(nameOrId);
    if (id !== undefined) return this.get(id);
    const ref = tryParse(nameOrId);
    throw notFound(`No such image: ${ref ? familiarName(withDefaultTag(ref)) : nameOrId}`);
  }

  /** Docker's order: `sha256:<hex>` id, full hex id, a reference, then an unambiguous id prefix. */
  #resolveId(nameOrId: string): Digest | undefined {
    if (isDigest(nameOrId)) return this.#p.meta.getImage(nameOrId) ? nameOrId : undefined;
    if (/^[0-9a-f]{64}$/.test(nameOrId)) {
      const d: Digest = `sha256:${nameOrId}`;
      return this.#p.meta.getImage(d) ? d : undefined;
    }
    const ref = tryParse(nameOrId);
    if (ref !== undefined) {
      const tagged = this.#p.meta.resolveTag(formatReference(withDefaultTag(ref)));
      if (tagged !== undefined && this.#p.meta.getImage(tagged)) return tagged;
      // `repo@<image id>` is not a stored digest reference but names the image all the same.
      if (ref.digest !== undefined && ref.tag === undefined && this.#p.meta.getImage(ref.digest)) {
        const repo = repositoryName(ref);
        if (this.#p.meta.tagsOf(ref.digest).some((t) => t.startsWith(`${repo}:`) || t.startsWith(`${repo}@`))) return ref.digest;
      }
    }
    const prefix = nameOrId.startsWith('sha256:') ? nameOrId.slice('sha256:'.length) : nameOrId;
    if (isIdPrefix(prefix)) {
      const matches = this.#p.meta.listImages().filter((r) => digestHex(r.id).startsWith(prefix));
      if (matches.length === 1) return (matches[0] as ImageRow).id;
    }
    return undefined;
  }

  async history(id: Digest): Promise<HistoryEntry[]> {
    const image = await this.get(id);
    const entries: HistoryEntry[] = [];
    let layer = 0;
    for (const h of image.config.history ?? []) {
      let size = 0;
      if (h.empty_layer !== true) {
        const l = image.layers[layer++];
        if (l === undefined) throw failedPrecondition(`image ${id} has more non-empty history entries than layers`);
        size = l.size;
      }
      entries.push({ id: '<missing>', created: h.created ?? '', createdBy: h.created_by ?? '', size, comment: h.comment ?? '', tags: [] });
    }
    entries.reverse();
    const top = entries[0];
    if (top !== undefined) entries[0] = { ...top, id: image.id, tags: image.repoTags };
    return entries;
  }

  async tag(id: Digest, ref: string): Promise<void> {
    if (this.#p.meta.getImage(id) === undefined) throw notFound(`No such image: ${id}`);
    const r = parseReference(ref);
    this.#p.meta.setTag(formatReference(r.digest !== undefined ? r : withDefaultTag(r)), id);
  }

  async untag(ref: string): Promise<boolean> {
    const r = parseReference(ref);
    const key = formatReference(r.digest !== undefined ? r : withDefaultTag(r));
    return this.#p.meta.transaction(() => {
      if (this.#p.meta.resolveTag(key) === undefined) return false;
      this.#p.meta.removeTag(key);
      return true;
    });
  }

  /** Stores the config and writes the image record and tags in one transaction; returns the ids whose tags moved away. */
  async commit(configBytes: Buffer, tags: readonly string[], manifestDigest?: Digest): Promise<{ id: Digest; moved: { ref: string; from: Digest }[] }> {
    const config = parseImageConfig(configBytes);
    const { digest: id } = await this.#p.blobs.put(configBytes);
    const chain = chainIds(config.rootfs.diff_ids);
    const size = chain.reduce((n, c) => n + (this.#p.meta.getLayer(c)?.size ?? 0), 0);
    const moved: { ref: string; from: Digest }[] = [];
    this.#p.meta.transaction(() => {
      const existing = this.#p.meta.getImage(id);
      this.#p.meta.putImage({
        id,
        size,
        created: config.created ?? existing?.created ?? new Date().toISOString(),
        addedAt: existing?.addedAt ?? new Date().toISOString(),
        ...((manifestDigest ?? existing?.manifestDigest) !== undefined ? { manifestDigest: (manifestDigest ?? existing?.manifestDigest) as Digest } : {}),
      });
      for (const ref of tags) {
        const from = this.#p.meta.resolveTag(ref);
        if (from !== undefined && from !== id) moved.push({ ref, from });
        this.#p.meta.setTag(ref, id);
      }
    });
    this.#configs.set(id, config);
    return { id, moved };
  }

  /** Drops a deleted image's cached config. */
  forget(id: Digest): void {
    this.#configs.delete(id);
  }

  /** The layers (chain ids) and blobs the image records use, but for image `exceptId`. */
  async usedByImages(exceptId?: Digest): Promise<{ chains: Set<Digest>; blobs: Set<Digest> }> {
    const chains = new Set<Digest>();
    const blobs = new Set<Digest>();
    for (const row of this.#p.meta.listImages()) {
      if (row.id === exceptId) continue;
      blobs.add(row.id);
      if (row.manifestDigest !== undefined) blobs.add(row.manifestDigest);
      try {
        for (const c of chainIds((await this.config(row.id)).rootfs.diff_ids)) chains.add(c);
      } catch (err) {
        this.#p.log.warn('image config unreadable while counting layer users', { image: row.id, error: err });
      }
    }
    return { chains, blobs };
  }
}

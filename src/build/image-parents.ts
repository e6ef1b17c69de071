// Parent links between the images a build commits (each step's image is the
// parent of the next), as Docker keeps them: `docker images` hides untagged
// images that are parents (intermediate images) unless `-a`, and `docker rmi`
// removes a deleted image's untagged parents along with it. Kept as one JSON
// map in the metadata database's settings (child id → parent id); reads and
// writes are synchronous, so concurrent builds in one process never interleave.
import { isDigest, type Digest } from '../core/digest.ts';
import type { MetadataStore } from '../store/index.ts';

const key = 'build-image-parents';

export class ImageParents {
  readonly #meta: MetadataStore;

  constructor(meta: MetadataStore) {
    this.#meta = meta;
  }

  #read(): Record<string, string> {
    const raw = this.#meta.getSetting(key);
    if (raw === undefined) return {};
    try {
      const v: unknown = JSON.parse(raw);
      return v !== null && typeof v === 'object' ? (v as Record<string, string>) : {};
    } catch {
      return {};
    }
  }

  set(child: Digest, parent: Digest): void {
    if (child === parent) return;
    const m = this.#read();
    if (m[child] === parent) return;
    m[child] = parent;
    this.#meta.setSetting(key, JSON.stringify(m));
  }

  parentOf(id: Digest): Digest | undefined {
    const p = this.#read()[id];
    return p !== undefined && isDigest(p) ? p : undefined;
  }

  /** Ids that are some image's parent (among `existing`, when given). */
  parents(existing?: ReadonlySet<string>): Set<string> {
    const out = new Set<string>();
    for (const [child, parent] of Object.entries(this.#read())) if (existing === undefined || existing.has(child)) out.add(parent);
    return out;
  }

  childrenOf(id: Digest, existing?: ReadonlySet<string>): Digest[] {
    return Object.entries(this.#read())
      .filter(([child, parent]) => parent === id && (existing === undefined || existing.has(child)))
      .map(([child]) => child as Digest);
  }

  /** Forgets a deleted image (as a child; links to it as a parent stay harmless until their children go). */
  forget(id: Digest): void {
    const m = this.#read();
    if (!(id in m)) return;
    delete m[id];
    this.#meta.setSetting(key, JSON.stringify(m));
  }
}

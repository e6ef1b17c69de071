// The build cache: a step's key (parent image + instruction as the classic
// builder records it + the ARG/ENV values and copied-file hashes it depends on)
// maps to the intermediate image that step produced. Entries live in the
// metadata database's settings table (`build-cache:<key>`), so they survive
// restarts; a hit whose image was deleted is a miss.
import { isDigest, sha256, type Digest } from '../core/digest.ts';
import type { MetadataStore } from '../store/index.ts';

const prefix = 'build-cache:';

export class BuildCache {
  readonly #meta: MetadataStore;

  constructor(meta: MetadataStore) {
    this.#meta = meta;
  }

  /** A stable key for the parts (order matters). */
  key(parts: readonly string[]): string {
    return sha256(JSON.stringify(parts)).slice('sha256:'.length);
  }

  get(key: string): Digest | undefined {
    const v = this.#meta.getSetting(prefix + key);
    return v !== undefined && isDigest(v) ? v : undefined;
  }

  put(key: string, image: Digest): void {
    this.#meta.setSetting(prefix + key, image);
  }
}

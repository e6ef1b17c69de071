// The --cache-from images of one build: their configs (resolved once; a
// missing one is skipped, as docker does) and the ids of them and their
// parents, which a local cache hit must be among when --cache-from is given.
import type { Digest } from '../core/digest.ts';
import { isNotFound } from '../core/errors.ts';
import type { OciImageConfig } from '../image/index.ts';
import type { BuildDeps } from './build-request.ts';
import type { ImageParents } from './image-parents.ts';

export class CacheFromSources {
  readonly #d: Pick<BuildDeps, 'images' | 'log'>;
  readonly #refs: readonly string[];
  readonly #parents: ImageParents;
  #configs: OciImageConfig[] | undefined;
  readonly #ids: string[] = [];
  #chain: Set<string> | undefined;

  constructor(deps: Pick<BuildDeps, 'images' | 'log'>, refs: readonly string[], parents: ImageParents) {
    this.#d = deps;
    this.#refs = refs;
    this.#parents = parents;
  }

  /** Whether --cache-from was given at all. */
  get given(): boolean {
    return this.#refs.length > 0;
  }

  /** The ids of the --cache-from images and of their parents. */
  async ancestry(): Promise<Set<string>> {
    if (this.#chain) return this.#chain;
    await this.configs();
    const out = new Set<string>();
    for (const start of this.#ids) {
      let id: string | undefined = start;
      while (id !== undefined && !out.has(id)) {
        out.add(id);
        id = this.#parents.parentOf(id as Digest);
      }
    }
    this.#chain = out;
    return out;
  }

  /** The --cache-from images' configs. */
  async configs(): Promise<OciImageConfig[]> {
    if (this.#configs) return this.#configs;
    const out: OciImageConfig[] = [];
    for (const ref of this.#refs) {
      try {
        const image = await this.#d.images.resolve(ref);
        this.#ids.push(image.id);
        out.push(image.config);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.#d.log.info('cache-from image not found', { image: ref });
      }
    }
    this.#configs = out;
    return out;
  }
}

// Reading containers: docker ps (filters, limit, sizes) and inspect.
import { isNotFound } from '../../core/errors.ts';
import type { Container } from '../../core/types.ts';
import { containerMatches, validateContainerFilters } from './filters.ts';
import type { Filters } from '../types.ts';
import type { ContainerContext } from './context.ts';
import { initLayerSize } from './init-layer.ts';

export class ContainerQuery {
  readonly #ctx: ContainerContext;

  constructor(ctx: ContainerContext) {
    this.#ctx = ctx;
  }

  /** Newest first. Filters: name, id, status, label, ancestor, exited, before, since, health… */
  async list(options: { all?: boolean; limit?: number; size?: boolean; filters?: Filters } = {}): Promise<Container[]> {
    const { reg, d } = this.#ctx;
    const filters = options.filters ?? {};
    validateContainerFilters(filters);
    const limit = options.limit ?? -1;
    const all = options.all || limit > 0 || (filters['status'] ?? []).length > 0;
    const ancestorIds = new Set<string>();
    for (const a of filters['ancestor'] ?? []) {
      try {
        ancestorIds.add((await d.images.resolve(a)).id);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    const edge = (key: string) => {
      const v = filters[key]?.[0];
      return v === undefined ? undefined : reg.find(v).created;
    };
    const before = edge('before');
    const since = edge('since');
    const ctx = { ancestorIds, ...(before !== undefined ? { before } : {}), ...(since !== undefined ? { since } : {}) };
    let out = reg
      .all()
      .filter((c) => all || c.state.status === 'running' || c.state.status === 'paused' || c.state.status === 'restarting')
      .filter((c) => containerMatches(c, filters, ctx))
      .sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
    if (limit > 0) out = out.slice(0, limit);
    if (options.size) out = await Promise.all(out.map((c) => this.#withSize(c)));
    return out;
  }

  async inspect(idOrName: string, options: { size?: boolean } = {}): Promise<Container> {
    const found = this.#ctx.reg.find(idOrName);
    const rootfs = this.#ctx.d.snapshotter.rootfsPaths(found.id, found.lowerChain ?? []);
    const c = { ...found, graphDriver: { lowerDir: rootfs.lower.join(':'), upperDir: rootfs.upper, workDir: rootfs.work, mergedDir: rootfs.merged } };
    return options.size ? this.#withSize(c) : c;
  }

  async #withSize(c: Container): Promise<Container> {
    const { snapshotter, images } = this.#ctx.d;
    const upper = snapshotter.rootfsPaths(c.id, []).upper;
    const sizeRw = Math.max(0, (await snapshotter.rootfsUsage(c.id).catch(() => 0)) - (await initLayerSize(upper)));
    const imageSize = await images.get(c.imageId).then((i) => i.size, () => 0);
    return { ...c, sizeRw, sizeRootFs: sizeRw + imageSize };
  }
}

// A created container's rootfs mounted ahead of its start. `docker run` sends
// its attach and wait requests between the create's answer and the start, and
// berthd is idle then: the overlay mounted in that moment is one the start
// finds mounted (the snapshotter's mount is idempotent). dockerd mounts a
// container's rootfs at create too (and unmounts it again). A premount that no
// start takes within `keepMs` is unmounted, as is every one left at berthd's
// stop; a failed one is only logged, since the start mounts (and reports) it
// again.
import type { ContainerContext } from './context.ts';
import { span } from '../../lib/index.ts';

export class RootfsPremounts {
  readonly #ctx: ContainerContext;
  readonly #keepMs: number;
  /** Premounted containers, each with the timer that unmounts it if still created. */
  readonly #kept = new Map<string, NodeJS.Timeout>();

  constructor(ctx: ContainerContext, keepMs = 10_000) {
    this.#ctx = ctx;
    this.#keepMs = keepMs;
  }

  /** Mounts `id`'s rootfs once the create has answered, under its lock, if it is still created then. */
  begin(id: string): void {
    const { reg, d } = this.#ctx;
    setImmediate(() => {
      reg.lock
        .run(id, async () => {
          const c = reg.get(id);
          if (!c || c.state.status !== 'created' || this.#ctx.closed) return;
          const lowerChain = c.lowerChain ?? this.#ctx.lowerChain(await d.images.get(c.imageId));
          await span('create: premount rootfs', { container: id.slice(0, 12) }, () => this.#ctx.mountRootfs(c, lowerChain));
          clearTimeout(this.#kept.get(id));
          this.#kept.set(id, setTimeout(() => void this.#unmountIfCreated(id), this.#keepMs).unref());
        })
        .catch((err: unknown) => d.log.debug('premounting a rootfs failed; the start mounts it', { container: id, err }));
    });
  }

  /** Unmounts the premounts no start took (berthd's stop). */
  async close(): Promise<void> {
    const ids = [...this.#kept.keys()];
    await Promise.all(ids.map((id) => this.#unmountIfCreated(id)));
  }

  async #unmountIfCreated(id: string): Promise<void> {
    const { reg, d } = this.#ctx;
    clearTimeout(this.#kept.get(id));
    this.#kept.delete(id);
    await reg.lock
      .run(id, async () => {
        // Started (its exit unmounts it), or removed (its removal did): nothing to do.
        if (reg.get(id)?.state.status === 'created') await d.snapshotter.unmountRootfs(id);
      })
      .catch((err: unknown) => d.log.warn('unmounting a premounted rootfs failed', { container: id, err }));
  }
}

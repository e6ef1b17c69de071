// Leases on blobs: an operation that writes blobs no image record names yet
// (a pull's layers, a build's or a commit's diff, a push's compressed layer)
// holds a lease on them until the record that names them is written, so that
// garbage collection — at start-up, after an image or container removal —
// cannot take them in between. Leases live in memory: after a crash nothing
// is in flight, and what a dead operation left is garbage indeed.
import type { Digest } from '../core/digest.ts';
import type { BlobLease } from './types.ts';

export class BlobLeases {
  /** Leases per digest. */
  readonly #counts = new Map<Digest, number>();

  /** A lease on `digests`, to which ingest() adds what it writes under it. */
  create(digests: readonly Digest[] = []): BlobLease {
    const held = new Set<Digest>();
    let released = false;
    const add = (d: Digest) => {
      if (released || held.has(d)) return;
      held.add(d);
      this.#counts.set(d, (this.#counts.get(d) ?? 0) + 1);
    };
    for (const d of digests) add(d);
    return {
      add,
      release: () => {
        if (released) return;
        released = true;
        for (const d of held) {
          const n = (this.#counts.get(d) ?? 1) - 1;
          if (n <= 0) this.#counts.delete(d);
          else this.#counts.set(d, n);
        }
        held.clear();
      },
    };
  }

  has(digest: Digest): boolean {
    return this.#counts.has(digest);
  }
}

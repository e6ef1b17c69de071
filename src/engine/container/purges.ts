// The purges of removed containers: what a removal leaves to do once the
// container is gone for users (the runtime's delete, the rootfs, the bundle,
// the record's row) runs here, after the API has answered, a few at a time so
// that an `rm -f` of many does not start as many runtimes at once. berthd's
// shutdown waits for them (settled()); a crash before one ends leaves a dead
// record that berthd's restore removes again.
import type { Logger } from '../../lib/logger.ts';

export class PurgeQueue {
  readonly #limit: number;
  readonly #log: Logger;
  readonly #waiting: (() => Promise<void>)[] = [];
  readonly #running = new Set<Promise<void>>();

  constructor(log: Logger, limit = 4) {
    this.#log = log;
    this.#limit = limit;
  }

  /** Queues a purge; resolves when it has ended (its failure is logged, never thrown). */
  add(purge: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#waiting.push(() => purge().finally(resolve));
      this.#next();
    });
  }

  /** Resolves once every purge queued so far (and any they queue) has ended. */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running);
  }

  #next(): void {
    while (this.#running.size < this.#limit) {
      const purge = this.#waiting.shift();
      if (!purge) return;
      const run: Promise<void> = purge()
        .catch((err: unknown) => this.#log.warn('finishing a removal failed', { err }))
        .finally(() => {
          this.#running.delete(run);
          this.#next();
        });
      this.#running.add(run);
    }
  }
}

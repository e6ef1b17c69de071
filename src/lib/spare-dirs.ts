// Directory trees made ahead of need, moved into place with one rename. On
// some file systems making an entry is slow (on the ext4 of berth's test
// machine an mkdir or a create takes 0.1-0.3 ms, a rename of a directory
// 0.02 ms), and a container's create makes about twenty of them (its
// directory with its etc files, its rootfs's directories and init layer)
// while the client waits. A pool keeps one such tree ready in a staging
// directory on the same file system; `make(dest)` renames it to `dest` (or,
// with none ready, makes the tree at `dest` itself), and the next tree is made
// in the background a little later.
// The trees are the template's, the same whichever way they come. Staging is
// emptied at start-up: a tree left by a crash is never handed out.
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fsBatch, type FsOp } from './fs-batch.ts';
import { log } from './logger.ts';

/** The ops that make a tree at `root` (its first op makes `root` itself). */
export type TreeTemplate = (root: string) => FsOp[];

/** Numbers the pools of this process: each names its trees apart, should two share a staging dir. */
let pools = 0;

export class SpareDirs {
  readonly #staging: string;
  readonly #pool = pools++;
  readonly #refillDelayMs: number;
  /** The tree ready to be taken, and the one being made. */
  #ready: string | undefined;
  #making: Promise<void> | undefined;
  #template: TreeTemplate | undefined;
  #key = '';
  #seq = 0;
  /** Off until init() found staging on the destinations' file system; off for good after a failure. */
  #on = false;
  #closed = false;

  /**
   * `refillDelayMs`: how long after a tree is taken the next one is begun. Not at once: the taker's own
   * entries and its record's fsync are on their way through the file system's journal then, and a tree
   * made beside them slows them down (measured: no gain at 0 ms; 2-3 ms off a `docker run` at 40 ms,
   * when the start's runtime create, CPU-bound, leaves the disk idle).
   */
  constructor(staging: string, options: { refillDelayMs?: number } = {}) {
    this.#staging = staging;
    this.#refillDelayMs = options.refillDelayMs ?? 40;
  }

  /**
   * Empties staging (what an earlier run left goes) and turns the pool on when
   * staging and `destParent` are on one file system (a rename does not cross
   * file systems). Never rejects: without staging the pool stays off.
   */
  async init(destParent: string): Promise<void> {
    try {
      await rm(this.#staging, { recursive: true, force: true });
      await mkdir(this.#staging, { recursive: true, mode: 0o700 });
      const [a, b] = await Promise.all([stat(this.#staging), stat(destParent)]);
      this.#on = a.dev === b.dev;
    } catch (err) {
      log.debug('no spare directories', { staging: this.#staging, err });
    }
  }

  /**
   * Makes `dest` as `template(dest)` would: by renaming a tree made ahead with the template of the same
   * `key` when one is ready (renameat2's RENAME_NOREPLACE: never over an entry already at `dest`), else,
   * or when that rename fails (a staging removed under the pool), with the template's own ops. `then`
   * runs after, in the same trip to the thread pool (the files a create writes into the tree, say); its
   * failure is the caller's. Either way the next tree is begun a little later.
   */
  async make(dest: string, key: string, template: TreeTemplate, then: readonly FsOp[] = []): Promise<void> {
    if (key !== this.#key) {
      this.#key = key;
      this.#template = template;
      if (this.#ready !== undefined) void rm(this.#ready, { recursive: true, force: true }).catch(() => undefined);
      this.#ready = undefined;
    }
    const spare = this.#ready;
    this.#ready = undefined;
    if (this.#on) setTimeout(() => this.#fill(), this.#refillDelayMs).unref();
    if (spare !== undefined) {
      try {
        await fsBatch([{ op: 'rename', path: dest, from: spare }, ...then]);
        return;
      } catch (err) {
        // A failure names its op's path (the addon: the destination; fs.promises' rename: the source).
        const path = (err as { path?: unknown }).path;
        if (path !== dest && path !== spare) throw err;
        log.debug('a spare directory could not be moved into place; making it there', { path: dest, spare, err });
        void rm(spare, { recursive: true, force: true }).catch(() => undefined);
      }
    }
    await fsBatch([...template(dest), ...then]);
  }

  /** Waits for the trees being made; none is begun after. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#making;
  }

  #fill(): void {
    const template = this.#template;
    if (!this.#on || this.#closed || template === undefined || this.#ready !== undefined || this.#making !== undefined) return;
    const key = this.#key;
    const root = join(this.#staging, `${this.#pool}-${this.#seq++}`);
    this.#making = fsBatch(template(root))
      .then(
        () => {
          if (key === this.#key && !this.#closed) this.#ready = root;
          else void rm(root, { recursive: true, force: true }).catch(() => undefined);
        },
        (err: unknown) => {
          // Made in place from now on: a staging that fails once would fail again.
          this.#on = false;
          log.warn('making a spare directory failed; making them in place from now on', { path: root, err });
          void rm(root, { recursive: true, force: true }).catch(() => undefined);
        },
      )
      .finally(() => {
        this.#making = undefined;
      });
  }
}

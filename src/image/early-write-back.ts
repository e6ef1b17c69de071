// Starts the kernel's write-back of an unpack's files while the unpack goes on,
// so that the one `sync -f` a pull or a load must end with (crash safety:
// nothing is renamed into place before it is on disk) finds little left to
// write. Without it the data of a 218 MB layer sits dirty in the page cache
// until that sync, which then waits 0.2-0.4 s for the disk with nothing else
// to do (bench/README.md, pull). Every `everyBytes` of tar an unpack has
// written, one syncfs(2) of its file system runs in the background (on libuv's
// pool through berth's addon, else `sync -f`; never two at once);
// nothing waits for it but settle(). It adds no guarantee: the final sync does
// that; it only moves the disk's work earlier, where it overlaps the unpack.
import { runTool } from '../lib/run-tool.ts';
import { log } from '../lib/logger.ts';
import { nativeIfBuilt } from '../lib/native.ts';

/** syncfs(2) of `dir`'s file system: through the addon (no process), else `sync -f`. */
function syncFs(dir: string): Promise<unknown> {
  const native = nativeIfBuilt();
  return native !== undefined && typeof native.syncFs === 'function' ? native.syncFs(dir) : runTool('sync', ['-f', dir]);
}

export class EarlyWriteBack {
  readonly #dir: string;
  readonly #every: number;
  readonly #sync: (dir: string) => Promise<unknown>;
  #next: number;
  #running: Promise<void> | undefined;

  /** `sync` is syncfs(2) of the directory's file system (tests count the calls). */
  constructor(dir: string, everyBytes: number, sync: (dir: string) => Promise<unknown> = syncFs) {
    this.#dir = dir;
    this.#every = everyBytes;
    this.#sync = sync;
    this.#next = everyBytes;
  }

  /** The unpack has written `total` bytes of tar so far. */
  progress(total: number): void {
    if (total < this.#next || this.#running !== undefined) return;
    this.#next = total + this.#every;
    this.#running = this.#sync(this.#dir).then(
      () => {
        this.#running = undefined;
      },
      (err: unknown) => {
        // Only an early start of what the final sync does (and reports): nothing is lost.
        log.debug('early write-back failed', { dir: this.#dir, error: err });
        this.#running = undefined;
      },
    );
  }

  /** Resolves once no background sync runs (it never rejects). */
  async settle(): Promise<void> {
    await this.#running;
  }
}
